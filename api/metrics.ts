/**
 * The API's Prometheus metrics (`GET /metrics`, text exposition format 0.0.4), one registry per app:
 *
 *   complaints_api_requests_total{method,route,status}            requests answered
 *   complaints_api_request_duration_seconds{method,route,status}  their latency (histogram)
 *   complaints_open{stage}                                       open complaints by stage
 *   complaints_sla_clocks{kind,status}                           clocks of open complaints
 *   complaints_sla_breaches_unanswered{kind}                     breached, action still not taken
 *   complaints_regulatory_reports{jurisdiction,state}            reports not submitted: due, overdue
 *   complaints_gauges_read_ok                                    1 when the gauges above were read
 *   process_*, nodejs_*                                          prom-client's process metrics
 *
 * `route` is the route's template (`/complaints/{id}/assessment`), never the path (it holds ids),
 * `unmatched` for a path no route serves. The trade's gauges are read from PostgreSQL at each scrape
 * (db/gauges.ts). No label carries a name, an id or a submitted value.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db/connect.js';
import { readTradeGauges } from '../db/gauges.js';
import { FINAL_STAGES, STAGES } from '../workflows/model.js';
import { CLOCK_KINDS } from '../workflows/rules/sla-policy.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const CLOCK_STATUSES = ['running', 'paused', 'met', 'breached', 'cancelled'] as const;
const JURISDICTIONS = ['CN', 'US', 'EU'] as const;

/**
 * The route template that served this request, OpenAPI style (`{id}`), once it is answered: the
 * first matched route that is not a middleware (`app.use`); `unmatched` when none is.
 */
export function routeTemplate(c: Context): string {
  let routes: Array<{ method: string; path: string }>;
  try {
    routes = matchedRoutes(c);
  } catch {
    return 'unmatched';
  }
  const route = routes.find((r) => r.method !== 'ALL');
  return route ? route.path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}') : 'unmatched';
}

/** process_* and nodejs_*: once per process, whatever the number of apps. */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface ApiMetrics {
  /** Counts one answered request. */
  observe(entry: { method: string; route: string; status: number; seconds: number }): void;
  /** The exposition text: the request metrics, the trade's gauges read now, the process's. */
  render(): Promise<string>;
}

export function createApiMetrics(db: Db): ApiMetrics {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'complaints_api_requests_total', help: 'API requests answered, by method, route template and status.', labelNames, registers: [registry] });
  const latency = new Histogram({
    name: 'complaints_api_request_duration_seconds',
    help: 'API request latency (received to answered), by method, route template and status.',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const open = new Gauge({ name: 'complaints_open', help: 'Complaints not closed or withdrawn, by stage (read from PostgreSQL at scrape).', labelNames: ['stage'], registers: [registry] });
  const clocks = new Gauge({ name: 'complaints_sla_clocks', help: 'SLA clocks of open complaints, by kind and status (read at scrape).', labelNames: ['kind', 'status'], registers: [registry] });
  const breaches = new Gauge({
    name: 'complaints_sla_breaches_unanswered',
    help: 'Breached SLA clocks of open complaints whose action is still not taken, by clock kind (read at scrape).',
    labelNames: ['kind'],
    registers: [registry],
  });
  const reports = new Gauge({
    name: 'complaints_regulatory_reports',
    help: 'Reports to regulators not yet submitted, by jurisdiction and state: due (not late yet) or overdue (read at scrape).',
    labelNames: ['jurisdiction', 'state'],
    registers: [registry],
  });
  const gaugesOk = new Gauge({ name: 'complaints_gauges_read_ok', help: '1 when the complaint gauges were read from PostgreSQL for this scrape, 0 when they could not be.', registers: [registry] });

  async function readGauges(): Promise<void> {
    for (const g of [open, clocks, breaches, reports]) g.reset();
    let read;
    try {
      read = await readTradeGauges(db);
    } catch {
      gaugesOk.set(0); // the gauges are left out rather than stale
      return;
    }
    gaugesOk.set(1);
    // Every known series, 0 when nothing is counted: absent means "not read", not "none".
    for (const stage of STAGES.filter((s) => !FINAL_STAGES.includes(s))) open.set({ stage }, 0);
    for (const kind of CLOCK_KINDS) {
      breaches.set({ kind }, 0);
      for (const status of CLOCK_STATUSES) clocks.set({ kind, status }, 0);
    }
    for (const jurisdiction of JURISDICTIONS) for (const state of ['due', 'overdue']) reports.set({ jurisdiction, state }, 0);
    for (const r of read.openComplaints) open.set({ stage: r.stage }, r.count);
    for (const r of read.clocks) clocks.set({ kind: r.kind, status: r.status }, r.count);
    for (const r of read.breachesUnanswered) breaches.set({ kind: r.kind }, r.count);
    for (const r of read.reports) reports.set({ jurisdiction: r.jurisdiction, state: r.state }, r.count);
  }

  return {
    observe({ method, route, status, seconds }) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      latency.observe(labels, seconds);
    },
    async render() {
      await readGauges();
      return (await registry.metrics()) + (await processMetrics().metrics());
    },
  };
}

/** `METRICS_TOKEN`, when set: /metrics asks for `Authorization: Bearer <it>`. */
export function metricsTokenMatches(expected: string, header: string | undefined): boolean {
  const given = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
  if (!given) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
