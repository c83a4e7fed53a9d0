/**
 * The auditors' export of a complaint's file (GET /complaints/:id/audit and /audit.html), against
 * the real Temporal dev server and PostgreSQL with the real worker: the record, the trail in order
 * with its actors, the clocks, the reports, and the clock evidence from the workflow history (each
 * timer tied to the deadline it was set for), a digest anyone can recompute, a printable HTML copy
 * that escapes what people typed, and a trail no endpoint can edit or delete.
 */
import { createHash, randomUUID } from 'node:crypto';
import { isGrpcServiceError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditExportRoutes } from '../../api/audit-export.js';
import { savePolicy } from '../../db/reference-data.js';
import { DEFAULT_POLICY } from '../../workflows/rules/sla-policy.js';
import { as, startApiHarness, type ApiHarness, type Json } from '../support/api.js';
import { SAMPLE_CREATE_BODY } from '../support/intake.js';

const agent = as('agent-li', 'agent');
const handler = as('handler-chen', 'handler');
const supervisor = as('supervisor-wu', 'supervisor');
const qa = as('qa-zhao', 'qa');
const admin = as('admin-1', 'admin');

/** No warnings, so every timer the workflow sets is for a clock's due time. */
const QUIET = structuredClone(DEFAULT_POLICY);
QUIET.id = 'audit-quiet';
QUIET.warningFractions = [];
/** The acknowledgement clock runs 3 seconds, so it breaches while the test watches. */
const HASTY = structuredClone(QUIET);
HASTY.id = 'audit-hasty';
HASTY.general.acknowledgement = { basis: 'calendar', minutes: 0.05 };

const SCRIPT_NOTE = `called back <script>alert("pwned")</script> & left <b>bold</b> 'notes'`;

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness();
  await savePolicy(api.database.db, QUIET);
  await savePolicy(api.database.db, HASTY);
  // Mounted the way the app mounts it: on top of the whole API, at /complaints.
  // (The export starts no workflow, so it needs no task queue.)
  api.app.route('/complaints', auditExportRoutes({ db: api.database.db, temporal: api.temporal, taskQueue: 'unused-by-the-audit-export' }));
});

afterAll(async () => {
  await api?.stop();
});

async function step(id: string, path: string, who: Record<string, string>, body: unknown) {
  const res = await api.call('POST', `/complaints/${id}/${path}`, who, body);
  expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
}

async function file(policyId: string): Promise<string> {
  const res = await api.call('POST', '/complaints', agent, { ...SAMPLE_CREATE_BODY, policyId });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.complaintId as string;
}

/** Filed, verified, contacted, acknowledged, assessed, found reportable by QA, and a note with markup. */
async function carriedComplaint(): Promise<string> {
  const id = await file(QUIET.id);
  await step(id, 'verify-complainant', agent, { method: 'called back on the hospital switchboard' });
  await step(id, 'verify-item', agent, { checks: { product: true, specification: true, lot: true, expiry: true, manufacturer: true } });
  await step(id, 'contacts', agent, { channel: 'phone', summary: 'explained the next steps' });
  await step(id, 'acknowledgement', agent, { channel: 'email' });
  await step(id, 'complete-intake', agent, {});
  await step(id, 'assessment', agent, {
    category: 'product_performance', severity: 'major', patientSafety: true, suspectedAdverseEvent: true,
    reasonable: true, department: 'quality', ownerId: 'handler-chen',
  });
  await step(id, 'reportability', qa, {
    facts: { eventCountry: 'CN', outcome: 'serious_injury', marketedIn: ['CN'], reporterRole: 'manufacturer', remedialActionNeeded: false },
  });
  await step(id, 'notes', handler, { text: SCRIPT_NOTE });
  return id;
}

async function exportOf(id: string, who: Record<string, string> = supervisor) {
  const res = await api.call('GET', `/complaints/${id}/audit`, who);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res;
}

/**
 * The HTML is not JSON, so it is fetched from the app itself; one call through the harness first
 * signs the caller in, whatever `as()` hands out.
 */
async function htmlOf(id: string, who: Record<string, string> = supervisor) {
  await api.call('GET', '/healthz', who);
  const res = await api.app.request(`/complaints/${id}/audit.html`, { headers: who });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** RFC 8785 canonical JSON, written independently of the API's own. */
function jcs(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(jcs).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${jcs((value as Json)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function recomputedDigest(exp: Json): string {
  const { generatedAt: _at, generatedBy: _by, digest: _digest, ...content } = exp;
  return createHash('sha256').update(jcs(content), 'utf8').digest('hex');
}

const ms = (iso: string) => Date.parse(iso);

/** Until the report's start is on the trail and the complaint's workflow waits on a timer again. */
async function settled(id: string) {
  await expect
    .poll(async () => {
      const exp = (await exportOf(id)).body;
      return (exp.events as Json[]).some((e) => e.action === 'regulatory.started') && exp.workflow.timers.at(-1)?.status === 'pending';
    }, { timeout: 15_000, interval: 250 })
    .toBe(true);
}

let carried: string;

describe('GET /complaints/:id/audit', () => {
  it('holds the record, the trail in order with its actors, the clocks, the reports and the workflow’s clock evidence, with a digest that recomputes', async () => {
    carried = await carriedComplaint();
    // The report's workflow tells the complaint it started (a signal, on file a moment later), and
    // the complaint's workflow then waits on its next deadline again.
    await settled(carried);
    const res = await exportOf(carried, handler);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const exp = res.body;

    // Who generated it, when, and the record as GET /complaints/:id shows it.
    expect(exp.format).toBe('complaint-audit-export/1');
    expect(exp.generatedBy).toEqual({ id: 'handler-chen', role: 'handler' });
    expect(Math.abs(ms(exp.generatedAt) - Date.now())).toBeLessThan(60_000);
    const read = await api.call('GET', `/complaints/${carried}`, agent);
    expect(exp.record).toEqual(read.body.record);
    expect(exp.number).toBe(read.body.record.number);
    expect(exp.record.complainant.name).toBe('Zhang Wei');

    // The trail: every event, in order, with who, when, what and why; as GET /events has it.
    const events = exp.events as Json[];
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events).toEqual((await api.call('GET', `/complaints/${carried}/events`, agent)).body.items);
    const byAction = (action: string) => events.filter((e) => e.action === action);
    const sequence = ['complaint.received', 'complainant.verified', 'item.verified', 'complainant.contacted', 'complainant.acknowledged', 'assessed', 'reportability.decided', 'note.added'];
    const positions = sequence.map((a) => events.findIndex((e) => e.action === a));
    expect(positions.every((p) => p >= 0), JSON.stringify(events.map((e) => e.action))).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(byAction('complainant.verified')[0]).toMatchObject({ actor: { id: 'agent-li', role: 'agent' }, data: { method: 'called back on the hospital switchboard' } });
    expect(byAction('reportability.decided')[0].actor).toEqual({ id: 'qa-zhao', role: 'qa' });
    expect(byAction('note.added')[0]).toMatchObject({ actor: { id: 'handler-chen', role: 'handler' }, data: { text: SCRIPT_NOTE } });
    expect(byAction('clock.started').every((e) => e.actor.id === 'system')).toBe(true);
    for (const e of events) expect(e.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    // The clocks as stored: intake's met, the category's running.
    const clocks = exp.clocks as Json[];
    const clock = (id: string) => clocks.find((k) => k.clockId === id)!;
    expect(clocks.map((k) => k.clockId).sort()).toEqual(['acknowledgement', 'firstContact', 'firstResponse', 'preliminaryVerification', 'resolution']);
    expect(clock('firstContact')).toMatchObject({ status: 'met', metAt: expect.any(String) });
    expect(clock('acknowledgement').status).toBe('met');
    expect(clock('resolution').status).toBe('running');
    for (const k of clocks) expect(ms(k.dueAt)).toBeGreaterThan(ms(k.startedAt));
    // Each clock's due time is the one recorded when it started.
    for (const started of byAction('clock.started')) expect(clock(started.data.clockId).dueAt).toBe(started.data.dueAt);

    // The report to the regulator QA's decision opened, with its own workflow's evidence.
    expect(exp.regulatoryReports).toHaveLength(1);
    const report = exp.regulatoryReports[0];
    expect(report).toMatchObject({ reportId: `${carried}:report:cn.serious`, jurisdiction: 'CN', status: 'open', dueAt: expect.any(String) });
    expect(exp.reportWorkflows).toHaveLength(1);
    expect(exp.reportWorkflows[0]).toMatchObject({ workflowId: report.reportId, historyAvailable: true, workflowType: 'regulatoryReport' });
    expect(exp.reportWorkflows[0].timers.length).toBeGreaterThan(0);

    // The workflow's history: the updates that carried it, by name, in order, with their actors.
    const wf = exp.workflow;
    expect(wf).toMatchObject({ workflowId: carried, historyAvailable: true, workflowType: 'complaint' });
    const updates = wf.updates as Json[];
    expect(updates.map((u) => u.name)).toEqual(['verifyComplainant', 'verifyItem', 'recordContact', 'acknowledge', 'completeIntake', 'assess', 'decideReportability', 'addNote']);
    for (const u of updates) {
      expect(u.outcome).toBe('completed');
      expect(u.updateId).toBeTruthy();
      expect(ms(u.completedAt)).toBeGreaterThanOrEqual(ms(u.acceptedAt));
    }
    // The trail entry an update wrote is dated at the workflow's time in the task that accepted it.
    const update = (name: string) => updates.find((u) => u.name === name)!;
    expect(update('verifyComplainant').workflowTime).toBe(byAction('complainant.verified')[0].at);
    expect(update('assess').workflowTime).toBe(byAction('assessed')[0].at);
    expect(update('addNote').workflowTime).toBe(byAction('note.added')[0].at);
    for (const u of updates) expect(ms(u.workflowTime)).toBeLessThanOrEqual(ms(u.acceptedAt));
    expect(update('assess').actor).toEqual({ id: 'agent-li', role: 'agent' });
    expect(update('decideReportability').actor).toEqual({ id: 'qa-zhao', role: 'qa' });
    expect(update('addNote').actor).toEqual({ id: 'handler-chen', role: 'handler' });
    // The activities that wrote the file, and the report's child workflow.
    const activities = wf.activities as Json[];
    expect(activities.map((a) => a.type)).toEqual(expect.arrayContaining(['loadServiceLevels', 'recordIntake', 'recordProgress']));
    expect(activities.every((a) => a.outcome === 'completed' && a.closedAt)).toBe(true);
    // The complaint file's reads and writes run as local activities, inside the workflow task, each attempt once.
    for (const a of activities.filter((x) => ['loadServiceLevels', 'recordIntake', 'recordProgress'].includes(x.type))) {
      expect(a).toMatchObject({ local: true, attempt: 1 });
      expect(ms(a.closedAt)).toBeGreaterThanOrEqual(ms(a.scheduledAt));
    }
    expect(wf.childWorkflows).toEqual([expect.objectContaining({ workflowId: report.reportId, workflowType: 'regulatoryReport' })]);
    expect((wf.signals as Json[]).map((s) => s.name)).toContain('regulatoryReportProgress');
    // No personal data copied out of the history's payloads.
    expect(JSON.stringify(wf)).not.toContain('Zhang Wei');
    expect(JSON.stringify(wf)).not.toContain('switchboard');

    // The timers: each set at the workflow's time for exactly a clock's due time.
    const timers = wf.timers as Json[];
    expect(timers.length).toBeGreaterThan(1);
    for (const t of timers) {
      expect(ms(t.workflowTime) + t.durationMs).toBe(ms(t.firesAt));
      expect(ms(t.workflowTime)).toBeLessThanOrEqual(ms(t.startedAt));
      const dueOf = (t.explains as Json[]).filter((x) => x.point === 'due' && x.clockId);
      expect(dueOf.length, `timer ${t.timerId} set for ${t.firesAt}`).toBeGreaterThan(0);
      for (const x of dueOf) expect(clock(x.clockId).dueAt).toBe(t.firesAt);
    }
    // The first timer waits for the earlier of the two intake clocks; the last, still pending, for
    // the earliest clock still running.
    expect(timers[0].firesAt).toBe(new Date(Math.min(ms(clock('firstContact').dueAt), ms(clock('acknowledgement').dueAt))).toISOString());
    const pending = timers.filter((t) => t.status === 'pending');
    expect(pending).toHaveLength(1);
    const running = clocks.filter((k) => k.status === 'running').map((k) => ms(k.dueAt));
    expect(pending[0].firesAt).toBe(new Date(Math.min(...running)).toISOString());
    expect(timers.slice(0, -1).every((t) => t.status === 'canceled' && t.canceledAt)).toBe(true);

    // The digest: SHA-256 of the canonical JSON of everything but who generated it and when.
    expect(exp.digest).toMatchObject({ algorithm: 'SHA-256', canonicalization: 'RFC 8785 (JCS)' });
    expect(exp.digest.value).toMatch(/^[0-9a-f]{64}$/);
    expect(recomputedDigest(exp)).toBe(exp.digest.value);
    // Unchanged data, another reader, another time: the same digest. One more entry: another.
    const again = (await exportOf(carried, qa)).body;
    expect(again.generatedBy).toEqual({ id: 'qa-zhao', role: 'qa' });
    expect(again.digest.value).toBe(exp.digest.value);
    await step(carried, 'notes', agent, { text: 'one more' });
    const changed = (await exportOf(carried)).body;
    expect(changed.digest.value).not.toBe(exp.digest.value);
    expect(recomputedDigest(changed)).toBe(changed.digest.value);
    // A tampered copy no longer matches its digest.
    expect(recomputedDigest({ ...changed, events: changed.events.slice(1) })).not.toBe(changed.digest.value);
  });

  it('a breach recorded at T comes from a timer that fired at T', async () => {
    const id = await file(HASTY.id);
    const breached = async () =>
      ((await api.call('GET', `/complaints/${id}/events`, agent)).body.items as Json[]).find((e) => e.action === 'clock.breached');
    await expect.poll(breached, { timeout: 30_000, interval: 500 }).toBeDefined();
    const exp = (await exportOf(id)).body;
    const breach = (exp.events as Json[]).find((e) => e.action === 'clock.breached')!;
    expect(breach.data).toMatchObject({ clockId: 'acknowledgement', dueAt: expect.any(String) });
    const clock = (exp.clocks as Json[]).find((k) => k.clockId === 'acknowledgement')!;
    expect(clock).toMatchObject({ status: 'breached', breachedAt: breach.data.dueAt, dueAt: breach.data.dueAt });
    expect(ms(clock.dueAt) - ms(clock.startedAt)).toBe(3_000);

    const timer = (exp.workflow.timers as Json[]).find((t) => t.firesAt === breach.data.dueAt);
    if (!timer) throw new Error(`no timer set for ${breach.data.dueAt}: ${JSON.stringify(exp.workflow.timers)}`);
    expect(timer.status).toBe('fired');
    expect(ms(timer.firedAt)).toBeGreaterThanOrEqual(ms(timer.firesAt));
    expect(ms(timer.firedAt) - ms(timer.firesAt)).toBeLessThan(5_000);
    expect(ms(breach.at)).toBeGreaterThanOrEqual(ms(timer.firedAt));
    expect(timer.explains).toEqual(expect.arrayContaining([
      { point: 'due', clockId: 'acknowledgement' },
      { point: 'due', clockId: 'acknowledgement', seq: breach.seq, action: 'clock.breached' },
    ]));
    // After the breach the workflow waits for the supervisor's answer (4 h), on another timer.
    const followUp = (exp.workflow.timers as Json[]).find((t) => t.status === 'pending')!;
    expect(followUp.explains).toEqual(expect.arrayContaining([{ point: 'breachFollowUp', clockId: 'acknowledgement', seq: breach.seq, action: 'clock.breached' }]));
    expect(followUp.firesAt).toBe(breach.data.unansweredEscalatesAt);

    const page = await htmlOf(id);
    expect(page.text).toContain('clock.breached');
    expect(page.text).toContain(breach.data.dueAt.replace('T', ' ').replace('Z', ' UTC'));
  });

  it('says so when Temporal no longer holds the workflow’s history, and still exports the file', async () => {
    // A complaint whose workflow Temporal no longer knows, as after the namespace's retention: the
    // file of a real one, copied in PostgreSQL under an ID no workflow ever had.
    const original = await file(QUIET.id);
    await step(original, 'contacts', agent, { channel: 'phone', summary: 'called the ward' });
    const db = api.database.db;
    const id = randomUUID();
    const row = await db.selectFrom('complaints').selectAll().where('id', '=', original).executeTakeFirstOrThrow();
    await db.insertInto('complaints').values({ ...row, id, number: `${row.number}-R`, idempotency_key: null }).execute();
    for (const e of await db.selectFrom('complaint_events').selectAll().where('complaint_id', '=', original).execute()) {
      await db.insertInto('complaint_events').values({ ...e, complaint_id: id, data: JSON.stringify(e.data) }).execute();
    }
    for (const k of await db.selectFrom('sla_clocks').selectAll().where('complaint_id', '=', original).execute()) {
      await db.insertInto('sla_clocks').values({ ...k, complaint_id: id, specs: JSON.stringify(k.specs), pauses: JSON.stringify(k.pauses) }).execute();
    }
    const missing = await api.temporal.workflow.getHandle(id).fetchHistory().then(() => undefined, (err: unknown) => err);
    expect(isGrpcServiceError(missing) && missing.code).toBe(5); // NOT_FOUND

    const exp = (await exportOf(id)).body;
    expect(exp.workflow).toEqual({ workflowId: id, historyAvailable: false, reason: expect.stringContaining('retention') });
    expect(exp.reportWorkflows).toEqual([]);
    expect(exp.number).toBe(`${row.number}-R`);
    expect((exp.events as Json[]).map((e) => e.action)).toEqual(expect.arrayContaining(['complaint.received', 'complainant.contacted']));
    expect((exp.clocks as Json[]).find((k) => k.clockId === 'firstContact')?.status).toBe('met');
    expect(recomputedDigest(exp)).toBe(exp.digest.value);
    const page = await htmlOf(id);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Workflow history not available');
  });

  it('any signed-in role may export; nobody anonymous; unknown and malformed ids are 404', async () => {
    const id = carried ?? (await file(QUIET.id));
    for (const who of [agent, handler, supervisor, qa, admin]) {
      expect((await api.call('GET', `/complaints/${id}/audit`, who)).status).toBe(200);
      expect((await htmlOf(id, who)).status).toBe(200);
    }
    for (const path of [`/complaints/${id}/audit`, `/complaints/${id}/audit.html`]) {
      const anonymous = await api.app.request(path);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.text()).not.toContain('Zhang Wei');
    }
    for (const bad of [randomUUID(), 'not-a-uuid', `${randomUUID()}x`, '..%2F..%2Fetc']) {
      const json = await api.call('GET', `/complaints/${bad}/audit`, agent);
      expect(json.status, bad).toBe(404);
      expect(json.body.type).toMatch(/not-found$/);
      expect((await htmlOf(bad, agent)).status, bad).toBe(404);
    }
  });
});

describe('GET /complaints/:id/audit.html', () => {
  it('is a printable, self-contained document with the number, the record, the trail, the clocks and the evidence, every value escaped', async () => {
    const id = carried ?? (await carriedComplaint());
    const page = await htmlOf(id, as('auditor-wang', 'qa'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const text = page.text;
    const exp = (await exportOf(id)).body;

    expect(text.startsWith('<!doctype html>')).toBe(true);
    expect(text).toContain(`<title>Complaint file ${exp.number}</title>`);
    expect(text).toContain(`<h1>Complaint file ${exp.number}</h1>`);
    // The record's required content, personal data included (it is the record).
    for (const value of ['Volumetric infusion pump', 'L2026-0917', 'SN-000917-44', 'Zhang Wei', '+86 139 1234 5678', 'Pump stopped mid-infusion with a false occlusion alarm', 'Date received', 'Dates and results of the investigation', 'Replies to the complainant']) {
      expect(text, value).toContain(value);
    }
    // The trail: one row per event, in order, with actor and role.
    const rows = [...text.matchAll(/<tr><td class="num">(\d+)<\/td><td class="time">([^<]+)<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td>/g)];
    expect(rows.map((m) => Number(m[1]))).toEqual((exp.events as Json[]).map((e) => e.seq));
    expect(rows.map((m) => m[4])).toEqual((exp.events as Json[]).map((e) => e.action));
    expect(rows.find((m) => m[4] === 'reportability.decided')?.[3]).toBe('qa-zhao (qa)');
    expect(rows[0][2]).toBe(exp.events[0].at.replace('T', ' ').replace('Z', ' UTC'));
    // Clocks, reports and the workflow evidence.
    for (const value of ['firstResponse', 'preliminaryVerification', `${id}:report:cn.serious`, 'verifyComplainant', 'decideReportability', 'recordIntake', 'Set to fire at']) {
      expect(text, value).toContain(value);
    }
    // What people typed is shown, never run; nothing is fetched from elsewhere.
    expect(text).not.toContain('<script');
    expect(text).not.toContain('<b>bold</b>');
    expect(text).toContain('called back &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; left &lt;b&gt;bold&lt;/b&gt; &#39;notes&#39;');
    expect(text).not.toMatch(/<(link|img|iframe|object|embed)\b|\bsrc=|href=|url\(|@import/i);
    // Footer: when, by whom, and the digest the JSON export of the same data carries.
    expect(text).toMatch(/<dt>Generated by<\/dt><dd>auditor-wang \(qa\)<\/dd>/);
    expect(text).toContain(exp.digest.value);
  });
});

describe('the event trail', () => {
  it('cannot be edited or deleted through any endpoint', async () => {
    const id = carried ?? (await carriedComplaint());
    const before = (await api.call('GET', `/complaints/${id}/events`, supervisor)).body.items as Json[];
    expect(before.length).toBeGreaterThan(5);
    const forged = { seq: 1, action: 'complaint.received', actor: { id: 'someone-else', role: 'admin' }, data: {} };
    for (const path of [`/complaints/${id}/events`, `/complaints/${id}/events/1`, `/complaints/${id}/events/${before.length}`, `/complaints/${id}/audit`]) {
      for (const method of ['PUT', 'PATCH', 'DELETE']) {
        for (const who of [agent, supervisor, admin]) {
          const res = await api.call(method, path, who, method === 'DELETE' ? undefined : forged);
          expect([404, 405], `${method} ${path}`).toContain(res.status);
        }
      }
    }
    const after = (await api.call('GET', `/complaints/${id}/events`, supervisor)).body.items as Json[];
    expect(after).toEqual(before);
    expect((await exportOf(id)).body.events).toEqual(before);
  });
});
