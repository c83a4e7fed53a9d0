/** Indexes for the desk's searches: by device (model, lot), severity, and cases reported to a regulator. */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('complaints_device_idx').on('complaints').columns(['device_model', 'device_lot', 'received_at', 'id']).execute();
  await db.schema.createIndex('complaints_severity_idx').on('complaints').columns(['severity', 'received_at', 'id']).execute();
  await db.schema
    .createIndex('complaints_reportable_idx')
    .on('complaints')
    .columns(['received_at', 'id'])
    .where(sql.ref('marked_for_regulator'), '=', true)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const index of ['complaints_device_idx', 'complaints_severity_idx', 'complaints_reportable_idx']) {
    await db.schema.dropIndex(index).ifExists().execute();
  }
}
