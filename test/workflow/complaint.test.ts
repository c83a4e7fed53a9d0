/**
 * The complaint workflow on Temporal's time-skipping test server (days pass in milliseconds),
 * with the real activities writing to a real PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { CHINA_MAINLAND } from '../../db/reference/calendars.js';
import { savePolicy } from '../../db/reference-data.js';
import * as c from '../../workflows/contract.js';
import { escalateSignal, updates, type ActionArgs } from '../../workflows/actions.js';
import type { Actor } from '../../workflows/model.js';
import { addWorkingTime, workingTimeBetween } from '../../workflows/rules/calendar.js';
import { DEFAULT_POLICY } from '../../workflows/rules/sla-policy.js';
import { recordHistory } from '../support/history.js';
import { refusal } from '../support/temporal.js';
import { useTimeSkippingSuite, type ComplaintHandle as Handle } from '../support/time-skipping.js';

const agent: Actor = { id: 'agent-li', role: 'agent' };
const handler: Actor = { id: 'handler-chen', role: 'handler' };
const supervisor: Actor = { id: 'supervisor-wu', role: 'supervisor' };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const suite = useTimeSkippingSuite({
  taskQueue: 'workflow-tests',
  // A policy whose first-contact clock is 24 working hours (3 working days on the CN calendar).
  setup: (db) =>
    savePolicy(db, {
      ...DEFAULT_POLICY,
      id: 'first-contact-24h',
      general: { ...DEFAULT_POLICY.general, firstContact: { basis: 'working', minutes: 24 * 60 } },
    }),
});

const file = (policyId?: string) => suite.fileComplaint({ policyId });

const throughIntake = (handle: Handle) =>
  suite.throughIntake(handle, { method: 'called back on the hospital switchboard', contactSummary: 'explained next steps', acknowledgeBy: 'email' });

const assessment = {
  category: 'product_performance',
  severity: 'general',
  patientSafety: false,
  suspectedAdverseEvent: false,
  reasonable: true,
  department: 'quality',
  ownerId: handler.id,
} as const;

async function throughInvestigation(handle: Handle) {
  await handle.executeUpdate(updates.assess, { args: [{ actor: agent, ...assessment }] });
  await handle.executeUpdate(updates.respond, { args: [{ actor: handler, channel: 'phone', summary: 'advised a workaround' }] });
  await handle.executeUpdate(updates.recordFinding, {
    args: [{ actor: handler, department: 'quality', summary: 'occlusion sensor drift', evidenceRefs: ['lab-77'] }],
  });
  await handle.executeUpdate(updates.setRootCause, { args: [{ actor: handler, cause: 'manufacturing' }] });
  return handle.executeUpdate(updates.completeInvestigation, { args: [{ actor: handler }] });
}

async function throughResolution(handle: Handle) {
  await handle.executeUpdate(updates.proposeRemedy, { args: [{ actor: agent, remedy: 'replacement', details: 'replace the pump' }] });
  await handle.executeUpdate(updates.approveRemedy, { args: [{ actor: supervisor, approved: true }] });
  return handle.executeUpdate(updates.recordCustomerDecision, { args: [{ actor: agent, accepted: true }] });
}

async function storedEvents(complaintId: string) {
  return suite.database.db.selectFrom('complaint_events').selectAll().where('complaint_id', '=', complaintId).orderBy('seq').execute();
}

describe('a complaint through all six stages', () => {
  it('goes from intake to closed, every step on record in PostgreSQL and visible to ops', async () => {
    const { handle } = await file();
    const complaintId = handle.workflowId;
    let state = await throughIntake(handle);
    expect(state.stage).toBe('assessment');
    state = await throughInvestigation(handle);
    expect(state.stage).toBe('resolution');
    state = await throughResolution(handle);
    expect(state.stage).toBe('feedback');
    state = await handle.executeUpdate(updates.recordFeedback, { args: [{ actor: agent, satisfied: true, score: 5 }] });
    expect(state.stage).toBe('revisit');
    expect(state.revisit?.due).toBe(false);

    // The revisit waits its period (7 days by default) on a timer.
    const early = await refusal(
      handle.executeUpdate(updates.recordRevisit, { args: [{ actor: agent, deviceWorking: true, solvedAtRoot: true, score: 5 }] }),
    );
    expect(early.type).toBe(c.REFUSAL.illegalTransition);
    await suite.env.sleep(7 * DAY + HOUR);
    expect((await handle.query(c.stateQuery)).revisit?.due).toBe(true);
    state = await handle.executeUpdate(updates.recordRevisit, {
      args: [{ actor: agent, deviceWorking: true, solvedAtRoot: true, score: 5 }],
    });
    expect(state.stage).toBe('closed');
    const outcome = await handle.result();
    expect(outcome).toMatchObject({ stage: 'closed', reopenCount: 0 });
    await recordHistory(handle, 'closed-after-revisit');

    // The file: the record's projection, a gap-free event trail, and the clocks with outcomes.
    const row = await suite.database.db.selectFrom('complaints').selectAll().where('id', '=', complaintId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ stage: 'closed', category: 'product_performance', root_cause: 'manufacturing', remedy: 'replacement', satisfaction_score: 5 });
    expect(row.number).toMatch(/^CMP-\d{4}-\d{6}$/);
    const events = await storedEvents(complaintId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)?.seq).toBe(row.last_seq);
    // The trail is evidence: the database itself refuses to edit or delete it (Part 11).
    await expect(suite.database.db.updateTable('complaint_events').set({ action: 'edited' }).where('complaint_id', '=', complaintId).execute()).rejects.toThrow(
      /complaint_events is append-only: UPDATE refused/,
    );
    await expect(suite.database.db.deleteFrom('complaint_events').where('complaint_id', '=', complaintId).execute()).rejects.toThrow(/append-only: DELETE refused/);
    const stages = events.filter((e) => e.action === 'stage.changed').map((e) => (e.data as { to: string }).to);
    expect(stages).toEqual(['assessment', 'investigation', 'resolution', 'feedback', 'revisit', 'closed']);
    expect(events.find((e) => e.action === 'remedy.approved')).toMatchObject({ actor_id: supervisor.id, actor_role: 'supervisor' });
    const clocks = await suite.database.db.selectFrom('sla_clocks').select(['clock_id', 'status']).where('complaint_id', '=', complaintId).execute();
    expect(Object.fromEntries(clocks.map((k) => [k.clock_id, k.status]))).toEqual({
      firstContact: 'met',
      acknowledgement: 'met',
      firstResponse: 'met',
      resolution: 'met',
      preliminaryVerification: 'met',
    });
  });
});

describe('SLA clocks', () => {
  it('breaches a 24-working-hour clock exactly at its due time and escalates to the supervisor', async () => {
    const { handle, receivedAt } = await file('first-contact-24h');
    const due = addWorkingTime(CHINA_MAINLAND, receivedAt, 24 * HOUR).at;
    const before = await handle.query(c.stateQuery);
    expect(before.clocks.find((k) => k.id === 'firstContact')?.dueAt).toBe(due);

    await suite.env.sleep(due - (await suite.env.currentTimeMs()) - 60_000); // a minute before
    let state = await handle.query(c.stateQuery);
    expect(state.clocks.find((k) => k.id === 'firstContact')?.status).toBe('running');
    // (The 24-calendar-hour acknowledgement clock has breached by now; this test is about first contact.)

    await suite.env.sleep(2 * 60_000);
    state = await handle.query(c.stateQuery);
    const clock = state.clocks.find((k) => k.id === 'firstContact')!;
    expect(clock.status).toBe('breached');
    expect(clock.breachedAt).toBe(due);
    expect(state.breached).toBe(true);
    expect(state.escalations).toContainEqual(expect.objectContaining({ target: 'supervisor', reason: 'SLA breach: firstContact' }));
    const breach = state.history.filter((e) => e.action === 'clock.breached' && e.data.clockId === 'firstContact');
    expect(breach).toHaveLength(1);
    // The warning came first, at three quarters of the working time.
    expect(state.history.some((e) => e.action === 'clock.warning' && e.data.clockId === 'firstContact')).toBe(true);

    // On file for the supervisor's list.
    const stored = await storedEvents(handle.workflowId);
    expect(stored.filter((e) => e.action === 'clock.breached' && (e.data as { clockId: string }).clockId === 'firstContact')).toHaveLength(1);

    // Contact made late: recorded, but the outcome stays a breach, and no second breach event.
    const afterContact = await handle.executeUpdate(updates.recordContact, { args: [{ actor: agent, channel: 'phone', summary: 'finally reached' }] });
    const late = afterContact.clocks.find((k) => k.id === 'firstContact')!;
    expect(late.status).toBe('breached');
    expect(late.metAt).toBeGreaterThan(due);
    expect((await handle.query(c.stateQuery)).history.filter((e) => e.action === 'clock.breached' && e.data.clockId === 'firstContact')).toHaveLength(1);
    await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'test done' }] });
    await handle.result();
    await recordHistory(handle, 'breached-then-withdrawn');
  });

  it('pauses the service clocks while the customer is awaited and adds back only the time paused', async () => {
    const { handle, receivedAt } = await file();
    await throughIntake(handle);
    let state = await handle.executeUpdate(updates.assess, { args: [{ actor: agent, ...assessment, severity: 'major' }] });
    const runningBefore = state.clocks.filter((k) => k.status === 'running').map((k) => k.id).sort();
    expect(runningBefore).toContain('resolution');
    state = await handle.executeUpdate(updates.awaitCustomer, { args: [{ actor: handler, reason: 'waiting for the returned sample' }] });
    const pausedAt = state.awaitingCustomer!.at;
    expect(state.clocks.filter((k) => k.status === 'paused').map((k) => k.id).sort()).toEqual(runningBefore);

    // Five days pass, far beyond every clock, yet nothing breaches while paused.
    await suite.env.sleep(5 * DAY);
    state = await handle.query(c.stateQuery);
    expect(state.clocks.filter((k) => k.status === 'paused').map((k) => k.id).sort()).toEqual(runningBefore);
    expect(state.breached).toBe(false);

    state = await handle.executeUpdate(updates.customerResponded, { args: [{ actor: handler, note: 'sample arrived' }] });
    const resumedAt = (await handle.query(c.stateQuery)).history.findLast((e) => e.action === 'customer.responded')!.at;
    const resolution = state.clocks.find((k) => k.id === 'resolution')!;
    expect(resolution.status).toBe('running');
    expect(resolution.pauses).toEqual([{ from: pausedAt, to: resumedAt }]);
    // Product category: 24 calendar hours, or 3 working days for a major complaint, whichever is
    // sooner; each is extended by the paused time counted on its own basis.
    const byCategory = receivedAt + 24 * HOUR + (resumedAt - pausedAt);
    const bySeverity = addWorkingTime(CHINA_MAINLAND, receivedAt, 24 * HOUR + workingTimeBetween(CHINA_MAINLAND, pausedAt, resumedAt).ms).at;
    expect(resolution.dueAt).toBe(Math.min(byCategory, bySeverity));
    await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'test done' }] });
  });

  it('re-assessment recomputes the open clocks from their start and puts the change on record', async () => {
    const { handle, receivedAt } = await file();
    await throughIntake(handle);
    let state = await handle.executeUpdate(updates.assess, { args: [{ actor: agent, ...assessment, category: 'order_logistics' }] });
    const before = state.clocks.find((k) => k.id === 'resolution')!; // 5 working days (no category target)
    expect(before.dueAt).toBe(addWorkingTime(CHINA_MAINLAND, receivedAt, 5 * 8 * HOUR).at);
    const refused = await refusal(handle.executeUpdate(updates.assess, { args: [{ actor: agent, ...assessment }] }));
    expect(refused.type).toBe(c.REFUSAL.forbidden);
    state = await handle.executeUpdate(updates.assess, { args: [{ actor: supervisor, ...assessment, category: 'after_sales_service' }] });
    const after = state.clocks.find((k) => k.id === 'resolution')!; // 2 working days
    expect(after.startedAt).toBe(receivedAt);
    expect(after.dueAt).toBe(addWorkingTime(CHINA_MAINLAND, receivedAt, 2 * 8 * HOUR).at);
    const recomputed = (await handle.query(c.stateQuery)).history.findLast((e) => e.action === 'clocks.recomputed')!;
    expect(recomputed.actor).toEqual(supervisor);
    expect(recomputed.data.changed).toContainEqual({ clockId: 'resolution', from: before.dueAt, to: after.dueAt });
    await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'test done' }] });
  });

  it('a corrected calendar (a new holiday) moves the open clocks and says why', async () => {
    const { handle, receivedAt } = await file();
    const before = (await handle.query(c.stateQuery)).clocks.find((k) => k.id === 'firstContact')!;
    // Declare every day of the next two weeks a holiday: the first-contact clock must move past them.
    const days = Array.from({ length: 14 }, (_, i) => new Date(receivedAt + i * DAY).toLocaleDateString('en-CA', { timeZone: 'Asia/Shanghai' }));
    const corrected = { ...CHINA_MAINLAND, holidays: [...new Set([...CHINA_MAINLAND.holidays, ...days])].sort(), coverage: { from: '2026-01-01', to: '2030-12-31' } };
    await handle.signal(c.calendarCorrectedSignal, { actor: { id: 'admin-1', role: 'admin' }, calendar: corrected, reason: 'extra holidays announced' });
    const state = await handle.executeUpdate(updates.addNote, { args: [{ actor: agent, text: 'checking' }] });
    const after = state.clocks.find((k) => k.id === 'firstContact')!;
    expect(after.dueAt).toBe(addWorkingTime(corrected, receivedAt, 4 * HOUR).at);
    expect(after.dueAt).toBeGreaterThan(before.dueAt);
    const event = (await handle.query(c.stateQuery)).history.findLast((e) => e.action === 'clocks.recomputed')!;
    expect(String(event.data.reason)).toContain('extra holidays announced');
    await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'test done' }] });
  });
});

describe('reopening, withdrawal and refusals', () => {
  it('dissatisfied feedback returns the case to investigation with a new resolution clock, history kept', async () => {
    const { handle } = await file();
    await throughIntake(handle);
    await throughInvestigation(handle);
    await throughResolution(handle);
    let state = await handle.executeUpdate(updates.recordFeedback, {
      args: [{ actor: agent, satisfied: false, score: 2, comment: 'pump alarms again' }],
    });
    expect(state.stage).toBe('investigation');
    expect(state.reopenCount).toBe(1);
    expect(state.clocks.find((k) => k.id === 'resolution')?.status).toBe('met');
    expect(state.clocks.find((k) => k.id === 'resolution#2')?.status).toBe('running');
    expect(state.investigation.findings).toHaveLength(1); // earlier findings stay on file
    // The second round goes through to closure as well.
    await handle.executeUpdate(updates.recordFinding, {
      args: [{ actor: handler, department: 'service', summary: 'firmware fault confirmed', evidenceRefs: [] }],
    });
    await handle.executeUpdate(updates.completeInvestigation, { args: [{ actor: handler }] });
    await throughResolution(handle);
    state = await handle.executeUpdate(updates.recordFeedback, { args: [{ actor: agent, satisfied: true, score: 4 }] });
    expect(state.stage).toBe('revisit');
    expect(state.clocks.find((k) => k.id === 'resolution#2')?.status).toBe('met');
    const row = await suite.database.db.selectFrom('complaints').select(['reopen_count', 'stage']).where('id', '=', handle.workflowId).executeTakeFirstOrThrow();
    expect(row).toEqual({ reopen_count: 1, stage: 'revisit' });
    await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'test done' }] });
    await handle.result();
    await recordHistory(handle, 'reopened-then-withdrawn');
  });

  it('withdrawal ends the case at any stage, with its reason, and stops its clocks', async () => {
    const { handle } = await file();
    await throughIntake(handle);
    const state = await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'complainant resolved it with the hospital' }] });
    expect(state.stage).toBe('withdrawn');
    expect(state.withdrawal?.reason).toBe('complainant resolved it with the hospital');
    expect(state.clocks.filter((k) => k.status === 'running' || k.status === 'paused')).toEqual([]);
    expect(await handle.result()).toMatchObject({ stage: 'withdrawn' });
    const row = await suite.database.db.selectFrom('complaints').select(['stage', 'withdrawn_reason']).where('id', '=', handle.workflowId).executeTakeFirstOrThrow();
    expect(row).toEqual({ stage: 'withdrawn', withdrawn_reason: 'complainant resolved it with the hospital' });
  });

  it('refuses what does not fit the stage or the role, with a reason, and changes nothing', async () => {
    const { handle } = await file();
    const before = await handle.query(c.stateQuery);
    const cases: Array<[() => Promise<unknown>, string, string]> = [
      [() => handle.executeUpdate(updates.completeIntake, { args: [{ actor: agent }] }), c.REFUSAL.illegalTransition, 'missing complainant verification, item verification, first contact'],
      [() => handle.executeUpdate(updates.approveRemedy, { args: [{ actor: supervisor, approved: true }] }), c.REFUSAL.illegalTransition, 'not allowed in stage intake'],
      [() => handle.executeUpdate(updates.verifyComplainant, { args: [{ actor: handler, method: 'x' }] }), c.REFUSAL.forbidden, 'needs the role agent or supervisor'],
      [() => handle.executeUpdate(updates.verifyComplainant, { args: [{ actor: agent, method: '  ' }] }), c.REFUSAL.invalid, 'method is required'],
      [() => handle.executeUpdate(updates.addNote, { args: [{ actor: { id: '', role: 'agent' }, text: 'x' }] }), c.REFUSAL.invalid, 'actor must have an id'],
      [() => handle.executeUpdate(updates.customerResponded, { args: [{ actor: agent }] }), c.REFUSAL.illegalTransition, 'not allowed in stage intake'],
    ];
    for (const [act, type, reason] of cases) {
      const failure = await refusal(act());
      expect(failure.type).toBe(type);
      expect(failure.message).toContain(reason);
    }
    const after = await handle.query(c.stateQuery);
    expect(after.lastSeq).toBe(before.lastSeq);
    expect(after.stage).toBe('intake');
    await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'test done' }] });
  });

  it("refuses a payload the action table's schema refuses (a client that skipped the API), naming the field, and changes nothing", async () => {
    const { handle } = await file();
    const before = await handle.query(c.stateQuery);
    const cases: Array<[() => Promise<unknown>, string]> = [
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      [() => handle.executeUpdate(updates.recordContact, { args: [{ actor: agent, channel: 'pigeon' as any, summary: 'x' }] }), 'channel: '],
      [() => handle.executeUpdate(updates.addNote, { args: [{ actor: agent, text: 'x'.repeat(10_001) }] }), 'text: at most 10000 characters'],
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      [() => handle.executeUpdate(updates.verifyItem, { args: [{ actor: agent, checks: { product: true } as any }] }), 'checks.specification: '],
    ];
    for (const [act, reason] of cases) {
      const failure = await refusal(act());
      expect(failure.type).toBe(c.REFUSAL.invalid);
      expect(failure.message).toContain(reason);
    }
    const after = await handle.query(c.stateQuery);
    expect(after.lastSeq).toBe(before.lastSeq);
    expect(after.intake.itemVerified).toBeUndefined();
    await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'test done' }] });
  });

  it('a waived investigation needs a reason and a supervisor or QA officer, and skips to resolution', async () => {
    const { handle } = await file();
    await throughIntake(handle);
    await handle.executeUpdate(updates.assess, { args: [{ actor: agent, ...assessment, category: 'communication' }] });
    expect((await refusal(handle.executeUpdate(updates.completeInvestigation, { args: [{ actor: handler }] }))).message).toContain('or a waiver');
    expect((await refusal(handle.executeUpdate(updates.waiveInvestigation, { args: [{ actor: handler, reason: 'x' }] }))).type).toBe(c.REFUSAL.forbidden);
    let state = await handle.executeUpdate(updates.waiveInvestigation, {
      args: [{ actor: { id: 'qa-zhao', role: 'qa' }, reason: 'same root cause as CAPA-12, already investigated' }],
    });
    expect(state.investigation.waiver).toMatchObject({ reason: 'same root cause as CAPA-12, already investigated', by: { id: 'qa-zhao' } });
    expect(state.clocks.find((k) => k.id === 'preliminaryVerification')?.status).toBe('cancelled');
    state = await handle.executeUpdate(updates.completeInvestigation, { args: [{ actor: handler }] });
    expect(state.stage).toBe('resolution');
    await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'test done' }] });
  });

  it('escalations are recorded and mark the case for mediation or the regulator', async () => {
    const { handle } = await file();
    await handle.signal(escalateSignal, { actor: supervisor, target: 'mediation', reason: 'customer rejected two remedies' });
    await handle.signal(escalateSignal, { actor: supervisor, target: 'regulator', reason: 'possible serious injury' });
    const state = await handle.executeUpdate(updates.addNote, { args: [{ actor: agent, text: 'escalated by supervisor' }] });
    expect(state.marks).toMatchObject({ mediation: true, regulator: true });
    expect(state.escalations.map((e) => e.target)).toEqual(['mediation', 'regulator']);
    const row = await suite.database.db.selectFrom('complaints').select(['marked_for_mediation', 'marked_for_regulator']).where('id', '=', handle.workflowId).executeTakeFirstOrThrow();
    expect(row).toEqual({ marked_for_mediation: true, marked_for_regulator: true });
    await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'test done' }] });
  });
});
