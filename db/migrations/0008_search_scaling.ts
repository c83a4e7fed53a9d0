/**
 * Indexes and statistics for list filters that read far more rows than they return (found with
 * scripts/bench/search.ts; the plans are in its EXPLAIN output):
 *
 *  - by model alone: complaints_device_idx leads with the model but has the lot before received_at, so a
 *    model's newest first was a walk down received_at skipping other models' rows (7,919 for 51 on a
 *    mid-sized model at 100,000 complaints) or a sort of all the model's rows;
 *  - by lot alone: no index led with the lot (complaints_device_idx has it second): a walk down
 *    received_at skipping all other lots' rows (15,704 read for 51 on a large lot);
 *  - an owner's complaints in one stage (a handler's queue): a bitmap AND of the whole stage and the whole
 *    owner, then a sort; 0.5 ms at 100,000 complaints, 19 ms at 1,000,000 and growing with the table;
 *  - reportable with a severity: the two are correlated (crisis cases get reported), which the planner,
 *    assuming independence, estimated 14 times too low and so chose a bitmap AND of both indexes and a
 *    sort of all 2,039 rows over reading complaints_reportable_idx in order (7 ms → 0.2 ms).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('complaints_model_idx').on('complaints').columns(['device_model', 'received_at', 'id']).execute();
  await db.schema.createIndex('complaints_lot_idx').on('complaints').columns(['device_lot', 'received_at', 'id']).execute();
  await db.schema.createIndex('complaints_owner_stage_idx').on('complaints').columns(['owner_id', 'stage', 'received_at', 'id']).execute();
  // Used from the next ANALYZE (autovacuum's, or the bench's).
  await sql`create statistics complaints_severity_reportable_stats (mcv) on severity, marked_for_regulator from complaints`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop statistics if exists complaints_severity_reportable_stats`.execute(db);
  for (const index of ['complaints_model_idx', 'complaints_lot_idx', 'complaints_owner_stage_idx']) {
    await db.schema.dropIndex(index).ifExists().execute();
  }
}
