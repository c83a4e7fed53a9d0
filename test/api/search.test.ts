/** Finding complaints: filters on the facts of the case, date ranges, sort order and cursor paging. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, startApiHarness, type ApiHarness, type Json } from '../support/api.js';
import { SAMPLE_CREATE_BODY } from '../support/intake.js';

let api: ApiHarness;
const agent = as('agent-li', 'agent');
const supervisor = as('supervisor-wu', 'supervisor');
const ids: Record<string, string> = {};

async function file(name: string, model: string, lot: string, receivedAt: string) {
  const res = await api.call('POST', '/complaints', agent, { ...SAMPLE_CREATE_BODY, receivedAt, device: { ...SAMPLE_CREATE_BODY.device, model, lot } });
  expect(res.status).toBe(201);
  ids[name] = res.body.complaintId;
}

const listed = async (query: string) => {
  const res = await api.call('GET', `/complaints?${query}`, agent);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { items: Json[]; nextCursor: string | null };
};
const names = (items: Json[]) => items.map((i) => Object.keys(ids).find((k) => ids[k] === i.complaintId) ?? 'other');

beforeAll(async () => {
  api = await startApiHarness();
  await file('a', 'VIP-200', 'L1', '2026-03-02T09:00:00+08:00');
  await file('b', 'VIP-200', 'L2', '2026-03-03T09:00:00+08:00');
  await file('c', 'SYR-50', 'L1', '2026-03-04T09:00:00+08:00');
  await file('d', 'VIP-200', 'L1', '2026-03-05T09:00:00+08:00');
  await api.call('POST', `/complaints/${ids.b}/escalations`, supervisor, { target: 'regulator', reason: 'serious injury', ruleId: 'cn.serious' });
  // The escalation is a signal: on file a moment later.
  for (let i = 0; i < 100 && (await listed('reportable=true')).items.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
});
afterAll(async () => {
  await api?.stop();
});

describe('GET /complaints', () => {
  it('filters by model and lot, reportable, and a date range', async () => {
    expect(names((await listed('model=VIP-200&lot=L1')).items)).toEqual(['d', 'a']);
    expect(names((await listed('model=SYR-50')).items)).toEqual(['c']);
    expect(names((await listed('reportable=true')).items)).toEqual(['b']);
    expect(names((await listed('receivedFrom=2026-03-03T00:00:00%2B08:00&receivedTo=2026-03-04T23:59:59%2B08:00')).items)).toEqual(['c', 'b']);
  });

  it('sorts newest or oldest first and pages with a cursor in that order', async () => {
    const first = await listed('receivedTo=2026-03-31T00:00:00Z&sort=oldest&limit=3');
    expect(names(first.items)).toEqual(['a', 'b', 'c']);
    const second = await listed(`receivedTo=2026-03-31T00:00:00Z&sort=oldest&limit=3&cursor=${first.nextCursor}`);
    expect(names(second.items)).toEqual(['d']);
    expect(second.nextCursor).toBeNull();
    expect(names((await listed('receivedTo=2026-03-31T00:00:00Z&limit=2')).items)).toEqual(['d', 'c']);
  });

  it('says which query parameter is wrong', async () => {
    const res = await api.call('GET', '/complaints?severity=apocalyptic&receivedFrom=yesterday&sort=random&name=Zhang', agent);
    expect(res.status).toBe(400);
    expect((res.body.errors as Json[]).map((e) => e.pointer).sort()).toEqual(['/query/name', '/query/receivedFrom', '/query/severity', '/query/sort']);
    // A cursor naming no complaint (not a UUID) is refused like any other foreign cursor, not a database error.
    const forged = Buffer.from(JSON.stringify(['2026-03-05T00:00:00.000Z', 'not-a-uuid'])).toString('base64url');
    const foreign = await api.call('GET', `/complaints?cursor=${forged}`, agent);
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors).toEqual([{ pointer: '/query/cursor', message: 'unknown cursor' }]);
    const reversed = await api.call('GET', '/complaints?receivedFrom=2026-03-05T00:00:00Z&receivedTo=2026-03-01T00:00:00Z', agent);
    expect(reversed.status).toBe(400);
    expect(reversed.body.errors).toEqual([{ pointer: '/query/receivedTo', message: 'receivedFrom must not be after receivedTo' }]);
  });
});
