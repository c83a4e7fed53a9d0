/** Bounding how long an HTTP request waits on the workflow engine. */
import { isGrpcServiceError } from '@temporalio/client';
import type { ApiDeps } from './deps.js';

export const DEFAULT_ACTION_TIMEOUT_MS = 30_000;

export class NotConfirmedInTime extends Error {
  override name = 'NotConfirmedInTime';
}

/** Runs `fn` with a gRPC deadline; a missed deadline becomes NotConfirmedInTime. */
export async function withinActionTimeout<T>(deps: ApiDeps, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + (deps.actionTimeoutMs ?? DEFAULT_ACTION_TIMEOUT_MS);
  try {
    return await deps.temporal.withDeadline(deadline, fn);
  } catch (err) {
    if (Date.now() >= deadline && isDeadlineError(err)) throw new NotConfirmedInTime();
    throw err;
  }
}

function isDeadlineError(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if (isGrpcServiceError(e) && (e.code === 4 /* DEADLINE_EXCEEDED */ || e.code === 1 /* CANCELLED */)) return true;
    if (e instanceof Error && /deadline|cancel/i.test(e.message)) return true;
  }
  return false;
}
