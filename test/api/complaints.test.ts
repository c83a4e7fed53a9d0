/**
 * The HTTP API against the real Temporal dev server and embedded PostgreSQL, with the real worker:
 * what an agent's client and a supervisor's client see.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { complaintIdFromKey, fingerprintOf } from '../../api/complaints.js';
import { createComplaintSchema } from '../../api/schemas.js';
import { connect } from '../../db/connect.js';
import type { ComplaintInput } from '../../workflows/contract.js';
import { DEFAULT_POLICY } from '../../workflows/rules/sla-policy.js';
import { as, startApiHarness, type ApiHarness, type Json } from '../support/api.js';
import { SAMPLE_CREATE_BODY } from '../support/intake.js';

const agent = as('agent-li', 'agent');
const handler = as('handler-chen', 'handler');
const supervisor = as('supervisor-wu', 'supervisor');
let api: ApiHarness;

async function fileComplaint(extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await api.post('/complaints', { ...agent, ...headers }, { ...SAMPLE_CREATE_BODY, policyId: 'api-test', ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.complaintId as string;
}

async function eventCount(id: string) {
  const row = await api.database.db.selectFrom('complaint_events').select((eb) => eb.fn.countAll<string>().as('n')).where('complaint_id', '=', id).executeTakeFirstOrThrow();
  return Number(row.n);
}

beforeAll(async () => {
  // The default policy, but the revisit falls due at once so the whole life fits in a test.
  const quick = structuredClone(DEFAULT_POLICY);
  quick.id = 'api-test';
  for (const level of Object.values(quick.categories)) level.revisit = { afterDays: 0, share: 1 };
  api = await startApiHarness({ taskQueuePrefix: 'api-tests', policies: [quick] });
});

afterAll(async () => {
  await api?.stop();
});

describe('a complaint’s whole life through HTTP', () => {
  it('is filed, carried through every stage by the right people, and closed', async () => {
    const id = await fileComplaint();
    const base = `/complaints/${id}`;

    // The agent who filed it reads it back at once.
    let res = await api.call('GET', base, agent);
    expect(res.status).toBe(200);
    expect(res.body.record).toMatchObject({ complaintId: id, stage: 'intake', ownerId: 'agent-li', complainant: { name: 'Zhang Wei' } });
    expect(res.body.state.awaiting).toContain('verify the complainant');
    // Instants are ISO 8601 over HTTP, as clients send them.
    expect(res.body.state.receivedAt).toBe(res.body.record.receivedAt);
    expect(res.body.state.clocks[0].dueAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    const steps: Array<[string, Record<string, string>, unknown, string]> = [
      ['verify-complainant', agent, { method: 'called back on the hospital switchboard' }, 'intake'],
      ['verify-item', agent, { checks: { product: true, specification: true, lot: true, expiry: true, manufacturer: true } }, 'intake'],
      ['contacts', agent, { channel: 'phone', summary: 'explained next steps' }, 'intake'],
      ['acknowledgement', agent, { channel: 'email', expectedResolutionBy: '2030-01-01T00:00:00Z' }, 'intake'],
      ['complete-intake', agent, {}, 'assessment'],
      ['assessment', agent, { category: 'product_performance', severity: 'major', patientSafety: false, suspectedAdverseEvent: false, reasonable: true, department: 'quality', ownerId: 'handler-chen' }, 'investigation'],
      ['responses', handler, { channel: 'phone', summary: 'advised a workaround' }, 'investigation'],
      ['findings', handler, { department: 'quality', summary: 'occlusion sensor drift', evidenceRefs: ['lab-report-77'] }, 'investigation'],
      ['root-cause', handler, { cause: 'manufacturing', note: 'sensor batch out of tolerance' }, 'investigation'],
      ['complete-investigation', handler, {}, 'resolution'],
      ['remedy', agent, { remedy: 'replacement', details: 'replace the pump within 48 h' }, 'resolution'],
      ['remedy-approval', supervisor, { approved: true }, 'resolution'],
      ['customer-decision', agent, { accepted: true }, 'feedback'],
      ['feedback', agent, { satisfied: true, score: 5, comment: 'quick replacement' }, 'revisit'],
    ];
    for (const [path, who, body, stage] of steps) {
      res = await api.post(`${base}/${path}`, who, body);
      expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
      expect(res.body.state.stage).toBe(stage);
    }
    // A quality complaint put its model and lot on hold, visible on the complaint, listed for QA.
    await expect.poll(async () => (await api.call('GET', base, agent)).body.productHolds.length, { timeout: 10_000 }).toBe(1);
    const [hold] = (await api.call('GET', base, agent)).body.productHolds as Json[];
    expect(hold).toMatchObject({ model: 'VIP-200', lot: 'L2026-0917', status: 'active', firstComplaintId: id });
    expect((await api.call('GET', '/product-holds?status=active', as('qa-zhao', 'qa'))).body.items.map((h: Json) => h.holdId)).toContain(hold.holdId);
    expect((await api.post(`/product-holds/${hold.holdId}/release`, agent, { decision: 'release', reason: 'x' })).status).toBe(403);
    const released = await api.post(`/product-holds/${hold.holdId}/release`, as('qa-zhao', 'qa'), { decision: 'release', reason: 'sensor drift confined to returned units; lot passes retest' });
    expect(released.status).toBe(200);
    await expect
      .poll(async () => ((await api.call('GET', `${base}/events`, agent)).body.items as Json[]).find((e) => e.action === 'product.hold_released')?.data.decision, { timeout: 10_000 })
      .toBe('release');

    // The revisit timer (0 days under this policy) falls due, then the revisit closes the case.
    await expect.poll(async () => (await api.call('GET', base, agent)).body.state.revisit.due, { timeout: 10_000 }).toBe(true);
    res = await api.post(`${base}/revisit`, agent, { deviceWorking: true, solvedAtRoot: true, score: 5 });
    expect(res.status).toBe(200);
    expect(res.body.state.stage).toBe('closed');

    res = await api.call('GET', base, agent);
    expect(res.body.record).toMatchObject({ stage: 'closed', category: 'product_performance', rootCause: 'manufacturing', remedy: 'replacement', satisfactionScore: 5, ownerId: 'handler-chen' });
    expect(res.body.state.clocks.every((k: Json) => k.status === 'met')).toBe(true);

    // The audit trail: every step, by whom, in order.
    const events = (await api.call('GET', `${base}/events`, supervisor)).body.items as Json[];
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.find((e) => e.action === 'remedy.approved')?.actor).toEqual({ id: 'supervisor-wu', role: 'supervisor' });
    expect(events.find((e) => e.action === 'finding.recorded')?.actor).toEqual({ id: 'handler-chen', role: 'handler' });

    // Ops find it in Temporal by its number and stage (what the Web UI and `temporal workflow list` use).
    const number = res.body.record.number;
    await expect
      .poll(async () => {
        const found: string[] = [];
        for await (const wf of api.temporal.workflow.list({ query: `ComplaintNumber = '${number}' AND ComplaintStage = 'closed' AND ComplaintCategory = 'product_performance' AND SlaBreached = false AND SlaState = 'on_track' AND ComplaintReportable = false` })) {
          found.push(wf.workflowId);
        }
        return found;
      }, { timeout: 10_000 })
      .toEqual([id]);
  });
});

describe('filing', () => {
  it('the same Idempotency-Key gives the same complaint; a different body under it is refused', async () => {
    const key = `desk-7-${randomUUID()}`;
    const first = await api.post('/complaints', { ...agent, 'idempotency-key': key }, SAMPLE_CREATE_BODY);
    expect(first.status).toBe(201);
    const again = await api.post('/complaints', { ...agent, 'idempotency-key': key }, SAMPLE_CREATE_BODY);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const rows = await api.database.db.selectFrom('complaints').select('id').where('idempotency_key', '=', key).execute();
    expect(rows).toHaveLength(1);
    const other = await api.post('/complaints', { ...agent, 'idempotency-key': key }, { ...SAMPLE_CREATE_BODY, sampleAvailable: false });
    expect(other.status).toBe(409);
    expect(other.body.type).toMatch(/idempotency-key-reused$/);
    // Still the same key after the case has ended: never a second case.
    await api.post(`/complaints/${first.body.complaintId}/withdrawal`, agent, { reason: 'filed twice by mistake' });
    await expect.poll(async () => (await api.post('/complaints', { ...agent, 'idempotency-key': key }, SAMPLE_CREATE_BODY)).body.complaintId, { timeout: 10_000 }).toBe(first.body.complaintId);
  });

  it('bad input gets 4xx naming every wrong field, and nothing is filed', async () => {
    const before = await api.database.db.selectFrom('complaints').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const res = await api.post('/complaints', agent, {
      ...SAMPLE_CREATE_BODY,
      channel: 'pigeon',
      complainant: { role: 'clinician', email: 'not-an-email' },
      event: { ...SAMPLE_CREATE_BODY.event, patientHarmed: 'no' },
      colour: 'blue',
    });
    expect(res.status).toBe(422);
    expect(res.type).toBe('application/problem+json');
    const pointers = (res.body.errors as Json[]).map((e) => e.pointer).sort();
    expect(pointers).toEqual(['/channel', '/colour', '/complainant/email', '/complainant/name', '/event/patientHarmed']);
    // Values are not echoed back (they may be personal data).
    expect(JSON.stringify(res.body)).not.toContain('not-an-email');

    const malformed = await api.call('POST', '/complaints', agent, undefined, '{"channel": "phone",');
    expect(malformed.status).toBe(400);
    expect(malformed.body.type).toMatch(/malformed-json$/);

    const anonymous = await api.call('POST', '/complaints', {}, SAMPLE_CREATE_BODY);
    expect(anonymous.status).toBe(401);
    expect((anonymous.body.errors as Json[]).map((e) => e.pointer)).toEqual(['/header/authorization']);

    const handlerFiles = await api.post('/complaints', handler, SAMPLE_CREATE_BODY);
    expect(handlerFiles.status).toBe(403);

    const after = await api.database.db.selectFrom('complaints').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });
});

describe('actions that do not fit', () => {
  it('an illegal transition is 409 with the reason, a wrong role 403, an unknown complaint 404; nothing half-written', async () => {
    const id = await fileComplaint();
    const base = `/complaints/${id}`;
    await expect.poll(() => eventCount(id)).toBeGreaterThan(0);
    const events = await eventCount(id);

    const early = await api.post(`${base}/complete-intake`, agent);
    expect(early.status).toBe(409);
    expect(early.body.detail).toBe('intake is not complete: missing complainant verification, item verification, first contact with the complainant');

    const wrongStage = await api.post(`${base}/remedy-approval`, supervisor, { approved: true });
    expect(wrongStage.status).toBe(409);
    expect(wrongStage.body.detail).toContain('not allowed in stage intake');

    const wrongRole = await api.post(`${base}/verify-complainant`, handler, { method: 'id card' });
    expect(wrongRole.status).toBe(403);

    const badBody = await api.post(`${base}/feedback`, agent, { satisfied: 'yes', score: 7 });
    expect(badBody.status).toBe(422);
    expect((badBody.body.errors as Json[]).map((e) => e.pointer).sort()).toEqual(['/satisfied', '/score']);

    expect((await api.post(`/complaints/${randomUUID()}/contacts`, agent, { channel: 'phone', summary: 'x' })).status).toBe(404);
    expect((await api.call('GET', '/complaints/not-a-uuid', agent)).status).toBe(404);
    expect((await api.call('GET', `/complaints/${randomUUID()}`, agent)).status).toBe(404);

    expect(await eventCount(id)).toBe(events);
    const state = (await api.call('GET', base, agent)).body.state;
    expect(state.stage).toBe('intake');

    // A closed case refuses everything, with a reason.
    await api.post(`${base}/withdrawal`, agent, { reason: 'duplicate of an earlier complaint' });
    await expect.poll(async () => (await api.post(`${base}/notes`, agent, { text: 'late note' })).status, { timeout: 10_000 }).toBe(409);
    expect((await api.post(`${base}/escalations`, supervisor, { target: 'mediation', reason: 'x' })).status).toBe(409);
  });
});

describe('lists and escalations', () => {
  it('lists with filters and cursor paging, newest first', async () => {
    const owner = `agent-${randomUUID().slice(0, 8)}`;
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await fileComplaint({}, as(owner, 'agent')));
    const page1 = await api.call('GET', `/complaints?owner=${owner}&limit=2`, agent);
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((i: Json) => i.complaintId)).toEqual([ids[2], ids[1]]);
    expect(page1.body.items[0]).not.toHaveProperty('complainant'); // lists carry no personal data
    const page2 = await api.call('GET', `/complaints?owner=${owner}&limit=2&cursor=${page1.body.nextCursor}`, agent);
    expect(page2.body.items.map((i: Json) => i.complaintId)).toEqual([ids[0]]);
    expect(page2.body.nextCursor).toBeNull();

    await api.post(`/complaints/${ids[0]}/withdrawal`, as(owner, 'agent'), { reason: 'resolved on the phone' });
    const withdrawn = await api.call('GET', `/complaints?owner=${owner}&stage=withdrawn`, agent);
    expect(withdrawn.body.items.map((i: Json) => i.complaintId)).toEqual([ids[0]]);

    const bad = await api.call('GET', '/complaints?stage=lost&limit=0&breached=maybe', agent);
    expect(bad.status).toBe(400);
    expect((bad.body.errors as Json[]).map((e) => e.pointer).sort()).toEqual(['/query/breached', '/query/limit', '/query/stage']);
  });

  it('a supervisor escalates (a signal), it is on the case and in the supervisor’s list; others may not', async () => {
    const id = await fileComplaint();
    expect((await api.post(`/complaints/${id}/escalations`, agent, { target: 'regulator', reason: 'x' })).status).toBe(403);
    const bad = await api.post(`/complaints/${id}/escalations`, supervisor, { target: 'press' });
    expect(bad.status).toBe(422);
    expect((bad.body.errors as Json[]).map((e) => e.pointer).sort()).toEqual(['/reason', '/target']);
    const res = await api.post(`/complaints/${id}/escalations`, supervisor, { target: 'mediation', reason: 'customer rejected the remedy twice' });
    expect(res.status).toBe(202);
    await expect.poll(async () => (await api.call('GET', `/complaints/${id}`, supervisor)).body.state.marks.mediation, { timeout: 10_000 }).toBe(true);
    // A signal is accepted (202), then on file a moment later.
    await expect.poll(async () => (await api.call('GET', '/escalations?kind=escalation&target=mediation', supervisor)).body.items, { timeout: 10_000 }).toContainEqual(
      expect.objectContaining({ complaintId: id, kind: 'escalation', target: 'mediation', reason: 'customer rejected the remedy twice', by: { id: 'supervisor-wu', role: 'supervisor' } }),
    );
  });

  it('an action retried with the same Idempotency-Key is applied once', async () => {
    const id = await fileComplaint();
    const key = `contact-${randomUUID()}`;
    const contact = { channel: 'phone', summary: 'called the ward sister' };
    const first = await api.call('POST', `/complaints/${id}/contacts`, { ...agent, 'idempotency-key': key }, contact);
    const again = await api.call('POST', `/complaints/${id}/contacts`, { ...agent, 'idempotency-key': key }, contact);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body.state.lastSeq).toBe(first.body.state.lastSeq);
    const events = (await api.call('GET', `/complaints/${id}/events`, agent)).body.items as Json[];
    expect(events.filter((e) => e.action === 'complainant.contacted')).toHaveLength(1);
  });

  it('an admin’s calendar correction moves the open clocks of running complaints, on record', async () => {
    const id = await fileComplaint();
    // The 201 comes once the card is on file; the clocks start in the workflow's first task, a moment later.
    const firstContact = async () => (await api.call('GET', `/complaints/${id}`, agent)).body.state?.clocks.find((k: Json) => k.id === 'firstContact');
    await expect.poll(firstContact, { timeout: 10_000 }).toBeDefined();
    const before = await firstContact();
    const calendar = (await api.call('GET', '/calendars/CN', agent)).body as Json;
    // The next 20 days become holidays (and the calendar is declared to cover them).
    const days = Array.from({ length: 20 }, (_, i) => new Date(Date.now() + i * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Asia/Shanghai' }));
    const { id: _id, ...fields } = calendar;
    const corrected = { ...fields, holidays: [...new Set([...calendar.holidays, ...days])].sort(), makeUpWorkingDays: calendar.makeUpWorkingDays.filter((d: string) => !days.includes(d)), coverage: { from: calendar.coverage.from, to: '2030-12-31' }, reason: 'unplanned closure announced' };
    expect((await api.call('PUT', '/calendars/CN', agent, corrected)).status).toBe(403);
    expect((await api.call('PUT', '/calendars/CN', as('admin-1', 'admin'), { ...corrected, workingHours: [{ start: '18:00', end: '09:00' }] })).status).toBe(422);
    const res = await api.call('PUT', '/calendars/CN', as('admin-1', 'admin'), corrected);
    expect(res.status).toBe(200);
    expect(res.body.openComplaintsNotified).toBeGreaterThanOrEqual(1);
    await expect
      .poll(async () => (await api.call('GET', `/complaints/${id}`, agent)).body.state.clocks.find((k: Json) => k.id === 'firstContact').dueAt, { timeout: 10_000 })
      .not.toBe(before.dueAt);
    const after = (await api.call('GET', `/complaints/${id}`, agent)).body.state.clocks.find((k: Json) => k.id === 'firstContact');
    // Due after the declared holidays: not before the first working morning that follows them.
    expect(Date.parse(after.dueAt)).toBeGreaterThan(Date.parse(`${days[days.length - 1]}T23:59:59+08:00`));
    // The signal's effect is in the live state first, on file a moment later.
    const recomputedOnFile = async () =>
      ((await api.call('GET', `/complaints/${id}/events`, agent)).body.items as Json[]).find((e) => e.action === 'clocks.recomputed');
    await expect.poll(recomputedOnFile, { timeout: 10_000 }).toBeDefined();
    const recomputed = await recomputedOnFile();
    expect(recomputed?.actor).toEqual({ id: 'admin-1', role: 'admin' });
    expect(recomputed?.data.reason).toContain('unplanned closure announced');
  });

  it('health says both systems of record are up', async () => {
    const res = await api.call('GET', '/healthz', {});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', postgres: 'up', temporal: 'up' });
  });

  it('health answers 503 and names what is down', async () => {
    // A database nobody listens on (port 1), the real Temporal.
    const unreachable = connect('postgres://nobody:nothing@127.0.0.1:1/none', { max: 1 });
    try {
      const app = createApp({ db: unreachable, temporal: api.temporal, taskQueue: 'unused' });
      const res = await app.request('/healthz');
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'unavailable', postgres: 'down', temporal: 'up' });
    } finally {
      await unreachable.destroy();
    }
  });
});

describe('when the worker is down', () => {
  it('filing still answers 201 with the number: the card is on file and the workflow started; the case goes on once the worker is back', async () => {
    await api.stopWorker();
    const key = `outage-${randomUUID()}`;
    let res;
    try {
      res = await api.post('/complaints', { 'idempotency-key': key, ...agent }, { ...SAMPLE_CREATE_BODY, policyId: 'api-test' });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.number).toMatch(/^CMP-\d{4}-\d{6}$/);
      // On file in PostgreSQL and started in Temporal, with nobody yet working on it.
      const row = await api.database.db.selectFrom('complaints').select(['number', 'stage', 'last_seq']).where('id', '=', res.body.complaintId).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ number: res.body.number, stage: 'intake', last_seq: 0 });
      const description = await api.temporal.workflow.getHandle(res.body.complaintId).describe();
      expect(description.status.name).toBe('RUNNING');
      // A retry (the client never saw the answer) gets the same complaint, not a second one.
      const again = await api.post('/complaints', { ...agent, 'idempotency-key': key }, { ...SAMPLE_CREATE_BODY, policyId: 'api-test' });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ complaintId: res.body.complaintId, number: res.body.number });
    } finally {
      await api.startWorker();
    }
    // The worker picks the case up where the API left it: same number, its clocks running, the trail begun.
    const id = res.body.complaintId as string;
    await expect.poll(async () => (await api.call('GET', `/complaints/${id}`, agent)).body.state?.clocks?.length ?? 0, { timeout: 15_000 }).toBeGreaterThan(0);
    const read = await api.call('GET', `/complaints/${id}`, agent);
    expect(read.body.state).toMatchObject({ number: res.body.number, stage: 'intake' });
    await expect.poll(() => eventCount(id), { timeout: 10_000 }).toBeGreaterThan(0);
    const rows = await api.database.db.selectFrom('complaints').select('number').where('idempotency_key', '=', key).execute();
    expect(rows).toEqual([{ number: res.body.number }]);
  });

  it('a retry after a request that died between starting the workflow and filing the card waits for the workflow to file it: 503 while no worker runs, then 200, once', async () => {
    const key = `died-${randomUUID()}`;
    const body = { ...SAMPLE_CREATE_BODY, policyId: 'api-test' };
    const complaintId = complaintIdFromKey(key);
    const b = createComplaintSchema.parse(body);
    const impatient = api.withOptions({ actionTimeoutMs: 1_500 });
    await api.stopWorker();
    try {
      // What the dead request left behind: the workflow started, no card on file.
      const input: ComplaintInput = {
        complaintId,
        intake: { channel: b.channel, complainant: b.complainant, device: b.device, event: b.event, requestedRemedies: b.requestedRemedies, mood: b.mood, sampleAvailable: b.sampleAvailable, distributorAwareAt: b.distributorAwareAt },
        receivedAt: Date.now(),
        receivedBy: { id: 'agent-li', role: 'agent' },
        fingerprint: fingerprintOf(b),
        requestId: randomUUID(),
        idempotencyKey: key,
        policyId: 'api-test',
      };
      await api.temporal.workflow.start('complaint', { workflowId: complaintId, taskQueue: api.taskQueue, args: [input] });
      const res = await impatient.post('/complaints', { 'idempotency-key': key, ...agent }, body);
      expect(res.status).toBe(503);
      expect(res.body.complaintId).toBe(complaintId);
    } finally {
      await api.startWorker();
    }
    const retry = await api.post('/complaints', { ...agent, 'idempotency-key': key }, body);
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    expect(retry.body.complaintId).toBe(complaintId);
    const rows = await api.database.db.selectFrom('complaints').select('number').where('idempotency_key', '=', key).execute();
    expect(rows).toEqual([{ number: retry.body.number }]);
  });
});
