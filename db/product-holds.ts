/**
 * The product holds' writes, shared by the activity that places a hold (activities/product-holds.ts)
 * and the API that releases one (api/product-holds.ts): one active hold per lot, every complaint of
 * the lot linked to it, each placement, link and release on the hold's append-only trail.
 *
 * Model and lot arrive as device keys (workflows/ids.ts `normaliseLotKey`): stored and compared so.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, ProductHoldEventsTable } from './schema.js';
import { appendToTrail } from './trails.js';

/** A hold is active until QA releases it, with one of the decisions. */
export const HOLD_STATUSES = ['active', 'released'] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];
export const RELEASE_DECISIONS = ['release', 'scrap', 'rework', 'return_to_supplier'] as const;
export type ReleaseDecision = (typeof RELEASE_DECISIONS)[number];

export type HoldAction = ProductHoldEventsTable['action'];
export type HoldActor = { id: string; role: string };

export interface HoldPlacement {
  complaintId: string;
  productName: string;
  /** Device keys: normalised by the caller. */
  model: string;
  lot: string;
  /** Who placed it, as the workflow sends it (its role stored as given). */
  actor: HoldActor;
  reason: string;
  at: Date;
}

export interface PlacedHold {
  holdId: string;
  /** True when this complaint placed the hold (its first complaint), on every retry alike. */
  created: boolean;
  /** 'released' only when a retry finds the hold it placed or joined already released by QA. */
  status: HoldStatus;
}

/** A placement that lost the race for the lot's active hold more often than this is a bug. */
const MAX_ATTEMPTS = 5;

/**
 * Puts the complaint's lot under control, idempotently. A complaint already linked to a hold of the
 * lot gets that hold back (active or since released), whatever happened in between; otherwise it
 * joins the lot's active hold, or places a new one. Two complaints placing the same hold at once
 * end on one hold: the unique index on the active (model, lot) decides, the loser joins the winner.
 */
export async function placeHold(db: Kysely<Database>, p: HoldPlacement): Promise<PlacedHold> {
  const { complaintId, model, lot, actor, reason, at } = p;
  return db.transaction().execute(async (trx) => {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      // A retry: this complaint is on a hold of the lot already; nothing more to write.
      const linked = await trx
        .selectFrom('product_hold_complaints as l')
        .innerJoin('product_holds as h', 'h.id', 'l.hold_id')
        .select(['h.id', 'h.status', 'h.first_complaint_id'])
        .where('l.complaint_id', '=', complaintId)
        .where('h.model', '=', model)
        .where('h.lot', '=', lot)
        .orderBy('h.placed_at', 'desc')
        .executeTakeFirst();
      if (linked) return { holdId: linked.id, created: linked.first_complaint_id === complaintId, status: linked.status };

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
        if (await linkComplaint(trx, active.id, complaintId, at)) {
          await appendHoldEvent(trx, active.id, at, actor, 'complaint_linked', { complaintId, reason });
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
          product_name: p.productName,
          model,
          lot,
          status: 'active',
          placed_at: at,
          placed_by: actor.id,
          placed_by_role: actor.role,
          reason,
          first_complaint_id: complaintId,
        })
        .onConflict((oc) => oc.columns(['model', 'lot']).where('status', '=', 'active').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!placed) continue;
      await appendHoldEvent(trx, holdId, at, actor, 'placed', { complaintId, productName: p.productName, model, lot, reason });
      await linkComplaint(trx, holdId, complaintId, at);
      return { holdId, created: true, status: 'active' };
    }
    throw new Error(`product hold on ${model} / ${lot}: lost the race for the active hold ${MAX_ATTEMPTS} times`);
  });
}

/** Links the complaint to the hold; false when it was linked already. */
async function linkComplaint(trx: Transaction<Database>, holdId: string, complaintId: string, at: Date): Promise<boolean> {
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
 * (or created the row in this transaction), so no one else appends meanwhile; if someone did, the
 * number is taken and this fails rather than lose the event.
 */
export async function appendHoldEvent(
  trx: Transaction<Database>,
  holdId: string,
  at: Date,
  actor: HoldActor,
  action: HoldAction,
  data: Record<string, unknown>,
): Promise<number> {
  const { next } = await trx
    .selectFrom('product_hold_events')
    .select(sql<number>`coalesce(max(seq), 0) + 1`.as('next'))
    .where('hold_id', '=', holdId)
    .executeTakeFirstOrThrow();
  const written = await appendToTrail(trx, 'productHold', holdId, [{ seq: next, at, actor, action, data }]);
  if (written !== 1) throw new Error(`product hold ${holdId}: event ${next} was appended by another writer (is the hold's row locked?)`);
  return next;
}
