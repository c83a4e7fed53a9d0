/**
 * QA's side of the API against the real Temporal dev server and PostgreSQL: one test per row of
 * regulatory.md's clock table (due dates worked out by hand), the reportability decision, the list
 * of open deadlines, recording a submission, and the proposal preview.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, startApiHarness, type ApiHarness, type Json } from '../support/api.js';
import { SAMPLE_CREATE_BODY } from '../support/intake.js';

const agent = as('agent-li', 'agent');
const qa = as('qa-zhao', 'qa');
const supervisor = as('supervisor-wu', 'supervisor');
let api: ApiHarness;

/**
 * Day 0 for the table: Thursday 2 July 2026 in every zone (22:00 in Shanghai, 10:00 in New York,
 * 16:00 in Brussels). Friday 3 July is a US federal holiday (Independence Day observed).
 */
const DAY0 = '2026-07-02T14:00:00Z';

async function fileComplaint(receivedAt = DAY0): Promise<string> {
  const res = await api.call('POST', '/complaints', agent, { ...SAMPLE_CREATE_BODY, receivedAt });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.complaintId;
}

async function reportsOf(complaintId: string, status = 'pending'): Promise<Json[]> {
  return (await api.call('GET', `/regulatory-reports?complaint=${complaintId}&status=${status}`, qa)).body.items;
}

beforeAll(async () => {
  api = await startApiHarness({ taskQueuePrefix: 'regulatory-api' });
});

afterAll(async () => {
  await api?.stop();
});

describe('every row of the clock table, through HTTP', () => {
  // [rule, due] — worked out by hand from day 0 = Thu 2026-07-02.
  it.each<[string, string]>([
    ['cn.death', '2026-07-09T23:59:59.999+08:00'], // 7 days
    ['cn.serious', '2026-07-22T23:59:59.999+08:00'], // 20 days
    ['cn.overseas', '2026-08-01T23:59:59.999+08:00'], // 30 days
    ['cn.group.notice', '2026-07-03T02:00:00.000Z'], // 12 hours, by phone or fax
    ['cn.group.individual', '2026-07-03T14:00:00.000Z'], // each case within 24 hours
    ['cn.group.investigation', '2026-07-09T23:59:59.999+08:00'], // 7 days
    ['us.803.50', '2026-08-01T23:59:59.999-04:00'], // 30 calendar days
    ['us.803.53', '2026-07-10T23:59:59.999-04:00'], // 5 work days: Jul 3 holiday, weekend; Jul 6..10
    ['us.803.56', '2026-08-01T23:59:59.999-04:00'], // 30 days from the new information
    ['us.803.10a', '2026-07-17T23:59:59.999-04:00'], // 10 work days: Jul 6..10, 13..17
    ['us.803.10b', '2026-08-01T23:59:59.999-04:00'], // 30 calendar days
    ['eu.87.3', '2026-07-17T23:59:59.999+02:00'], // 15 days
    ['eu.87.5', '2026-07-12T23:59:59.999+02:00'], // 10 days
    ['eu.87.4', '2026-07-04T23:59:59.999+02:00'], // 2 days
  ])('%s is due %s', async (ruleId, due) => {
    const id = await fileComplaint();
    const res = await api.call('POST', `/complaints/${id}/escalations`, supervisor, { target: 'regulator', reason: 'reportable event', ruleId });
    expect(res.status).toBe(202);
    await expect.poll(() => reportsOf(id), { timeout: 10_000 }).toHaveLength(1);
    const [report] = await reportsOf(id);
    expect(report).toMatchObject({ ruleId, day0: new Date(DAY0).toISOString(), dueAt: new Date(due).toISOString() });
  });

  it('eu.88 (trend report) has no fixed clock: recorded, no deadline started', async () => {
    const id = await fileComplaint();
    await api.call('POST', `/complaints/${id}/escalations`, supervisor, { target: 'regulator', reason: 'rising trend', ruleId: 'eu.88' });
    await expect.poll(async () => (await api.call('GET', `/complaints/${id}`, qa)).body.state.marks.regulator, { timeout: 10_000 }).toBe(true);
    expect(await reportsOf(id)).toEqual([]);
  });
});

describe('QA at the desk', () => {
  it('decides reportability, sees the deadlines soonest first, and records the submission', async () => {
    const id = await fileComplaint(new Date(Date.now() - 60_000).toISOString());
    const base = `/complaints/${id}`;
    for (const [path, body] of [
      ['verify-complainant', { method: 'hospital switchboard' }],
      ['verify-item', { checks: { product: true, specification: true, lot: true, expiry: true, manufacturer: true } }],
      ['contacts', { channel: 'phone', summary: 'called back' }],
      ['complete-intake', {}],
      ['assessment', { category: 'product_performance', severity: 'major', patientSafety: true, suspectedAdverseEvent: true, reasonable: true, department: 'quality', ownerId: 'handler-chen' }],
    ] as const) {
      expect((await api.call('POST', `${base}/${path}`, agent, body)).status).toBe(200);
    }
    const facts = { eventCountry: 'CN', outcome: 'serious_injury', marketedIn: ['CN', 'EU'], reporterRole: 'manufacturer', remedialActionNeeded: false };

    // The preview shows what the rules propose, with due times; nothing is recorded.
    const preview = await api.call('POST', '/reportability/proposal', qa, { facts, companyAwareAt: DAY0 });
    expect(preview.status).toBe(200);
    expect(preview.body.decisions.map((d: Json) => [d.jurisdiction, d.reportable, d.rules[0]?.ruleId])).toEqual([
      ['CN', true, 'cn.serious'],
      ['US', false, undefined],
      ['EU', false, undefined], // an event in China is not an EU incident
    ]);

    expect((await api.call('POST', `${base}/reportability`, agent, { facts })).status).toBe(403);
    const bad = await api.call('POST', `${base}/reportability`, qa, { facts: { ...facts, outcome: 'bad luck', eventCountry: 'China' } });
    expect(bad.status).toBe(422);
    expect((bad.body.errors as Json[]).map((e) => e.pointer).sort()).toEqual(['/facts/eventCountry', '/facts/outcome']);

    const decided = await api.call('POST', `${base}/reportability`, qa, { facts, note: 'hospital reports a burn injury' });
    expect(decided.status).toBe(200);
    expect(decided.body.state.regulatory.decisions[0].decided[0]).toMatchObject({ jurisdiction: 'CN', reportable: true, ruleId: 'cn.serious', overridden: false });
    await expect.poll(() => reportsOf(id), { timeout: 10_000 }).toHaveLength(1);
    // Ops find reportable complaints, and by jurisdiction, in Temporal (no personal data involved).
    await expect
      .poll(async () => {
        const found: string[] = [];
        for await (const wf of api.temporal.workflow.list({ query: `ComplaintReportable = true AND ComplaintJurisdictions = 'CN'` })) found.push(wf.workflowId);
        return found;
      }, { timeout: 10_000 })
      .toContain(id);

    // A second complaint with a tighter deadline comes first in QA's list.
    const other = await fileComplaint(new Date(Date.now() - 60_000).toISOString());
    await api.call('POST', `/complaints/${other}/escalations`, supervisor, { target: 'regulator', reason: 'death reported', ruleId: 'cn.death' });
    await expect.poll(() => reportsOf(other), { timeout: 10_000 }).toHaveLength(1);
    const list = (await api.call('GET', '/regulatory-reports?status=pending&jurisdiction=CN', qa)).body.items as Json[];
    const mine = list.filter((r) => r.complaintId === id || r.complaintId === other);
    expect(mine.map((r) => r.ruleId)).toEqual(['cn.death', 'cn.serious']);
    const dues = list.map((r) => Date.parse(r.dueAt));
    expect(dues).toEqual([...dues].sort((a, b) => a - b));

    const [report] = await reportsOf(id);
    expect((await api.call('POST', `/regulatory-reports/${report.reportId}/submission`, agent, { reference: 'X' })).status).toBe(403);
    expect((await api.call('POST', `/regulatory-reports/${report.reportId}/submission`, qa, {})).status).toBe(422);
    expect((await api.call('POST', `/regulatory-reports/nope/submission`, qa, { reference: 'X' })).status).toBe(404);
    const filed = await api.call('POST', `/regulatory-reports/${report.reportId}/submission`, qa, { reference: 'NMPA-2026-1234' });
    expect(filed.status).toBe(200);
    expect(filed.body).toMatchObject({ status: 'submitted', submission: { reference: 'NMPA-2026-1234', by: { id: 'qa-zhao', role: 'qa' } } });
    await expect.poll(async () => (await api.call('POST', `/regulatory-reports/${report.reportId}/submission`, qa, { reference: 'again' })).status, { timeout: 10_000 }).toBe(409);
    expect((await reportsOf(id, 'submitted')).map((r) => r.reference)).toEqual(['NMPA-2026-1234']);

    // The submission is on the complaint's own trail too.
    await expect
      .poll(async () => ((await api.call('GET', `${base}/events`, qa)).body.items as Json[]).find((e) => e.action === 'regulatory.submitted')?.data.reference, { timeout: 10_000 })
      .toBe('NMPA-2026-1234');
  });

  it('overdue reports and breaches are listed for the people who must act', async () => {
    const id = await fileComplaint(); // received on 2 July: everything is long overdue
    await api.call('POST', `/complaints/${id}/escalations`, supervisor, { target: 'regulator', reason: 'serious injury', ruleId: 'cn.serious' });
    await expect
      .poll(async () => ((await api.call('GET', '/escalations?kind=regulatory&level=qa', qa)).body.items as Json[]).filter((i) => i.complaintId === id).length, { timeout: 10_000 })
      .toBe(1);
    // Its SLA breaches are the supervisor's to answer (they go up to management 4 hours after the
    // supervisor is told, unanswered: see the workflow tests).
    const forSupervisor = async () => ((await api.call('GET', '/escalations?kind=breach&level=supervisor', supervisor)).body.items as Json[]).filter((i) => i.complaintId === id);
    await expect.poll(async () => (await forSupervisor()).length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect((await forSupervisor()).map((i) => [i.kind, i.level])).toEqual((await forSupervisor()).map(() => ['breach', ['supervisor']]));
    expect(((await api.call('GET', '/escalations?kind=breach&level=management', supervisor)).body.items as Json[]).filter((i) => i.complaintId === id)).toEqual([]);
  });
});
