/**
 * /clusters over HTTP against the real Temporal dev server and PostgreSQL, with the real worker:
 * what QA and supervisors see of possible group events, and QA's decisions on them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dismissGroupEventUpdate } from '../../workflows/cluster-watch-contract.js';
import { clusterWatchId } from '../../workflows/ids.js';
import { as, startApiHarness, type ApiHarness, type Json } from '../support/api.js';
import { SAMPLE_CREATE_BODY } from '../support/intake.js';

const DAY = 24 * 3_600_000;
let api: ApiHarness;

const agent = as('agent-li', 'agent');
const supervisor = as('supervisor-wu', 'supervisor');
const qa = as('qa-zhou', 'qa');

beforeAll(async () => {
  api = await startApiHarness({ taskQueuePrefix: 'cluster-api-tests' });
});

afterAll(async () => {
  await api?.stop();
});

/** Three harm complaints on a lot of its own, filed over HTTP and reported to the watch: one alert. */
async function cluster(size = 3): Promise<{ alertId: string; complaintIds: string[]; numbers: string[]; model: string; lot: string }> {
  const suffix = randomUUID().slice(0, 8);
  const model = `VIP-200-${suffix}`;
  const lot = `L2026-${suffix}`;
  const complaintIds: string[] = [];
  const numbers: string[] = [];
  const t0 = Date.now() - 5 * DAY;
  for (let i = 0; i < size; i++) {
    const receivedAt = t0 + i * DAY;
    const res = await api.call('POST', '/complaints', agent, {
      ...SAMPLE_CREATE_BODY,
      receivedAt: new Date(receivedAt).toISOString(),
      device: { ...SAMPLE_CREATE_BODY.device, model, lot },
      event: { ...SAMPLE_CREATE_BODY.event, patientHarmed: true },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    complaintIds.push(res.body.complaintId);
    numbers.push(res.body.number);
    await api.reportToClusterWatch({
      model,
      lot,
      productName: SAMPLE_CREATE_BODY.device.productName,
      complaintId: res.body.complaintId,
      number: res.body.number,
      receivedAt,
      patientHarmed: true,
      windowDays: 30,
      threshold: 3,
    });
  }
  const watchId = clusterWatchId(model, lot);
  // Raised, and the members told (two events on file).
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const rows = await api.database.db.selectFrom('cluster_alerts').select(['id', 'last_seq']).where('watch_id', '=', watchId).execute();
    if (rows.length === 1 && rows[0].last_seq >= 2) return { alertId: rows[0].id, complaintIds, numbers, model, lot };
  }
  throw new Error(`no alert on ${watchId} in time`);
}

let first: Awaited<ReturnType<typeof cluster>>;
let second: Awaited<ReturnType<typeof cluster>>;

beforeAll(async () => {
  first = await cluster();
  second = await cluster();
});

describe('the list and the alert', () => {
  it('lists alerts newest first, filtered by status, with cursor paging', async () => {
    let res = await api.call('GET', '/clusters', supervisor);
    expect(res.status).toBe(200);
    const ids = (res.body.items as Json[]).map((i) => i.alertId);
    expect(ids.indexOf(second.alertId)).toBeLessThan(ids.indexOf(first.alertId));
    expect(res.body.items.find((i: Json) => i.alertId === first.alertId)).toMatchObject({
      model: first.model,
      lot: first.lot,
      productName: SAMPLE_CREATE_BODY.device.productName,
      status: 'open',
      windowDays: 30,
      threshold: 3,
      complaintCount: 3,
      links: { self: `/clusters/${first.alertId}` },
    });
    expect(res.body.items[0].flaggedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    res = await api.call('GET', '/clusters?status=open&limit=1', qa);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0].alertId).toBe(second.alertId);
    const next = await api.call('GET', `/clusters?status=open&limit=1&cursor=${res.body.nextCursor}`, qa);
    expect(next.status).toBe(200);
    expect(next.body.items[0].alertId).toBe(first.alertId);

    res = await api.call('GET', `/clusters?model=${encodeURIComponent(first.model)}`, qa);
    expect(res.body.items.map((i: Json) => i.alertId)).toEqual([first.alertId]);
    // As the watch names them: case and surrounding blanks do not matter.
    res = await api.call('GET', `/clusters?model=${encodeURIComponent(` ${first.model.toLowerCase()}`)}&lot=${encodeURIComponent(first.lot.toLowerCase())}`, qa);
    expect(res.body.items.map((i: Json) => i.alertId)).toEqual([first.alertId]);
    expect((await api.call('GET', '/clusters?status=confirmed', qa)).body.items).toEqual([]);
  });

  it('answers 400 for a bad query and 401 without an actor', async () => {
    let res = await api.call('GET', '/clusters?status=maybe&limit=0', qa);
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
    expect(res.body.errors.map((e: Json) => e.pointer).sort()).toEqual(['/query/limit', '/query/status']);
    res = await api.call('GET', '/clusters?cursor=nonsense', qa);
    expect(res.status).toBe(400);
    res = await api.call('GET', '/clusters', {});
    expect(res.status).toBe(401);
  });

  it('shows one alert with its complaints’ numbers and stages and its trail', async () => {
    const res = await api.call('GET', `/clusters/${first.alertId}`, supervisor);
    expect(res.status).toBe(200);
    expect(res.body.alert).toMatchObject({ alertId: first.alertId, status: 'open', complaintCount: 3 });
    expect(res.body.complaints.map((m: Json) => m.number)).toEqual(first.numbers);
    expect(res.body.complaints.every((m: Json) => m.stage === 'intake')).toBe(true);
    expect(res.body.events.map((e: Json) => e.action)).toEqual(['alert.raised', 'members.flagged']);
    expect(res.body.events[0]).toMatchObject({ seq: 1, actor: { id: 'system' } });
    expect(res.body.events[0].data.complaints[0].receivedAt).toMatch(/Z$/);
    expect(res.body.reports).toEqual([]);
  });

  it('answers 404 for an unknown alert', async () => {
    expect((await api.call('GET', `/clusters/${randomUUID()}`, qa)).status).toBe(404);
    expect((await api.call('GET', '/clusters/not-an-id', qa)).status).toBe(404);
  });
});

describe('QA’s decisions', () => {
  it('confirmation: QA only (403), a reason (422), once (409); the members are told and the reports start', async () => {
    const { alertId, complaintIds } = first;
    const path = `/clusters/${alertId}/confirmation`;
    let res = await api.call('POST', path, agent, { reason: 'same failure' });
    expect(res.status).toBe(403);
    expect(res.type).toContain('application/problem+json');
    res = await api.call('POST', path, supervisor, { reason: 'same failure' });
    expect(res.status).toBe(403);

    res = await api.call('POST', path, qa, {});
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ pointer: '/reason', message: expect.any(String) }]);
    res = await api.call('POST', path, qa, { reason: '  ', extra: true });
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: Json) => e.pointer).sort()).toEqual(['/extra', '/reason']);
    res = await api.call('POST', path, qa, undefined, '{not json');
    expect(res.status).toBe(400);
    res = await api.call('POST', `/clusters/${randomUUID()}/confirmation`, qa, { reason: 'x' });
    expect(res.status).toBe(404);

    res = await api.call('POST', path, qa, { reason: 'same lot, same sensor failure' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.alert).toMatchObject({ alertId, status: 'confirmed', confirmed: { by: { id: 'qa-zhou', role: 'qa' }, reason: 'same lot, same sensor failure' } });
    expect(res.body.alert.flaggedAt).toMatch(/Z$/);

    const read = await api.call('GET', `/clusters/${alertId}`, supervisor);
    expect(read.body.alert).toMatchObject({ status: 'confirmed', confirmedBy: 'qa-zhou', decisionReason: 'same lot, same sensor failure' });
    expect(read.body.events.map((e: Json) => e.action)).toEqual(['alert.raised', 'members.flagged', 'alert.confirmed', 'group_event.reports_started']);
    // The group-event reports (12-hour notice, 7-day investigation) are on file once they start.
    await expect
      .poll(async () => ((await api.call('GET', `/clusters/${alertId}`, qa)).body.reports as Json[]).map((r) => r.ruleId).sort(), { timeout: 15_000 })
      .toEqual(['cn.group.investigation', 'cn.group.notice']);
    // Each member's complaint heard of it.
    for (const id of complaintIds) {
      const history = await api.temporal.workflow.getHandle(id).fetchHistory();
      const names = (history.events ?? []).map((e) => e.workflowExecutionSignaledEventAttributes?.signalName).filter(Boolean);
      expect(names.filter((n) => n === 'clusterFlagged')).toHaveLength(1);
      expect(names.filter((n) => n === 'groupEventConfirmed')).toHaveLength(1);
    }

    expect((await api.call('POST', path, qa, { reason: 'again' })).status).toBe(409);
    expect((await api.call('POST', `/clusters/${alertId}/dismissal`, qa, { reason: 'no' })).status).toBe(409);
    const list = await api.call('GET', '/clusters?status=confirmed', qa);
    expect(list.body.items.map((i: Json) => i.alertId)).toEqual([alertId]);
  });

  it('dismissal: QA only, then closed to further decisions', async () => {
    const { alertId } = second;
    const path = `/clusters/${alertId}/dismissal`;
    expect((await api.call('POST', path, supervisor, { reason: 'unrelated' })).status).toBe(403);
    const res = await api.call('POST', path, qa, { reason: 'three different root causes' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.alert).toMatchObject({ alertId, status: 'dismissed', dismissed: { by: { id: 'qa-zhou' }, reason: 'three different root causes' } });
    const read = await api.call('GET', `/clusters/${alertId}`, qa);
    expect(read.body.alert).toMatchObject({ status: 'dismissed', dismissedBy: 'qa-zhou', decisionReason: 'three different root causes' });
    expect((await api.call('POST', `/clusters/${alertId}/confirmation`, qa, { reason: 'changed my mind' })).status).toBe(409);
  });

  it('a refusal by the watch itself comes back as a problem (its state moved after the read)', async () => {
    const c = await cluster();
    // Dismissed straight on the watch, while the row is still read as open by a racing request.
    const watch = api.temporal.workflow.getHandle(clusterWatchId(c.model, c.lot));
    await watch.executeUpdate(dismissGroupEventUpdate, { args: [{ actor: { id: 'qa-zhou', role: 'qa' }, reason: 'dup', alertId: c.alertId }] });
    await api.database.db.updateTable('cluster_alerts').set({ status: 'open' }).where('id', '=', c.alertId).execute(); // simulate the stale read
    const res = await api.call('POST', `/clusters/${c.alertId}/confirmation`, qa, { reason: 'late' });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/dismissed/);
  });

  it('a watch no longer running is started again from the alerts on file to take the decision', async () => {
    const c = await cluster();
    await api.temporal.workflow.getHandle(clusterWatchId(c.model, c.lot)).terminate('ops test');
    const res = await api.call('POST', `/clusters/${c.alertId}/confirmation`, qa, { reason: 'confirmed after a restart' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.alert).toMatchObject({ alertId: c.alertId, status: 'confirmed' });
    expect(res.body.alert.members.map((m: Json) => m.complaintId)).toEqual(c.complaintIds);
  });
});
