/**
 * Product holds: a quality complaint puts the complained-about model and lot under control (not to
 * be shipped) until QA releases it. One active hold per lot; every complaint of the lot is linked
 * to it, each link and the placement on the hold's append-only trail.
 *
 * Idempotent: a retried activity writes nothing twice. A complaint already linked to a hold of the
 * lot gets that hold back (active or since released), whatever happened in between; otherwise it
 * joins the lot's active hold, or places a new one. Two complaints placing the same hold at once
 * end on one hold: the unique index on the active (model, lot) decides, the loser joins the winner.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/connect.js';
import type { Database } from '../db/schema.js';

export interface PlaceProductHoldInput {
  complaintId: string;
  productName: string;
  model: string;
  lot: string;
  actor: { id: string; role: string };
  reason: string;
  /** When the hold is placed (epoch ms, the workflow's time); now if absent. */
  at?: number;
}

export interface PlaceProductHoldResult {
  holdId: string;
  /** True when this complaint placed the hold (its first complaint), on every retry alike. */
  created: boolean;
  /** 'released' only when a retry finds the hold it placed or joined already released by QA. */
  status: 'active' | 'released';
}

/**
 * How model and lot are compared and stored: trimmed, runs of white space as one space, upper case
 * (as the cluster watch compares them), so "vip-200 " and "VIP-200" are the same lot.
 */
export function normaliseLotKey(value: string): string {
  return value.trim().replace(/\s+/g, ' ').toUpperCase();
}

/** A placement that lost the race for the lot's active hold more often than this is a bug. */
const MAX_ATTEMPTS = 5;

export function createProductHoldActivities(db: Db) {
  return {
    async placeProductHold(input: PlaceProductHoldInput): Promise<PlaceProductHoldResult> {
      const model = normaliseLotKey(input.model ?? '');
      const lot = normaliseLotKey(input.lot ?? '');
      const reason = (input.reason ?? '').trim();
      if (!model || !lot) throw ApplicationFailure.nonRetryable('a product hold needs a model and a lot', 'InvalidProductHold');
      if (!reason) throw ApplicationFailure.nonRetryable('a product hold needs a reason', 'InvalidProductHold');
      const at = new Date(input.at ?? Date.now());
      return db.transaction().execute(async (trx) => {
        for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
          // A retry: this complaint is on a hold of the lot already; nothing more to write.
          const linked = await trx
            .selectFrom('product_hold_complaints as l')
            .innerJoin('product_holds as h', 'h.id', 'l.hold_id')
            .select(['h.id', 'h.status', 'h.first_complaint_id'])
            .where('l.complaint_id', '=', input.complaintId)
            .where('h.model', '=', model)
            .where('h.lot', '=', lot)
            .orderBy('h.placed_at', 'desc')
            .executeTakeFirst();
          if (linked) return { holdId: linked.id, created: linked.first_complaint_id === input.complaintId, status: linked.status };

          // The lot's active hold, locked so its trail gets one event at a time and a release
          // cannot slip between the check and the link.
          const active = await trx
            .selectFrom('product_holds')
            .select(['id'])
            .where('model', '=', model)
            .where('lot', '=', lot)
            .where('status', '=', 'active')
            .forUpdate()
            .executeTakeFirst();
          if (active) {
            // A concurrent retry for this complaint may have linked it while this one waited.
            if (await link(trx, active.id, input.complaintId, at)) {
              await appendEvent(trx, active.id, at, input.actor, 'complaint_linked', { complaintId: input.complaintId, reason });
            }
            return { holdId: active.id, created: false, status: 'active' };
          }

          const holdId = randomUUID();
          // Against a concurrent placement for the same lot the unique index waits for the other
          // transaction; if it committed, nothing is inserted here and the lookup runs again.
          const placed = await trx
            .insertInto('product_holds')
            .values({
              id: holdId,
              product_name: input.productName,
              model,
              lot,
              status: 'active',
              placed_at: at,
              placed_by: input.actor.id,
              placed_by_role: input.actor.role,
              reason,
              first_complaint_id: input.complaintId,
            })
            .onConflict((oc) => oc.columns(['model', 'lot']).where('status', '=', 'active').doNothing())
            .returning('id')
            .executeTakeFirst();
          if (!placed) continue;
          await appendEvent(trx, holdId, at, input.actor, 'placed', {
            complaintId: input.complaintId,
            productName: input.productName,
            model,
            lot,
            reason,
          });
          await link(trx, holdId, input.complaintId, at);
          return { holdId, created: true, status: 'active' };
        }
        throw new Error(`product hold on ${model} / ${lot}: lost the race for the active hold ${MAX_ATTEMPTS} times`);
      });
    },
  };
}

/** Links the complaint to the hold; false when it was linked already. */
async function link(trx: Transaction<Database>, holdId: string, complaintId: string, at: Date): Promise<boolean> {
  const row = await trx
    .insertInto('product_hold_complaints')
    .values({ hold_id: holdId, complaint_id: complaintId, linked_at: at })
    .onConflict((oc) => oc.columns(['hold_id', 'complaint_id']).doNothing())
    .returning('complaint_id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Appends one event with the hold's next sequence number. The caller holds the hold's row lock
 * (or created the row in this transaction), so no one else appends meanwhile.
 */
export async function appendEvent(
  trx: Transaction<Database>,
  holdId: string,
  at: Date,
  actor: { id: string; role: string },
  action: 'placed' | 'complaint_linked' | 'released',
  data: Record<string, unknown>,
): Promise<number> {
  const { next } = await trx
    .selectFrom('product_hold_events')
    .select(sql<number>`coalesce(max(seq), 0) + 1`.as('next'))
    .where('hold_id', '=', holdId)
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('product_hold_events')
    .values({ hold_id: holdId, seq: next, at, actor_id: actor.id, actor_role: actor.role, action, data: JSON.stringify(data) })
    .execute();
  return next;
}
