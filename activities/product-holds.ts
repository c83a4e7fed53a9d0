/**
 * Product holds: a quality complaint puts the complained-about model and lot under control (not to
 * be shipped) until QA releases it. The activity checks and normalises what the workflow sends; the
 * writes, idempotent so a retried activity writes nothing twice, are db/product-holds.ts's.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/connect.js';
import { placeHold, type HoldPlacement, type PlacedHold } from '../db/product-holds.js';
import { normaliseLotKey } from '../workflows/ids.js';

/** A hold as the workflow asks for it: device keys as filed, and when (epoch ms, the workflow's time; now if absent). */
export type PlaceProductHoldInput = Omit<HoldPlacement, 'at'> & { at?: number };

export type PlaceProductHoldResult = PlacedHold;

export function createProductHoldActivities(db: Db) {
  return {
    async placeProductHold(input: PlaceProductHoldInput): Promise<PlaceProductHoldResult> {
      const model = normaliseLotKey(input.model ?? '');
      const lot = normaliseLotKey(input.lot ?? '');
      const reason = (input.reason ?? '').trim();
      if (!model || !lot) throw ApplicationFailure.nonRetryable('a product hold needs a model and a lot', 'InvalidProductHold');
      if (!reason) throw ApplicationFailure.nonRetryable('a product hold needs a reason', 'InvalidProductHold');
      const at = new Date(input.at ?? Date.now());
      return placeHold(db, { complaintId: input.complaintId, productName: input.productName, model, lot, actor: input.actor, reason, at });
    },
  };
}
