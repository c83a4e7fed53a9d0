/**
 * Indexes for the KPI reports (db/reports.ts): each report filter and period column that had none.
 * Already indexed elsewhere: complaints.received_at and category, complaint_events (action, at) and
 * (complaint_id, seq), sla_clocks (status, due_at).
 */
import { sql, type Kysely } from 'kysely';

const INDEXES = [
  'complaints_closed_idx',
  'complaints_device_key_idx',
  'sla_clocks_met_idx',
  'sla_clocks_breached_idx',
  'sla_clocks_cancelled_idx',
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  // Closed and withdrawn complaints by when they ended.
  await db.schema.createIndex('complaints_closed_idx').on('complaints').column('closed_at').where(sql.ref('closed_at'), 'is not', null).execute();
  // Model and lot normalised (trimmed, single spaces, upper case), as the reports filter and group
  // them: the same lot spelt two ways is one lot. The expression must stay the one in db/reports.ts.
  await sql`
    create index complaints_device_key_idx on complaints (
      (upper(regexp_replace(btrim(device_model), '\\s+', ' ', 'g'))),
      (upper(regexp_replace(btrim(device_lot), '\\s+', ' ', 'g'))),
      received_at)`.execute(db);
  // SLA clocks by when their outcome was decided: met on time, breached (at the due time), cancelled.
  await db.schema.createIndex('sla_clocks_met_idx').on('sla_clocks').column('met_at').where(sql.ref('status'), '=', 'met').execute();
  await db.schema.createIndex('sla_clocks_breached_idx').on('sla_clocks').column('breached_at').where(sql.ref('status'), '=', 'breached').execute();
  await db.schema.createIndex('sla_clocks_cancelled_idx').on('sla_clocks').column('cancelled_at').where(sql.ref('status'), '=', 'cancelled').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const index of INDEXES) {
    await db.schema.dropIndex(index).ifExists().execute();
  }
}
