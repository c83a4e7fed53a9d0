/**
 * The three append-only trails (complaint events, cluster-alert events, product-hold events): one
 * shape (built by migrations/audit-trail.ts) and one way to append to them, here. Rows are never
 * edited or deleted (a trigger refuses it), so appending is the only write there is.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Each trail's table, and the column naming what it is the trail of (with `seq`, the key). */
export const TRAILS = {
  complaint: { table: 'complaint_events', subject: 'complaint_id' },
  clusterAlert: { table: 'cluster_alert_events', subject: 'alert_id' },
  productHold: { table: 'product_hold_events', subject: 'hold_id' },
} as const;
export type Trail = keyof typeof TRAILS;

export interface TrailEntry {
  /** The entry's place on its subject's trail (1, 2, …). */
  seq: number;
  /** When it happened (epoch ms or a Date), as opposed to `recorded_at`, when it was written. */
  at: number | Date;
  /** Who acted; the role as the writer has it (a workflow's Actor, the API's signed-in user). */
  actor: { id: string; role: string };
  action: string;
  data: Record<string, unknown>;
}

/**
 * Appends the entries to the subject's trail, each once: an entry whose sequence number is on the
 * trail already (a retried write) is skipped. Answers how many were written. `db` may be a
 * transaction, and should be when the trail moves with its subject's row.
 */
export async function appendToTrail(db: Kysely<Database>, trail: Trail, subjectId: string, entries: readonly TrailEntry[]): Promise<number> {
  if (entries.length === 0) return 0;
  const { table, subject } = TRAILS[trail];
  const rows = entries.map((e) => ({
    [subject]: subjectId,
    seq: e.seq,
    at: new Date(e.at),
    actor_id: e.actor.id,
    actor_role: e.actor.role,
    action: e.action,
    data: JSON.stringify(e.data),
  }));
  // The three tables differ only in the subject column's name, which the types cannot follow
  // through a computed key: the rows and the conflict target are checked against TRAILS instead.
  const written = await db
    .insertInto(table)
    .values(rows as never)
    .onConflict((oc) => oc.columns([subject, 'seq'] as never).doNothing())
    .executeTakeFirst();
  return Number(written.numInsertedOrUpdatedRows ?? 0n);
}
