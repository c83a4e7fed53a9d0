/**
 * Product holds against the real PostgreSQL and the Temporal dev server: placement by the activity
 * (idempotent, one active hold per lot, even when placed concurrently), QA's release through HTTP
 * (with the signal to every linked complaint that still runs), the append-only trail, the list.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProductHoldActivities, type PlaceProductHoldInput } from '../../activities/product-holds.js';
import { normaliseLotKey } from '../../workflows/ids.js';
import { holdsForLot } from '../../api/product-holds.js';
import { as, startApiHarness, type ApiHarness, type Json } from '../support/api.js';
import { SAMPLE_CREATE_BODY } from '../support/intake.js';

let api: ApiHarness;
let activities: ReturnType<typeof createProductHoldActivities>;

const agent = as('agent-li', 'agent');
const supervisor = as('supervisor-wu', 'supervisor');
const qa = as('qa-zhou', 'qa');
const SYSTEM = { id: 'system', role: 'system' };

const holds = (method: string, path: string, headers: Record<string, string>, body?: unknown, raw?: string) =>
  api.call(method, `/product-holds${path}`, headers, body, raw);

let numbers = 0;
/** A complaint on file without a workflow: the NOT NULL columns of `complaints`. */
async function insertComplaint(model: string, lot: string): Promise<string> {
  const id = randomUUID();
  await api.database.db
    .insertInto('complaints')
    .values({
      id,
      number: `TEST-${process.pid}-${++numbers}-${id.slice(0, 8)}`,
      fingerprint: 'test',
      policy_id: 'default',
      received_at: new Date(),
      received_by: 'agent-li',
      channel: 'phone',
      complainant_name: 'Test Complainant',
      complainant_role: 'clinician',
      device_name: 'Volumetric infusion pump',
      device_model: model,
      device_lot: lot,
      event_description: 'false occlusion alarm',
      patient_harmed: false,
      in_use_on_patient: false,
      requested_remedies: ['repair'],
      sample_available: false,
      stage: 'investigation',
      owner_id: 'handler-chen',
    })
    .execute();
  return id;
}

const uniqueLot = () => `L-${randomUUID().slice(0, 8)}`;

let tick = 0;
/** A placement now, each a millisecond after the last, so links and holds sort in the order placed. */
function placement(complaintId: string, model: string, lot: string, extra: Partial<PlaceProductHoldInput> = {}): PlaceProductHoldInput {
  return { complaintId, productName: 'Volumetric infusion pump', model, lot, actor: SYSTEM, reason: 'quality complaint on the lot', at: Date.now() + ++tick, ...extra };
}

async function holdRows(model: string, lot: string) {
  return api.database.db
    .selectFrom('product_holds')
    .selectAll()
    .where('model', '=', normaliseLotKey(model))
    .where('lot', '=', normaliseLotKey(lot))
    .orderBy('placed_at')
    .execute();
}
const linksOf = (holdId: string) =>
  api.database.db.selectFrom('product_hold_complaints').selectAll().where('hold_id', '=', holdId).orderBy('linked_at').orderBy('complaint_id').execute();
const eventsOf = (holdId: string) =>
  api.database.db.selectFrom('product_hold_events').selectAll().where('hold_id', '=', holdId).orderBy('seq').execute();

beforeAll(async () => {
  api = await startApiHarness({ taskQueuePrefix: 'product-holds' });
  activities = createProductHoldActivities(api.database.db);
});

afterAll(async () => {
  await api?.stop();
});

describe('placing a hold (activity)', () => {
  it('is idempotent: a retried placement for the same complaint writes nothing twice', async () => {
    const lot = uniqueLot();
    const complaintId = await insertComplaint('VIP-200', lot);
    const first = await activities.placeProductHold(placement(complaintId, 'VIP-200', lot));
    const again = await activities.placeProductHold(placement(complaintId, 'VIP-200', lot));
    expect(first).toEqual({ holdId: first.holdId, created: true, status: 'active' });
    expect(again).toEqual(first);

    const rows = await holdRows('VIP-200', lot);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: first.holdId,
      status: 'active',
      model: 'VIP-200',
      lot: lot.toUpperCase(),
      product_name: 'Volumetric infusion pump',
      placed_by: 'system',
      placed_by_role: 'system',
      first_complaint_id: complaintId,
      released_at: null,
    });
    expect((await linksOf(first.holdId)).map((l) => l.complaint_id)).toEqual([complaintId]);
    const events = await eventsOf(first.holdId);
    expect(events.map((e) => [e.seq, e.action])).toEqual([[1, 'placed']]);
    expect(events[0].data).toMatchObject({ complaintId, reason: 'quality complaint on the lot' });
  });

  it('links a second complaint of the lot to the same hold, however the lot is spelt', async () => {
    const lot = uniqueLot();
    const [a, b] = [await insertComplaint('VIP-200', lot), await insertComplaint('vip-200', lot.toLowerCase())];
    const first = await activities.placeProductHold(placement(a, 'VIP-200', lot));
    const second = await activities.placeProductHold(placement(b, ' vip-200 ', `  ${lot.toLowerCase()} `, { actor: { id: 'handler-chen', role: 'handler' } }));
    expect(second).toEqual({ holdId: first.holdId, created: false, status: 'active' });
    // Retried, the link is not recorded again.
    expect(await activities.placeProductHold(placement(b, 'VIP-200', lot))).toEqual(second);

    expect(await holdRows('VIP-200', lot)).toHaveLength(1);
    expect((await linksOf(first.holdId)).map((l) => l.complaint_id)).toEqual([a, b]);
    const events = await eventsOf(first.holdId);
    expect(events.map((e) => [e.seq, e.action, e.actor_id])).toEqual([
      [1, 'placed', 'system'],
      [2, 'complaint_linked', 'handler-chen'],
    ]);
    expect(events[1].data).toMatchObject({ complaintId: b });
  });

  it('gives a different lot (or model) its own hold', async () => {
    const lot = uniqueLot();
    const other = uniqueLot();
    const [a, b, c] = [await insertComplaint('VIP-200', lot), await insertComplaint('VIP-200', other), await insertComplaint('VIP-300', lot)];
    const ha = await activities.placeProductHold(placement(a, 'VIP-200', lot));
    const hb = await activities.placeProductHold(placement(b, 'VIP-200', other));
    const hc = await activities.placeProductHold(placement(c, 'VIP-300', lot));
    expect(new Set([ha.holdId, hb.holdId, hc.holdId]).size).toBe(3);
    expect([ha.created, hb.created, hc.created]).toEqual([true, true, true]);
  });

  it('ends on one hold when complaints of a lot place it at the same time', async () => {
    const lot = uniqueLot();
    const ids = await Promise.all(Array.from({ length: 8 }, () => insertComplaint('VIP-200', lot)));
    // Each complaint placed twice at once too, as a retry racing its first attempt would.
    const inputs = [...ids, ...ids];
    const results = await Promise.all(inputs.map((id) => activities.placeProductHold(placement(id, 'VIP-200', lot))));
    const holdIds = new Set(results.map((r) => r.holdId));
    expect(holdIds.size).toBe(1);
    const [holdId] = holdIds;
    const rows = await holdRows('VIP-200', lot);
    expect(rows).toHaveLength(1);
    // Only the complaint that won placed it; both of its attempts say so.
    expect(results.map((r) => r.created)).toEqual(inputs.map((id) => id === rows[0].first_complaint_id));
    expect((await linksOf(holdId)).map((l) => l.complaint_id).sort()).toEqual([...ids].sort());
    const events = await eventsOf(holdId);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(events.map((e) => e.action)).toEqual(['placed', ...Array(7).fill('complaint_linked')]);
  });

  it('refuses a placement without a model, a lot or a reason', async () => {
    const complaintId = await insertComplaint('VIP-200', 'L-x');
    await expect(activities.placeProductHold(placement(complaintId, 'VIP-200', '  '))).rejects.toThrow(/model and a lot/);
    await expect(activities.placeProductHold(placement(complaintId, '', 'L-x'))).rejects.toThrow(/model and a lot/);
    await expect(activities.placeProductHold(placement(complaintId, 'VIP-200', 'L-x', { reason: ' ' }))).rejects.toThrow(/reason/);
  });
});

describe('the trail', () => {
  it('cannot be updated or deleted, whoever asks', async () => {
    const lot = uniqueLot();
    const { holdId } = await activities.placeProductHold(placement(await insertComplaint('VIP-200', lot), 'VIP-200', lot));
    await expect(
      api.database.db.updateTable('product_hold_events').set({ action: 'released' }).where('hold_id', '=', holdId).execute(),
    ).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(api.database.db.deleteFrom('product_hold_events').where('hold_id', '=', holdId).execute()).rejects.toThrow(
      /append-only: DELETE refused/,
    );
    expect(await eventsOf(holdId)).toHaveLength(1);
  });

  it('allows one active hold per lot in the table itself', async () => {
    const lot = uniqueLot();
    const complaintId = await insertComplaint('VIP-200', lot);
    await activities.placeProductHold(placement(complaintId, 'VIP-200', lot));
    await expect(
      api.database.db
        .insertInto('product_holds')
        .values({
          id: randomUUID(),
          product_name: 'x',
          model: 'VIP-200',
          lot: normaliseLotKey(lot),
          status: 'active',
          placed_at: new Date(),
          placed_by: 'someone',
          placed_by_role: 'qa',
          reason: 'second',
          first_complaint_id: complaintId,
        })
        .execute(),
    ).rejects.toThrow(/product_holds_active_lot_uq/);
  });
});

describe('QA’s release (HTTP)', () => {
  it('QA only; 200 with the hold released and on the trail; again 409; the next complaint of the lot places a new hold', async () => {
    const lot = uniqueLot();
    const [a, b] = [await insertComplaint('VIP-200', lot), await insertComplaint('VIP-200', lot)];
    const { holdId } = await activities.placeProductHold(placement(a, 'VIP-200', lot));
    await activities.placeProductHold(placement(b, 'VIP-200', lot));
    const path = `/${holdId}/release`;
    const body = { decision: 'rework', reason: 'sensor batch reworked and retested' };

    // Unknown caller, wrong role.
    expect((await holds('POST', path, {}, body)).status).toBe(401);
    for (const who of [agent, supervisor, as('handler-chen', 'handler')]) {
      const res = await holds('POST', path, who, body);
      expect(res.status).toBe(403);
      expect(res.type).toBe('application/problem+json');
    }
    // Unknown hold.
    expect((await holds('POST', `/${randomUUID()}/release`, qa, body)).status).toBe(404);
    expect((await holds('POST', '/not-a-hold/release', qa, body)).status).toBe(404);
    expect((await holds('GET', '/not-a-hold', qa)).status).toBe(404);
    expect((await holds('GET', `/${randomUUID()}`, qa)).status).toBe(404);
    // Nothing changed by the refusals.
    expect((await holdRows('VIP-200', lot))[0].status).toBe('active');

    const res = await holds('POST', path, qa, body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.hold).toMatchObject({
      holdId,
      status: 'released',
      model: 'VIP-200',
      lot: lot.toUpperCase(),
      complaintCount: 2,
      releasedBy: { id: 'qa-zhou', role: 'qa' },
      releaseDecision: 'rework',
      releaseReason: 'sensor batch reworked and retested',
    });
    expect(res.body.hold.releasedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(res.body.hold.placedAt).toMatch(/Z$/);
    // Neither complaint has a workflow here: both skipped, the release stands.
    expect(res.body.notifications).toEqual({ signalled: [], notRunning: [a, b], failed: [] });
    expect(res.body.events.map((e: Json) => [e.seq, e.action])).toEqual([
      [1, 'placed'],
      [2, 'complaint_linked'],
      [3, 'released'],
    ]);
    expect(res.body.events[2]).toMatchObject({ actor: { id: 'qa-zhou', role: 'qa' }, data: { decision: 'rework', reason: 'sensor batch reworked and retested' } });

    const again = await holds('POST', path, qa, { decision: 'scrap', reason: 'changed my mind' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: 409, title: 'Already released', releaseDecision: 'rework' });
    expect(again.body.detail).toMatch(/released already/);
    expect((await eventsOf(holdId)).map((e) => e.action)).toEqual(['placed', 'complaint_linked', 'released']);

    // A new complaint of the lot: a new active hold, the released one kept on file.
    const c = await insertComplaint('VIP-200', lot);
    const next = await activities.placeProductHold(placement(c, 'VIP-200', lot));
    expect(next).toMatchObject({ created: true, status: 'active' });
    expect(next.holdId).not.toBe(holdId);
    // A retry of an earlier complaint's placement still answers with its own (released) hold.
    expect(await activities.placeProductHold(placement(a, 'VIP-200', lot))).toEqual({ holdId, created: true, status: 'released' });
    expect(await activities.placeProductHold(placement(b, 'VIP-200', lot))).toEqual({ holdId, created: false, status: 'released' });

    const forLot = await holdsForLot(api.database.db, 'vip-200', ` ${lot} `);
    expect(forLot.map((h) => [h.holdId, h.status, h.complaintCount])).toEqual([
      [next.holdId, 'active', 1],
      [holdId, 'released', 2],
    ]);
    expect(forLot[1]).toMatchObject({ releaseDecision: 'rework', releasedBy: { id: 'qa-zhou', role: 'qa' }, links: { self: `/product-holds/${holdId}` } });
    expect(await holdsForLot(api.database.db, 'VIP-200', uniqueLot())).toEqual([]);
    expect(await holdsForLot(api.database.db, '', lot)).toEqual([]);

    // One hold read back: its complaints (number, stage) and its trail.
    const read = await holds('GET', `/${holdId}`, agent);
    expect(read.status).toBe(200);
    expect(read.body.hold.status).toBe('released');
    expect(read.body.complaints.map((m: Json) => m.complaintId)).toEqual([a, b]);
    expect(read.body.complaints[0]).toMatchObject({ stage: 'investigation', number: expect.stringMatching(/^TEST-/), links: { self: `/complaints/${a}` } });
    expect(read.body.complaints[0].linkedAt).toMatch(/Z$/);
    expect(read.body.events).toHaveLength(3);
  });

  it('answers 422 with a pointer to every wrong field, 400 for malformed JSON', async () => {
    const lot = uniqueLot();
    const { holdId } = await activities.placeProductHold(placement(await insertComplaint('VIP-200', lot), 'VIP-200', lot));
    const path = `/${holdId}/release`;
    let res = await holds('POST', path, qa, {});
    expect(res.status).toBe(422);
    expect(res.type).toBe('application/problem+json');
    expect(res.body.errors.map((e: Json) => e.pointer).sort()).toEqual(['/decision', '/reason']);

    res = await holds('POST', path, qa, { decision: 'ship_anyway', reason: '   ', extra: 1 });
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: Json) => e.pointer).sort()).toEqual(['/decision', '/extra', '/reason']);

    res = await holds('POST', path, qa, undefined, '{"decision": ');
    expect(res.status).toBe(400);
    expect((await holdRows('VIP-200', lot))[0].status).toBe('active');
  });
});

describe('the list', () => {
  it('filters by status, model and lot, newest first, page by page', async () => {
    const model = `LIST-${randomUUID().slice(0, 6).toUpperCase()}`;
    const lots = Array.from({ length: 5 }, uniqueLot);
    const holdIds: string[] = [];
    for (const [i, lot] of lots.entries()) {
      const complaintId = await insertComplaint(model, lot);
      // Distinct placement times, a second apart, oldest first.
      const { holdId } = await activities.placeProductHold(placement(complaintId, model, lot, { at: Date.UTC(2026, 2, 1, 9, 0, i) }));
      holdIds.push(holdId);
    }
    // Two holds placed at the same instant: the ID breaks the tie, and paging keeps both.
    const tieLot = uniqueLot();
    const tie = await activities.placeProductHold(placement(await insertComplaint(model, tieLot), model, tieLot, { at: Date.UTC(2026, 2, 1, 9, 0, 4) }));
    expect((await holds('POST', `/${holdIds[1]}/release`, qa, { decision: 'release', reason: 'tested, within specification' })).status).toBe(200);

    let res = await holds('GET', `?model=${model.toLowerCase()}`, supervisor);
    expect(res.status).toBe(200);
    const all = res.body.items as Json[];
    expect(all).toHaveLength(6);
    expect(all.map((h) => h.placedAt)).toEqual([...all.map((h) => h.placedAt)].sort().reverse());
    expect(all.slice(2).map((h) => h.holdId)).toEqual([holdIds[3], holdIds[2], holdIds[1], holdIds[0]]);
    expect(new Set(all.slice(0, 2).map((h) => h.holdId))).toEqual(new Set([holdIds[4], tie.holdId]));
    expect(res.body.nextCursor).toBeNull();

    // Page by page, two at a time: the same holds in the same order, none twice.
    const paged: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      res = await holds('GET', `?model=${model}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, qa);
      expect(res.status).toBe(200);
      paged.push(...res.body.items.map((h: Json) => h.holdId));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(paged).toEqual(all.map((h) => h.holdId));
    expect(pages).toBe(3);

    res = await holds('GET', `?model=${model}&status=released`, qa);
    expect(res.body.items.map((h: Json) => h.holdId)).toEqual([holdIds[1]]);
    res = await holds('GET', `?model=${model}&status=active`, qa);
    expect(res.body.items).toHaveLength(5);
    res = await holds('GET', `?model=${model}&lot=${lots[2].toLowerCase()}`, qa);
    expect(res.body.items.map((h: Json) => h.holdId)).toEqual([holdIds[2]]);
    expect(res.body.items[0]).toMatchObject({ model, lot: lots[2].toUpperCase(), complaintCount: 1, placedAt: '2026-03-01T09:00:02.000Z' });
    res = await holds('GET', `?lot=${uniqueLot()}`, qa);
    expect(res.body).toEqual({ items: [], nextCursor: null });

    // Bad queries: 400 with pointers; no actor: 401.
    res = await holds('GET', '?status=frozen&limit=0', qa);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: Json) => e.pointer).sort()).toEqual(['/query/limit', '/query/status']);
    res = await holds('GET', '?cursor=nonsense', qa);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].pointer).toBe('/query/cursor');
    res = await holds('GET', '?colour=red', qa);
    expect(res.status).toBe(400);
    expect((await holds('GET', '', {})).status).toBe(401);
  });
});

describe('the release reaches the complaints', () => {
  it('signals every linked complaint whose workflow runs; finished or missing ones are skipped', async () => {
    const lot = uniqueLot();
    const file = async () => {
      const res = await api.call('POST', '/complaints', agent, SAMPLE_CREATE_BODY);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.complaintId as string;
    };
    const running = await file();
    const withdrawn = await file();
    const res = await api.call('POST', `/complaints/${withdrawn}/withdrawal`, agent, { reason: 'filed twice' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await expect
      .poll(async () => (await api.temporal.workflow.getHandle(withdrawn).describe()).status.name, { timeout: 15_000 })
      .toBe('COMPLETED');
    const noWorkflow = await insertComplaint('VIP-200', lot);

    const model = SAMPLE_CREATE_BODY.device.model!;
    const { holdId } = await activities.placeProductHold(placement(running, model, lot));
    for (const id of [withdrawn, noWorkflow]) await activities.placeProductHold(placement(id, model, lot));

    const release = await holds('POST', `/${holdId}/release`, qa, { decision: 'return_to_supplier', reason: 'supplier sensor defect confirmed' });
    expect(release.status, JSON.stringify(release.body)).toBe(200);
    expect(release.body.hold.status).toBe('released');
    expect(release.body.notifications.signalled).toEqual([running]);
    expect([...release.body.notifications.notRunning].sort()).toEqual([withdrawn, noWorkflow].sort());
    expect(release.body.notifications.failed).toEqual([]);

    const history = await api.temporal.workflow.getHandle(running).fetchHistory();
    const signals = (history.events ?? [])
      .map((e) => e.workflowExecutionSignaledEventAttributes)
      .filter((s) => s?.signalName === 'productHoldReleased');
    expect(signals).toHaveLength(1);
    // The complaint records it on its own trail.
    await expect
      .poll(
        async () =>
          (await api.database.db.selectFrom('complaint_events').select(['action', 'actor_id', 'data']).where('complaint_id', '=', running).execute())
            .filter((e) => e.action === 'product.hold_released')
            .map((e) => [e.actor_id, (e.data as Json).holdId, (e.data as Json).decision]),
        { timeout: 15_000 },
      )
      .toEqual([['qa-zhou', holdId, 'return_to_supplier']]);
  });
});
