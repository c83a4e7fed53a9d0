/**
 * The complaint file: the record (the fields a complaint record must hold: 21 CFR 820.35(a),
 * ISO 13485 8.2.2, ISO 10002), its append-only event trail, its SLA clocks, and the reference data
 * the clocks run on (service-level policies, business calendars).
 */
import { sql, type Kysely } from 'kysely';
import { createAuditTrail, dropAuditTrail } from './audit-trail.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('complaint_number_sequences')
    .addColumn('year', 'integer', (c) => c.primaryKey())
    .addColumn('last_value', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('complaints')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('idempotency_key', 'text', (c) => c.unique())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('policy_id', 'text', (c) => c.notNull())
    // Receipt
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('received_by', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('distributor_aware_at', 'timestamptz')
    // Complainant (personal data)
    .addColumn('complainant_name', 'text', (c) => c.notNull())
    .addColumn('complainant_role', 'text', (c) => c.notNull())
    .addColumn('complainant_organisation', 'text')
    .addColumn('complainant_phone', 'text')
    .addColumn('complainant_email', 'text')
    .addColumn('complainant_address', 'text')
    .addColumn('complainant_mood', 'text')
    // Device
    .addColumn('device_name', 'text', (c) => c.notNull())
    .addColumn('device_model', 'text')
    .addColumn('device_specification', 'text')
    .addColumn('device_serial_number', 'text')
    .addColumn('device_lot', 'text')
    .addColumn('device_udi', 'text')
    .addColumn('device_expiry_date', 'date')
    .addColumn('device_manufacturer', 'text')
    .addColumn('device_supplier', 'text')
    .addColumn('device_purchase_date', 'date')
    // Event
    .addColumn('event_occurred_at', 'timestamptz')
    .addColumn('event_location', 'text')
    .addColumn('event_country', 'text')
    .addColumn('event_description', 'text', (c) => c.notNull())
    .addColumn('event_impact_scope', 'text')
    .addColumn('patient_harmed', 'boolean', (c) => c.notNull())
    .addColumn('in_use_on_patient', 'boolean', (c) => c.notNull())
    .addColumn('requested_remedies', sql`text[]`, (c) => c.notNull())
    .addColumn('sample_available', 'boolean', (c) => c.notNull())
    // Progress, projected from the workflow by activities (last_seq guards against stale writes)
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('category', 'text')
    .addColumn('severity', 'text')
    .addColumn('priority', 'text')
    .addColumn('patient_safety', 'boolean')
    .addColumn('suspected_adverse_event', 'boolean')
    .addColumn('reasonable', 'boolean')
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('department', 'text')
    .addColumn('reopen_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sla_breached', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('root_cause', 'text')
    .addColumn('investigation_waived_reason', 'text')
    .addColumn('remedy', 'text')
    .addColumn('satisfaction_score', 'integer')
    .addColumn('marked_for_mediation', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('marked_for_regulator', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('closed_at', 'timestamptz')
    .addColumn('withdrawn_reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // The desk's lists: newest first within a filter.
  await db.schema.createIndex('complaints_stage_idx').on('complaints').columns(['stage', 'received_at', 'id']).execute();
  await db.schema.createIndex('complaints_owner_idx').on('complaints').columns(['owner_id', 'received_at', 'id']).execute();
  await db.schema.createIndex('complaints_category_idx').on('complaints').columns(['category', 'received_at', 'id']).execute();
  await db.schema.createIndex('complaints_received_idx').on('complaints').columns(['received_at', 'id']).execute();
  await db.schema
    .createIndex('complaints_breached_idx')
    .on('complaints')
    .columns(['received_at', 'id'])
    .where(sql.ref('sla_breached'), '=', true)
    .execute();

  await createAuditTrail(db, { table: 'complaint_events', subject: { column: 'complaint_id', references: 'complaints.id' } });
  await db.schema.createIndex('complaint_events_action_idx').on('complaint_events').columns(['action', 'at']).execute();

  await db.schema
    .createTable('sla_clocks')
    .addColumn('complaint_id', 'uuid', (c) => c.notNull().references('complaints.id'))
    .addColumn('clock_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('cycle', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('calendar_id', 'text', (c) => c.notNull())
    .addColumn('specs', 'jsonb', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('warn_at', 'timestamptz', (c) => c.notNull())
    .addColumn('warned_at', 'timestamptz')
    .addColumn('met_at', 'timestamptz')
    .addColumn('breached_at', 'timestamptz')
    .addColumn('cancelled_at', 'timestamptz')
    .addColumn('pauses', 'jsonb', (c) => c.notNull())
    .addColumn('beyond_calendar', 'boolean', (c) => c.notNull())
    .addColumn('updated_seq', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('sla_clocks_pk', ['complaint_id', 'clock_id'])
    .execute();
  await db.schema.createIndex('sla_clocks_open_due_idx').on('sla_clocks').columns(['status', 'due_at']).execute();

  await db.schema
    .createTable('sla_policies')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('body', 'jsonb', (c) => c.notNull())
    .addColumn('is_default', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('sla_policies_pk', ['id', 'version'])
    .execute();

  await db.schema
    .createTable('business_calendars')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('working_hours', 'jsonb', (c) => c.notNull())
    .addColumn('weekend_days', sql`integer[]`, (c) => c.notNull())
    .addColumn('coverage_from', 'date', (c) => c.notNull())
    .addColumn('coverage_to', 'date', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('calendar_days')
    .addColumn('calendar_id', 'text', (c) => c.notNull().references('business_calendars.id'))
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('holiday', 'make_up_working_day')`))
    .addPrimaryKeyConstraint('calendar_days_pk', ['calendar_id', 'day'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'calendar_days',
    'business_calendars',
    'sla_policies',
    'sla_clocks',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await dropAuditTrail(db, 'complaint_events');
  for (const table of [
    'complaints',
    'complaint_number_sequences',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
