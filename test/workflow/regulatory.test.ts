/**
 * Regulatory reports on the time-skipping server: QA's decision starts the report's legal clock,
 * reminders and the breach alert reach the complaint's record, new facts tighten the clock from the
 * original day 0, a filed US report gets a supplemental clock on new information, and the law's
 * clock keeps running while the service clocks are paused.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { CHINA_MAINLAND, US_FEDERAL } from '../../db/reference/calendars.js';
import * as c from '../../workflows/contract.js';
import { escalateSignal, updates, type ActionArgs } from '../../workflows/actions.js';
import type { Actor } from '../../workflows/model.js';
import type { regulatoryReport } from '../../workflows/regulatory-report.js';
import { recordSubmissionUpdate, reportStateQuery } from '../../workflows/regulatory-report-contract.js';
import { reportDue, reportingRule } from '../../workflows/rules/regulatory.js';
import { recordHistory } from '../support/history.js';
import { SAMPLE_INTAKE } from '../support/intake.js';
import { useTimeSkippingSuite, type ComplaintHandle as Handle } from '../support/time-skipping.js';

const agent: Actor = { id: 'agent-li', role: 'agent' };
const qa: Actor = { id: 'qa-zhao', role: 'qa' };
const supervisor: Actor = { id: 'supervisor-wu', role: 'supervisor' };
const DAY = 86_400_000;
const calendars = { CN: CHINA_MAINLAND, US: US_FEDERAL };

const suite = useTimeSkippingSuite({ taskQueue: 'regulatory-tests' });

/** A complaint through intake and assessment, flagged for patient safety. */
async function assessedComplaint(): Promise<{ handle: Handle; receivedAt: number }> {
  const { handle, receivedAt } = await suite.fileComplaint({ intake: { ...SAMPLE_INTAKE, event: { ...SAMPLE_INTAKE.event, patientHarmed: true } } });
  await suite.throughIntake(handle, { method: 'hospital switchboard', contactSummary: 'called back' });
  await handle.executeUpdate(updates.assess, {
    args: [{ actor: agent, category: 'product_performance', severity: 'major', patientSafety: true, suspectedAdverseEvent: true, reasonable: true, department: 'quality', ownerId: 'handler-chen' }],
  });
  return { handle, receivedAt };
}

const seriousInjuryInChina: c.ReportabilityFactsInput = {
  eventCountry: 'CN',
  outcome: 'serious_injury',
  marketedIn: ['CN'],
  reporterRole: 'manufacturer',
  remedialActionNeeded: false,
};

async function report(reportId: string) {
  return suite.env.client.workflow.getHandle<typeof regulatoryReport>(reportId);
}

async function refusal(promise: Promise<unknown>) {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return (err as WorkflowUpdateFailedError).cause as Error & { type?: string };
}

describe('QA decides; the report runs on its own legal clock', () => {
  it('a serious injury in China: 20 days from day 0, a reminder at half time, a breach alert, then the submission', async () => {
    const { handle, receivedAt } = await assessedComplaint();
    expect((await handle.query(c.stateQuery)).awaiting).toContain("QA's reportability decision (patient safety or a suspected adverse event)");
    expect((await refusal(handle.executeUpdate(updates.decideReportability, { args: [{ actor: agent, facts: seriousInjuryInChina }] }))).type).toBe(c.REFUSAL.forbidden);

    const decided = await handle.executeUpdate(updates.decideReportability, { args: [{ actor: qa, facts: seriousInjuryInChina }] });
    const decision = decided.regulatory.decisions[0];
    expect(decision.decided.map((d) => [d.jurisdiction, d.reportable, d.ruleId])).toEqual([
      ['CN', true, 'cn.serious'],
      ['US', false, undefined],
      ['EU', false, undefined],
    ]);
    expect(decision.proposed.find((p) => p.jurisdiction === 'US')?.rationale).toMatch(/not marketed/i);
    const reportId = `${handle.workflowId}:report:cn.serious`;
    const due = reportDue(reportingRule('cn.serious'), receivedAt, calendars)!.dueAt;
    await expect.poll(async () => (await handle.query(c.stateQuery)).regulatory.reports[0]?.status).toBe('open');
    expect((await handle.query(c.stateQuery)).regulatory.reports[0]).toMatchObject({ reportId, ruleId: 'cn.serious', jurisdiction: 'CN', dueAt: due });

    // Half the time passes: a reminder on the complaint's record.
    await suite.env.sleep((due - receivedAt) / 2 + 60_000);
    let state = await handle.query(c.stateQuery);
    expect(state.history.filter((e) => e.action === 'regulatory.reminder')).toHaveLength(1);

    // Past the due time: the breach alert, to QA and the supervisor.
    await suite.env.sleep(due - (await suite.env.currentTimeMs()) + 60_000);
    state = await handle.query(c.stateQuery);
    expect(state.regulatory.reports[0].status).toBe('overdue');
    expect(state.history.filter((e) => e.action === 'regulatory.breached')).toHaveLength(1);
    expect(state.escalations.filter((e) => e.target === 'regulator').map((e) => e.level).sort()).toEqual(['qa', 'supervisor']);
    expect(state.history.filter((e) => e.action === 'regulatory.reminder')).toHaveLength(2); // and the one a day before

    // QA records the submission (late, and on record as late).
    const handleReport = await report(reportId);
    expect((await refusal(handleReport.executeUpdate(recordSubmissionUpdate, { args: [{ actor: qa, reference: '  ' }] }))).type).toBe(c.REFUSAL.invalid);
    const filed = await handleReport.executeUpdate(recordSubmissionUpdate, { args: [{ actor: qa, reference: 'NMPA-2026-0042' }] });
    expect(filed.status).toBe('submitted');
    await expect.poll(async () => (await handle.query(c.stateQuery)).regulatory.reports[0].status).toBe('submitted');
    state = await handle.query(c.stateQuery);
    expect(state.regulatory.reports[0].reference).toBe('NMPA-2026-0042');
    expect(state.history.find((e) => e.action === 'regulatory.submitted')?.data).toMatchObject({ reference: 'NMPA-2026-0042', late: true });
    const row = await suite.database.db.selectFrom('regulatory_reports').selectAll().where('report_id', '=', reportId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'submitted', submission_reference: 'NMPA-2026-0042', jurisdiction: 'CN', rule_id: 'cn.serious' });
    await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'test done' }] });
    await handle.result();
    await recordHistory(handle, 'reportable-serious-injury-then-withdrawn');
    await recordHistory(handleReport, 'regulatory-report-cn-serious-late');
  });

  it('new facts (the injury was a death) tighten the clock to 7 days from the original day 0', async () => {
    const { handle, receivedAt } = await assessedComplaint();
    await handle.executeUpdate(updates.decideReportability, { args: [{ actor: qa, facts: seriousInjuryInChina }] });
    await suite.env.sleep(3 * DAY);
    await handle.executeUpdate(updates.decideReportability, { args: [{ actor: qa, facts: { ...seriousInjuryInChina, outcome: 'death' }, note: 'patient died on day 3' }] });
    const reportId = `${handle.workflowId}:report:cn.serious`;
    const tightened = reportDue(reportingRule('cn.death'), receivedAt, calendars)!.dueAt;
    await expect.poll(async () => (await (await report(reportId)).query(reportStateQuery)).ruleId).toBe('cn.death');
    const reportState = await (await report(reportId)).query(reportStateQuery);
    expect(reportState.dueAt).toBe(tightened);
    expect(reportState.day0).toBe(receivedAt);
    expect(reportState.events.find((e) => e.action === 'tightened')?.data).toMatchObject({ from: 'cn.serious', to: 'cn.death', reason: 'facts changed: patient died on day 3' });
    await expect.poll(async () => (await handle.query(c.stateQuery)).history.some((e) => e.action === 'regulatory.tightened')).toBe(true);
    await (await report(reportId)).executeUpdate(recordSubmissionUpdate, { args: [{ actor: qa, reference: 'NMPA-DEATH-1' }] });
    await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'test done' }] });
  });

  it('an officer departing from the proposal must say why; the override is on record', async () => {
    const { handle } = await assessedComplaint();
    const facts = { ...seriousInjuryInChina, eventCountry: 'US', marketedIn: ['CN', 'US'] as c.ReportabilityFactsInput['marketedIn'] };
    const noReason = await refusal(handle.executeUpdate(updates.decideReportability, { args: [{ actor: qa, facts, decisions: [{ jurisdiction: 'US', reportable: false }] }] }));
    expect(noReason.type).toBe(c.REFUSAL.invalid);
    expect(noReason.message).toContain('needs a reason');
    const state = await handle.executeUpdate(updates.decideReportability, {
      args: [{ actor: qa, facts, decisions: [{ jurisdiction: 'US', reportable: false, reason: 'not our device: a competitor’s pump was in use' }] }],
    });
    const us = state.regulatory.decisions[0].decided.find((d) => d.jurisdiction === 'US')!;
    expect(us).toMatchObject({ reportable: false, overridden: true, reason: 'not our device: a competitor’s pump was in use' });
    expect(state.regulatory.decisions[0].proposed.find((p) => p.jurisdiction === 'US')?.reportable).toBe(true);
    // CN (overseas serious injury, marketed in CN) still proposed and started.
    await expect.poll(async () => (await handle.query(c.stateQuery)).regulatory.reports.map((r) => r.ruleId)).toEqual(['cn.overseas']);
    await (await report(`${handle.workflowId}:report:cn.overseas`)).executeUpdate(recordSubmissionUpdate, { args: [{ actor: qa, reference: 'NMPA-OS-1' }] });
    await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'test done' }] });
  });

  it('new information after a filed US report starts the 30-day supplemental clock (803.56)', async () => {
    const { handle } = await assessedComplaint();
    const facts: c.ReportabilityFactsInput = { eventCountry: 'US', outcome: 'serious_injury', marketedIn: ['US'], reporterRole: 'manufacturer', remedialActionNeeded: false };
    await handle.executeUpdate(updates.decideReportability, { args: [{ actor: qa, facts }] });
    const first = `${handle.workflowId}:report:us.803.50`;
    await expect.poll(async () => (await handle.query(c.stateQuery)).regulatory.reports[0]?.status).toBe('open');
    await (await report(first)).executeUpdate(recordSubmissionUpdate, { args: [{ actor: qa, reference: 'MDR-3001' }] });
    await expect.poll(async () => (await handle.query(c.stateQuery)).regulatory.reports[0].status).toBe('submitted');
    await suite.env.sleep(10 * DAY);
    const infoAt = await suite.env.currentTimeMs();
    await handle.executeUpdate(updates.decideReportability, { args: [{ actor: qa, facts, note: 'lab report on the returned pump' }] });
    const supplemental = `${handle.workflowId}:report:us.803.56:1`;
    await expect.poll(async () => (await handle.query(c.stateQuery)).regulatory.reports.find((r) => r.reportId === supplemental)?.status).toBe('open');
    const reportState = await (await report(supplemental)).query(reportStateQuery);
    expect(reportState.day0).toBeGreaterThanOrEqual(infoAt);
    expect(reportState.dueAt).toBe(reportDue(reportingRule('us.803.56'), reportState.day0, calendars)!.dueAt);
    await (await report(supplemental)).executeUpdate(recordSubmissionUpdate, { args: [{ actor: qa, reference: 'MDR-3001-S1' }] });
    await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'test done' }] });
  });
});

describe('the law’s clock never pauses', () => {
  it('keeps running while the service clocks wait for the customer, and outlives a withdrawal until filed', async () => {
    const { handle, receivedAt } = await assessedComplaint();
    await handle.executeUpdate(updates.decideReportability, { args: [{ actor: qa, facts: { ...seriousInjuryInChina, outcome: 'death' } }] });
    await handle.executeUpdate(updates.awaitCustomer, { args: [{ actor: agent, reason: 'waiting for the family to return the device' }] });
    await suite.env.sleep(8 * DAY);
    const state = await handle.query(c.stateQuery);
    expect(state.clocks.filter((k) => k.status === 'paused').length).toBeGreaterThan(0);
    expect(state.regulatory.reports[0]).toMatchObject({ ruleId: 'cn.death', status: 'overdue', dueAt: reportDue(reportingRule('cn.death'), receivedAt, calendars)!.dueAt });

    // Withdrawn by the complainant: the complaint's workflow stays until the report is filed.
    await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'family withdrew the complaint' }] });
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await (await report(`${handle.workflowId}:report:cn.death`)).executeUpdate(recordSubmissionUpdate, { args: [{ actor: qa, reference: 'NMPA-D-77' }] });
    expect(await handle.result()).toMatchObject({ stage: 'withdrawn' });
  });

  it('a supervisor’s regulator escalation naming the rule starts that report at once', async () => {
    const { handle, receivedAt } = await assessedComplaint();
    await handle.signal(escalateSignal, { actor: supervisor, target: 'regulator', reason: 'hospital says a second patient was hurt', ruleId: 'eu.87.3' });
    await expect.poll(async () => (await handle.query(c.stateQuery)).regulatory.reports[0]?.status).toBe('open');
    const state = await handle.query(c.stateQuery);
    expect(state.regulatory.reports[0]).toMatchObject({ ruleId: 'eu.87.3', jurisdiction: 'EU', dueAt: reportDue(reportingRule('eu.87.3'), receivedAt, calendars)!.dueAt });
    expect(state.escalations.find((e) => e.target === 'regulator')?.level).toBe('qa');
    await (await report(`${handle.workflowId}:report:eu.87.3`)).executeUpdate(recordSubmissionUpdate, { args: [{ actor: qa, reference: 'EUDAMED-1' }] });
    await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'test done' }] });
  });
});

describe('escalation levels', () => {
  const filed = async (): Promise<Handle> => (await suite.fileComplaint()).handle;

  it('a breach goes to the supervisor; left unanswered for 4 hours it goes up to management, once', async () => {
    const handle = await filed();
    const firstContact = (await handle.query(c.stateQuery)).clocks.find((k) => k.id === 'firstContact')!;
    await suite.env.sleep(firstContact.dueAt - (await suite.env.currentTimeMs()) + 4 * 3_600_000 + 60_000);
    const state = await handle.query(c.stateQuery);
    expect(state.escalations).toContainEqual(expect.objectContaining({ level: 'supervisor', reason: 'SLA breach: firstContact' }));
    expect(state.escalations).toContainEqual(expect.objectContaining({ level: 'management', reason: 'breach of firstContact unanswered' }));
    expect(state.history.filter((e) => e.action === 'escalated' && e.data.level === 'management' && e.data.clockId === 'firstContact')).toHaveLength(1);
    // Too late to answer it now: it has gone up already.
    const late = await refusal(handle.executeUpdate(updates.answerBreach, { args: [{ actor: supervisor, clockId: 'firstContact', response: 'calling now' }] }));
    expect(late.type).toBe(c.REFUSAL.illegalTransition);
    await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'test done' }] });
  });

  it('a breach the supervisor answers in time stays with the supervisor', async () => {
    const handle = await filed();
    const firstContact = (await handle.query(c.stateQuery)).clocks.find((k) => k.id === 'firstContact')!;
    await suite.env.sleep(firstContact.dueAt - (await suite.env.currentTimeMs()) + 60_000);
    expect((await refusal(handle.executeUpdate(updates.answerBreach, { args: [{ actor: agent, clockId: 'firstContact', response: 'x' }] }))).type).toBe(c.REFUSAL.forbidden);
    const answered = await handle.executeUpdate(updates.answerBreach, { args: [{ actor: supervisor, clockId: 'firstContact', response: 'agent off sick; I am calling the hospital now' }] });
    expect(answered.breachFollowUps.find((f) => f.clockId === 'firstContact')?.answeredAt).toBeDefined();
    await suite.env.sleep(DAY);
    const state = await handle.query(c.stateQuery);
    expect(state.escalations.filter((e) => e.level === 'management' && e.reason.includes('firstContact'))).toEqual([]);
    expect(state.history.find((e) => e.action === 'breach.answered')).toMatchObject({ actor: supervisor, data: { clockId: 'firstContact' } });
    await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'test done' }] });
  });

  it('a crisis goes straight to management', async () => {
    const handle = await filed();
    await suite.throughIntake(handle);
    const state = await handle.executeUpdate(updates.assess, {
      args: [{ actor: supervisor, category: 'after_sales_service', severity: 'crisis', patientSafety: false, suspectedAdverseEvent: false, reasonable: true, department: 'service', ownerId: 'eng-1', rationale: 'on the evening news' }],
    });
    expect(state.marks.crisis).toBe(true);
    expect(state.escalations).toContainEqual(expect.objectContaining({ level: 'management', reason: 'crisis: on the evening news' }));
    await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'test done' }] });
  });
});
