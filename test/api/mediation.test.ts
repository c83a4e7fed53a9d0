/** Mediation and the legal route through HTTP, against the real servers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, startApiHarness, type ApiHarness, type Json } from '../support/api.js';
import { SAMPLE_CREATE_BODY } from '../support/intake.js';

const agent = as('agent-li', 'agent');
const handler = as('handler-chen', 'handler');
const supervisor = as('supervisor-wu', 'supervisor');
let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => {
  await api?.stop();
});

async function disputedComplaint(): Promise<string> {
  const filed = await api.call('POST', '/complaints', agent, SAMPLE_CREATE_BODY);
  const id = filed.body.complaintId as string;
  const steps: Array<[string, Record<string, string>, unknown]> = [
    ['verify-complainant', agent, { method: 'x' }],
    ['verify-item', agent, { checks: { product: true, specification: true, lot: true, expiry: true, manufacturer: true } }],
    ['contacts', agent, { channel: 'phone', summary: 'x' }],
    ['complete-intake', agent, {}],
    ['assessment', agent, { category: 'after_sales_service', severity: 'general', patientSafety: false, suspectedAdverseEvent: false, reasonable: true, department: 'service', ownerId: 'handler-chen' }],
    ['waive-investigation', supervisor, { reason: 'a dispute about the service fee only' }],
    ['complete-investigation', handler, {}],
    ['remedy', agent, { remedy: 'repair', details: 'repair at our cost' }],
    ['remedy-approval', supervisor, { approved: true }],
    ['customer-decision', agent, { accepted: false, note: 'wants a refund' }],
  ];
  for (const [path, who, body] of steps) expect((await api.call('POST', `/complaints/${id}/${path}`, who, body)).status, path).toBe(200);
  return id;
}

describe('mediation through HTTP', () => {
  it('a supervisor sends a rejected remedy to mediation; sessions and the settlement are recorded; on to feedback', async () => {
    const id = await disputedComplaint();
    expect((await api.call('POST', `/complaints/${id}/mediation/sessions`, agent, { heldAt: new Date().toISOString(), summary: 'x' })).status).toBe(409);
    const bad = await api.call('POST', `/complaints/${id}/escalations`, supervisor, { target: 'mediation', reason: 'no agreement', deadlineDays: 0 });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: Json) => e.pointer)).toEqual(['/deadlineDays']);
    expect((await api.call('POST', `/complaints/${id}/escalations`, supervisor, { target: 'mediation', reason: 'no agreement', mediator: 'Medical device industry mediation committee' })).status).toBe(202);
    await expect.poll(async () => (await api.call('GET', `/complaints/${id}`, agent)).body.state.stage, { timeout: 10_000 }).toBe('mediation');

    const session = await api.call('POST', `/complaints/${id}/mediation/sessions`, agent, { heldAt: new Date(Date.now() - 60_000).toISOString(), summary: 'first hearing' });
    expect(session.status).toBe(200);
    expect(session.body.mediation.sessions).toHaveLength(1);
    expect((await api.call('POST', `/complaints/${id}/mediation/outcome`, agent, { outcome: 'failed' })).status).toBe(403);
    expect((await api.call('POST', `/complaints/${id}/mediation/outcome`, supervisor, { outcome: 'settled' })).status).toBe(422); // no agreed remedy
    const settled = await api.call('POST', `/complaints/${id}/mediation/outcome`, supervisor, { outcome: 'settled', agreedRemedy: { remedy: 'refund', details: 'half the service fee' } });
    expect(settled.status).toBe(200);
    await expect.poll(async () => (await api.call('GET', `/complaints/${id}`, agent)).body.state.stage, { timeout: 10_000 }).toBe('feedback');
    const state = (await api.call('GET', `/complaints/${id}`, agent)).body.state;
    expect(state.resolution.agreed).toMatchObject({ remedy: 'refund', details: 'half the service fee' });
    const actions = async () => (await api.call('GET', `/complaints/${id}/events`, agent)).body.items.map((e: Json) => e.action);
    await expect.poll(actions, { timeout: 10_000 }).toEqual(expect.arrayContaining(['mediation.session', 'mediation.settled']));
  });

  it('a failed mediation takes the legal route; a supervisor closes it with the outcome', async () => {
    const id = await disputedComplaint();
    await api.call('POST', `/complaints/${id}/escalations`, supervisor, { target: 'mediation', reason: 'no agreement', mediator: 'consumer association' });
    await expect.poll(async () => (await api.call('GET', `/complaints/${id}`, agent)).body.state.stage, { timeout: 10_000 }).toBe('mediation');
    await api.call('POST', `/complaints/${id}/mediation/outcome`, supervisor, { outcome: 'failed', note: 'customer filed a lawsuit' });
    await expect.poll(async () => (await api.call('GET', `/complaints/${id}`, agent)).body.record.stage, { timeout: 10_000 }).toBe('legal');
    expect((await api.call('POST', `/complaints/${id}/legal-closure`, agent, { outcome: 'x' })).status).toBe(403);
    const closed = await api.call('POST', `/complaints/${id}/legal-closure`, supervisor, { outcome: 'settled in court', note: 'case 2026-88' });
    expect(closed.status).toBe(200);
    expect(closed.body.state.stage).toBe('closed');
    expect(closed.body.state.legal).toMatchObject({ outcome: 'settled in court' });
  });
});
