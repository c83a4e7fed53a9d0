/**
 * Reports to regulators: one row per report (complaint or cluster, jurisdiction, rule), its legal
 * due time and its submission. Written by the regulatoryReport workflow's activity; QA's list of
 * open deadlines reads it, soonest first.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('regulatory_reports')
    .addColumn('report_id', 'text', (c) => c.primaryKey())
    .addColumn('complaint_id', 'uuid', (c) => c.references('complaints.id'))
    .addColumn('cluster_alert_id', 'uuid')
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('jurisdiction', 'text', (c) => c.notNull())
    .addColumn('citation', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('day0', 'timestamptz', (c) => c.notNull())
    .addColumn('due_at', 'timestamptz')
    .addColumn('due_date', 'date')
    .addColumn('beyond_coverage', 'boolean', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'overdue', 'submitted')`))
    .addColumn('breached_at', 'timestamptz')
    .addColumn('submitted_at', 'timestamptz')
    .addColumn('submission_reference', 'text')
    .addColumn('submitted_by', 'text')
    .addColumn('events', 'jsonb', (c) => c.notNull())
    .addColumn('last_seq', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // QA's desk: every open deadline, soonest first.
  await db.schema.createIndex('regulatory_reports_due_idx').on('regulatory_reports').columns(['status', 'due_at', 'report_id']).execute();
  await db.schema.createIndex('regulatory_reports_complaint_idx').on('regulatory_reports').column('complaint_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('regulatory_reports').ifExists().execute();
}
