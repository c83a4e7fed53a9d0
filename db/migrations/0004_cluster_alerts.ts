/**
 * Possible group (cluster) adverse events: alerts raised by the cluster watch of a device model and
 * lot, QA's decision on each, and their append-only event trail (Part 11, like complaint_events).
 * Only the cluster watch's activities write here, keyed by the alert's deterministic ID and the
 * event's sequence number, so a retried activity writes nothing twice.
 */
import { sql, type Kysely } from 'kysely';
import { createAuditTrail, dropAuditTrail } from './audit-trail.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('cluster_alerts')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    // The cluster watch's workflow ID (`cluster-watch:<MODEL>:<LOT>`) and the alert's number in it.
    .addColumn('watch_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('lot', 'text', (c) => c.notNull())
    .addColumn('product_name', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'confirmed', 'dismissed')`))
    .addColumn('flagged_at', 'timestamptz', (c) => c.notNull())
    .addColumn('window_days', 'integer', (c) => c.notNull())
    .addColumn('threshold', 'integer', (c) => c.notNull())
    .addColumn('complaint_ids', sql`uuid[]`, (c) => c.notNull())
    // The members' earliest and latest receipt: the span the window is measured on.
    .addColumn('first_received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('confirmed_at', 'timestamptz')
    .addColumn('confirmed_by', 'text')
    .addColumn('dismissed_at', 'timestamptz')
    .addColumn('dismissed_by', 'text')
    .addColumn('decision_reason', 'text')
    .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('cluster_alerts_watch_seq_uq', ['watch_id', 'seq'])
    .execute();
  // QA's list: newest first, within a status or across all.
  await db.schema.createIndex('cluster_alerts_status_idx').on('cluster_alerts').columns(['status', 'flagged_at', 'id']).execute();
  await db.schema.createIndex('cluster_alerts_flagged_idx').on('cluster_alerts').columns(['flagged_at', 'id']).execute();
  // Which alerts a complaint is in.
  await sql`create index cluster_alerts_complaints_idx on cluster_alerts using gin (complaint_ids)`.execute(db);

  await createAuditTrail(db, { table: 'cluster_alert_events', subject: { column: 'alert_id', references: 'cluster_alerts.id' } });
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await dropAuditTrail(db, 'cluster_alert_events');
  await db.schema.dropTable('cluster_alerts').ifExists().execute();
}
