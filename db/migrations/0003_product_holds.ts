/**
 * Product holds: a quality complaint puts the complained-about model and lot under control
 * (flagged, not to be shipped) until QA releases it with a decision and a reason. One active hold
 * per lot; every complaint of the lot linked to it; an append-only trail of the hold (Part 11,
 * like complaint_events). Model and lot are stored normalised (trimmed, single spaces, upper case)
 * so the same lot spelt two ways is one hold.
 */
import { sql, type Kysely } from 'kysely';
import { createAuditTrail, dropAuditTrail } from './audit-trail.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('product_holds')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('product_name', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('lot', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'released')`))
    .addColumn('placed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('placed_by', 'text', (c) => c.notNull())
    .addColumn('placed_by_role', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('first_complaint_id', 'uuid', (c) => c.notNull().references('complaints.id'))
    .addColumn('released_at', 'timestamptz')
    .addColumn('released_by', 'text')
    .addColumn('released_by_role', 'text')
    .addColumn('release_decision', 'text', (c) =>
      c.check(sql`release_decision in ('release', 'scrap', 'rework', 'return_to_supplier')`),
    )
    .addColumn('release_reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // A released hold says when, by whom, what QA decided and why; an active one says none of it.
    .addCheckConstraint(
      'product_holds_release_complete',
      sql`(status = 'active' and released_at is null and released_by is null and release_decision is null and release_reason is null)
       or (status = 'released' and released_at is not null and released_by is not null and release_decision is not null and release_reason is not null)`,
    )
    .execute();
  // One active hold per lot; released ones stay on file beside the next.
  await db.schema
    .createIndex('product_holds_active_lot_uq')
    .on('product_holds')
    .columns(['model', 'lot'])
    .unique()
    .where(sql.ref('status'), '=', 'active')
    .execute();
  // QA's list: newest first, within a status or across all; and every hold of a lot.
  await db.schema.createIndex('product_holds_status_idx').on('product_holds').columns(['status', 'placed_at', 'id']).execute();
  await db.schema.createIndex('product_holds_placed_idx').on('product_holds').columns(['placed_at', 'id']).execute();
  await db.schema.createIndex('product_holds_lot_idx').on('product_holds').columns(['model', 'lot', 'placed_at']).execute();

  await db.schema
    .createTable('product_hold_complaints')
    .addColumn('hold_id', 'uuid', (c) => c.notNull().references('product_holds.id'))
    .addColumn('complaint_id', 'uuid', (c) => c.notNull().references('complaints.id'))
    .addColumn('linked_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('product_hold_complaints_pk', ['hold_id', 'complaint_id'])
    .execute();
  // The holds of a complaint.
  await db.schema.createIndex('product_hold_complaints_complaint_idx').on('product_hold_complaints').column('complaint_id').execute();

  await createAuditTrail(db, {
    table: 'product_hold_events',
    subject: { column: 'hold_id', references: 'product_holds.id' },
    actions: ['placed', 'complaint_linked', 'released'],
  });
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await dropAuditTrail(db, 'product_hold_events');
  await db.schema.dropTable('product_hold_complaints').ifExists().execute();
  await db.schema.dropTable('product_holds').ifExists().execute();
}
