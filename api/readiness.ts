/**
 * What the API process knows about its readiness beyond "PostgreSQL and Temporal answer" (which
 * /healthz asks on every call): whether the namespace has the complaint workflow's search attributes
 * (checked at start by api/main.ts, and again every 30 s until they are there), and whether the
 * process is draining for a shutdown. api/main.ts writes it; a readiness route reads readiness().
 * In tests and anywhere main.ts does not run, it says ready (nothing was checked, nothing drains).
 */
import type { SearchAttributeCheck } from '../workflows/wire/temporal-connection.js';

export interface Readiness {
  /** Whether a load balancer should send this process requests. */
  ready: boolean;
  /** `ready`, `checking` (start-up, not known yet), or the check's finding. */
  searchAttributes: 'ready' | 'checking' | 'missing' | 'no-namespace' | 'unknown' | 'not-checked';
  /** What is wrong, for the operator (names of attributes and settings, nothing personal). */
  problems: string[];
  /** True from SIGTERM/SIGINT on: in-flight requests finish, new ones should go elsewhere. */
  draining: boolean;
}

let attributes: SearchAttributeCheck | 'checking' | 'not-checked' = 'not-checked';
let draining = false;

export function setSearchAttributeCheck(check: SearchAttributeCheck | 'checking'): void {
  attributes = check;
}

export function setDraining(): void {
  draining = true;
}

/** The process's readiness now. A check that could not be made (`unknown`) does not hold it back. */
export function readiness(): Readiness {
  const status = typeof attributes === 'string' ? attributes : attributes.status;
  const problems = typeof attributes === 'object' && attributes.status !== 'ready' ? [attributes.message] : [];
  if (draining) problems.push('shutting down: finishing in-flight requests');
  const attributesOk = status === 'ready' || status === 'unknown' || status === 'not-checked';
  return { ready: attributesOk && !draining, searchAttributes: status, problems, draining };
}
