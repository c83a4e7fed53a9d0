/**
 * The trade's gauges, read from the file in PostgreSQL when /metrics is scraped (api/metrics.ts):
 * counts only, by closed lists (stage, clock kind and state, jurisdiction): never a name, an id or
 * a text. Four grouped queries, each on an indexed column or a small table.
 */
import { sql } from 'kysely';
import { FINAL_STAGES, type Stage } from '../workflows/model.js';
import type { Db } from './connect.js';

export interface TradeGauges {
  /** Complaints not closed or withdrawn, by stage. */
  openComplaints: Array<{ stage: Stage; count: number }>;
  /** Clocks of open complaints, by kind and status (running, paused, met, breached, cancelled). */
  clocks: Array<{ kind: string; status: string; count: number }>;
  /**
   * Breaches unanswered: breached clocks whose action has still not been taken (no met_at), on
   * complaints still open, by clock kind.
   */
  breachesUnanswered: Array<{ kind: string; count: number }>;
  /** Reports to regulators not submitted, by jurisdiction: `due` (open, not yet late) and `overdue`. */
  reports: Array<{ jurisdiction: string; state: 'due' | 'overdue'; count: number }>;
}

export async function readTradeGauges(db: Db): Promise<TradeGauges> {
  const finals = [...FINAL_STAGES];
  const [stages, clocks, breaches, reports] = await Promise.all([
    db
      .selectFrom('complaints')
      .select(['stage', (eb) => eb.fn.countAll<string>().as('n')])
      .where('stage', 'not in', finals)
      .groupBy('stage')
      .execute(),
    db
      .selectFrom('sla_clocks as k')
      .innerJoin('complaints as c', 'c.id', 'k.complaint_id')
      .select(['k.kind', 'k.status', (eb) => eb.fn.countAll<string>().as('n')])
      .where('c.stage', 'not in', finals)
      .groupBy(['k.kind', 'k.status'])
      .execute(),
    db
      .selectFrom('sla_clocks as k')
      .innerJoin('complaints as c', 'c.id', 'k.complaint_id')
      .select(['k.kind', (eb) => eb.fn.countAll<string>().as('n')])
      .where('k.status', '=', 'breached')
      .where('k.met_at', 'is', null)
      .where('c.stage', 'not in', finals)
      .groupBy('k.kind')
      .execute(),
    db
      .selectFrom('regulatory_reports')
      .select(['jurisdiction', 'status', (eb) => eb.fn.countAll<string>().as('n')])
      .where('status', 'in', ['open', 'overdue'])
      .groupBy(['jurisdiction', 'status'])
      .execute(),
  ]);
  return {
    openComplaints: stages.map((r) => ({ stage: r.stage, count: Number(r.n) })),
    clocks: clocks.map((r) => ({ kind: r.kind, status: r.status, count: Number(r.n) })),
    breachesUnanswered: breaches.map((r) => ({ kind: r.kind, count: Number(r.n) })),
    reports: reports.map((r) => ({ jurisdiction: r.jurisdiction, state: r.status === 'overdue' ? 'overdue' : 'due', count: Number(r.n) })),
  };
}

/** PostgreSQL answers (one round trip), for readiness. */
export async function databaseAnswers(db: Db): Promise<boolean> {
  return sql`select 1`.execute(db).then(
    () => true,
    () => false,
  );
}
