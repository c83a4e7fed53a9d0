/**
 * The effects of the main transitions, without a worker: the events each causes in order, the
 * stage it moves to, the clocks it begins, meets, pauses or stops, and the work it asks of the
 * workflow. Instants on the China calendar (09:00-12:00, 13:00-18:00 Asia/Shanghai, Mon-Fri; no
 * holiday in March 2026) under the default policy, worked out by hand beside each expectation.
 */
import { describe, expect, it } from 'vitest';
import type { ActionArgs } from '../../workflows/actions.js';
import { REFUSAL } from '../../workflows/contract.js';
import { SYSTEM_ACTOR } from '../../workflows/model.js';
import { escalated } from '../../workflows/transitions/any-stage.js';
import { deadlinesAsOf, nextDeadline } from '../../workflows/transitions/clocks.js';
import { refusalOf } from '../../workflows/transitions/registry.js';
import { SAMPLE_INTAKE } from '../support/intake.js';
import { RECEIVED, act, actions, agent, args, complaintIn, context, filed, handler, iso, supervisor, t } from './transitions-support.js';

const ids = (o: { events: Array<{ data: Record<string, unknown> }> }) => o.events.map((e) => e.data.clockId);

describe('intake', () => {
  it('filing starts the first-contact clock (4 working hours) and the acknowledgement clock (24 hours) from receipt', () => {
    const s = filed();
    // Mon 09:30 + 4 working hours: 09:30-12:00 (2.5 h), 13:00-14:30 (1.5 h). 24 hours: Tue 09:30.
    expect(s.clocks.map((c) => [c.id, iso(c.startedAt), iso(c.dueAt)])).toEqual([
      ['firstContact', iso(RECEIVED), iso(t('2026-03-09T14:30:00+08:00'))],
      ['acknowledgement', iso(RECEIVED), iso(t('2026-03-10T09:30:00+08:00'))],
    ]);
    // Warnings at half (120 min: 11:30) and 90 % (216 min: 150 before noon, 66 after 13:00: 14:06).
    expect(s.clocks[0].warnings.map((w) => iso(w.at))).toEqual([iso(t('2026-03-09T11:30:00+08:00')), iso(t('2026-03-09T14:06:00+08:00'))]);
  });

  it('complete intake is refused with what is missing, until nothing is', () => {
    let s = filed();
    expect(refusalOf('completeIntake', s, args('completeIntake', agent), SAMPLE_INTAKE)).toEqual({
      type: REFUSAL.illegalTransition,
      message: 'intake is not complete: missing complainant verification, item verification, first contact with the complainant',
    });
    s = act(s, 'verifyComplainant', args('verifyComplainant', agent), '2026-03-09T09:40:00+08:00').state;
    s = act(s, 'verifyItem', args('verifyItem', agent), '2026-03-09T09:45:00+08:00').state;
    expect(refusalOf('completeIntake', s, args('completeIntake', agent), SAMPLE_INTAKE)?.message).toBe('intake is not complete: missing first contact with the complainant');
    const contact = act(s, 'recordContact', args('recordContact', agent), '2026-03-09T09:50:00+08:00');
    expect(actions(contact)).toEqual(['complainant.contacted', 'clock.met']);
    const done = act(contact.state, 'completeIntake', args('completeIntake', agent), '2026-03-09T10:00:00+08:00');
    expect(done.events).toEqual([{ actor: agent, action: 'stage.changed', data: { from: 'intake', to: 'assessment' } }]);
    expect(done.state.intake.completedAt).toBe(t('2026-03-09T10:00:00+08:00'));
  });

  it('the acknowledgement without a date promises the general tier (5 working days from receipt), and only once', () => {
    const ack = act(filed(), 'acknowledge', args('acknowledge', agent), '2026-03-09T10:00:00+08:00');
    // 40 working hours from Mon 09:30: Mon 7.5 h, Tue-Thu 24 h, Fri 8 h = 39.5 h; Mon 16 09:00 + 0.5 h.
    expect(ack.events[0]).toEqual({ actor: agent, action: 'complainant.acknowledged', data: { channel: 'email', expectedResolutionBy: t('2026-03-16T09:30:00+08:00') } });
    expect(actions(ack)).toEqual(['complainant.acknowledged', 'clock.met']);
    expect(refusalOf('acknowledge', ack.state, args('acknowledge', agent), SAMPLE_INTAKE)).toEqual({ type: REFUSAL.illegalTransition, message: 'the acknowledgement was already sent' });
  });

  it('a late action records the breach it caused: the first contact an hour after its clock ran out', () => {
    const late = act(filed(), 'recordContact', args('recordContact', agent), '2026-03-09T15:30:00+08:00');
    const due = t('2026-03-09T14:30:00+08:00');
    expect(late.events).toEqual([
      { actor: agent, action: 'complainant.contacted', data: { channel: 'phone', summary: 'explained the next steps' } },
      // Unanswered, it goes up 4 hours after the later of now and the due time: 15:30 + 4 h.
      {
        actor: SYSTEM_ACTOR,
        action: 'clock.breached',
        data: { clockId: 'firstContact', kind: 'firstContact', dueAt: due, escalatedTo: 'supervisor', unansweredEscalatesAt: t('2026-03-09T19:30:00+08:00') },
      },
      { actor: SYSTEM_ACTOR, action: 'clock.met_late', data: { clockId: 'firstContact', kind: 'firstContact', metAt: t('2026-03-09T15:30:00+08:00'), dueAt: due } },
    ]);
    expect(late.state.breached).toBe(true);
    expect(late.state.clocks[0]).toMatchObject({ status: 'breached', breachedAt: due, metAt: t('2026-03-09T15:30:00+08:00') });
    // The late action itself answers the breach: it does not go up to management.
    expect(late.state.breachFollowUps).toEqual([{ clockId: 'firstContact', escalateAt: t('2026-03-09T19:30:00+08:00'), answeredAt: t('2026-03-09T15:30:00+08:00') }]);
    expect(late.state.escalations).toEqual([{ target: 'supervisor', level: 'supervisor', reason: 'SLA breach: firstContact', by: SYSTEM_ACTOR, at: t('2026-03-09T15:30:00+08:00') }]);
  });
});

describe('deadlines as of an instant', () => {
  it('warnings when due, then the breach at the due time, then management when the breach stays unanswered', () => {
    const s = filed();
    expect(iso(nextDeadline(s))).toBe(iso(t('2026-03-09T11:30:00+08:00')));
    const warned = deadlinesAsOf(s, context('2026-03-09T14:10:00+08:00'));
    expect(warned.events.map((e) => [e.action, e.data.clockId, e.data.fraction])).toEqual([
      ['clock.warning', 'firstContact', 0.5],
      ['clock.warning', 'firstContact', 0.9],
    ]);
    expect(iso(nextDeadline(warned.state))).toBe(iso(t('2026-03-09T14:30:00+08:00')));
    const breached = deadlinesAsOf(warned.state, context('2026-03-09T14:30:00+08:00'));
    expect(breached.events).toEqual([
      {
        actor: SYSTEM_ACTOR,
        action: 'clock.breached',
        data: { clockId: 'firstContact', kind: 'firstContact', dueAt: t('2026-03-09T14:30:00+08:00'), escalatedTo: 'supervisor', unansweredEscalatesAt: t('2026-03-09T18:30:00+08:00') },
      },
    ]);
    expect(iso(nextDeadline(breached.state))).toBe(iso(t('2026-03-09T18:30:00+08:00')));
    expect(deadlinesAsOf(breached.state, context('2026-03-09T18:29:00+08:00')).events).toEqual([]);
    const upstairs = deadlinesAsOf(breached.state, context('2026-03-09T18:30:00+08:00'));
    expect(upstairs.events).toEqual([
      { actor: SYSTEM_ACTOR, action: 'escalated', data: { target: 'supervisor', level: 'management', reason: 'breach of firstContact unanswered', clockId: 'firstContact' } },
    ]);
    expect(upstairs.state.breachFollowUps[0].escalatedAt).toBe(t('2026-03-09T18:30:00+08:00'));
  });

  it('a breach the supervisor answers in time stays with the supervisor', () => {
    const breached = deadlinesAsOf(filed(), context('2026-03-09T14:30:00+08:00')).state;
    expect(refusalOf('answerBreach', filed(), args('answerBreach', supervisor), SAMPLE_INTAKE)).toEqual({ type: REFUSAL.illegalTransition, message: 'no unanswered breach of firstContact' });
    const answered = act(breached, 'answerBreach', args('answerBreach', supervisor), '2026-03-09T15:00:00+08:00');
    expect(actions(answered)).toEqual(['breach.answered']);
    expect(deadlinesAsOf(answered.state, context('2026-03-09T18:30:00+08:00')).events).toEqual([]);
  });
});

describe('assessment', () => {
  it("assess starts the category's clocks from receipt, the preliminary verification from now, and puts the lot on hold", () => {
    const s = complaintIn('assessment');
    const at = t('2026-03-09T11:00:00+08:00');
    const o = act(s, 'assess', args('assess', agent), at);
    expect(actions(o)).toEqual(['assessed', 'clock.started', 'clock.started', 'clock.started', 'stage.changed']);
    // product_performance: first response 2 working hours (Mon 11:30); resolution the tighter of
    // 24 hours (Tue 09:30) and 5 working days; preliminary verification 3 working days (24 h) from
    // Mon 11:00: Mon 6 h, Tue 8 h, Wed 8 h, Thu 09:00 + 2 h.
    expect(o.events.slice(1, 4).map((e) => [e.data.clockId, iso(e.data.startedAt as number), iso(e.data.dueAt as number)])).toEqual([
      ['firstResponse', iso(RECEIVED), iso(t('2026-03-09T11:30:00+08:00'))],
      ['resolution', iso(RECEIVED), iso(t('2026-03-10T09:30:00+08:00'))],
      ['preliminaryVerification', iso(at), iso(t('2026-03-12T11:00:00+08:00'))],
    ]);
    expect(o.events[4].data).toEqual({ from: 'assessment', to: 'investigation' });
    expect(o.state.owner).toEqual({ id: handler.id, department: 'quality' });
    expect(o.work).toEqual([{ kind: 'holdTheLot', actor: agent, at, productName: 'Volumetric infusion pump', model: 'VIP-200', lot: 'L2026-0917' }]);
  });

  it('a response recorded before the assessment meets the first-response clock as soon as it starts', () => {
    const responded = act(complaintIn('assessment'), 'respond', args('respond', agent), '2026-03-09T10:10:00+08:00');
    const o = act(responded.state, 'assess', args('assess', agent), '2026-03-09T11:00:00+08:00');
    expect(o.events.slice(1, 3).map((e) => [e.action, e.data.clockId, iso(e.data.metAt as number)])).toEqual([
      ['clock.started', 'firstResponse', undefined],
      ['clock.met', 'firstResponse', iso(t('2026-03-09T10:10:00+08:00'))],
    ]);
  });

  it("a supervisor's re-assessment recomputes the open clocks on the new category, and a crisis goes to management", () => {
    const o = act(complaintIn('investigation'), 'assess', args('assess', supervisor, { category: 'after_sales_service', severity: 'crisis', rationale: 'on the evening news' }), '2026-03-09T11:20:00+08:00');
    expect(actions(o)).toEqual(['reassessed', 'escalated', 'clocks.recomputed']);
    expect(o.events[0].data.previous).toEqual({ category: 'product_performance', severity: 'general' });
    expect(o.events[1].data).toEqual({ target: 'supervisor', level: 'management', reason: 'crisis: on the evening news' });
    // after_sales_service: first response 1 working hour from Mon 09:30 (10:30); resolution the
    // tighter of 2 working days (16 h: Mon 7.5 h, Tue 8 h, Wed 09:00 + 0.5 h) and crisis (1 working
    // day: Mon 7.5 h, Tue 09:00 + 0.5 h).
    expect(o.events[2].data).toEqual({
      reason: 'reassessed',
      changed: [
        { clockId: 'firstResponse', from: t('2026-03-09T11:30:00+08:00'), to: t('2026-03-09T10:30:00+08:00') },
      ],
    });
    expect(o.state.clocks.find((c) => c.id === 'resolution')?.dueAt).toBe(t('2026-03-10T09:30:00+08:00'));
    expect(o.work).toEqual([]);
  });
});

describe('investigation', () => {
  it('waiting for the customer pauses the running clocks; the answer resumes them, due later by the working time paused', () => {
    const awaited = act(complaintIn('investigation'), 'awaitCustomer', args('awaitCustomer', handler), '2026-03-09T11:10:00+08:00');
    expect(awaited.events[0].data).toEqual({ reason: 'waiting for the device to be returned', pausedClocks: ['firstResponse', 'resolution', 'preliminaryVerification'] });
    expect(refusalOf('completeInvestigation', awaited.state, args('completeInvestigation', handler), SAMPLE_INTAKE)?.message).toBe('the customer is still awaited');
    const answered = act(awaited.state, 'customerResponded', args('customerResponded', handler), '2026-03-10T11:10:00+08:00');
    // Paused Mon 11:10 to Tue 11:10: 8 working hours, or 24 hours on the calendar.
    // First response: 2 + 8 working hours from Mon 09:30 = Tue 11:30. Resolution: 24 + 24 hours =
    // Wed 09:30. Preliminary verification: 24 + 8 working hours from Mon 11:00 = Fri 11:00.
    expect(answered.events).toEqual([
      {
        actor: handler,
        action: 'customer.responded',
        data: {
          note: 'device returned',
          resumedClocks: [
            { clockId: 'firstResponse', dueAt: t('2026-03-10T11:30:00+08:00') },
            { clockId: 'resolution', dueAt: t('2026-03-11T09:30:00+08:00') },
            { clockId: 'preliminaryVerification', dueAt: t('2026-03-13T11:00:00+08:00') },
          ],
        },
      },
    ]);
    expect(answered.state.awaitingCustomer).toBeUndefined();
  });

  it('complete needs a finding and a root cause, or a waiver (which stops the preliminary verification)', () => {
    const s = complaintIn('investigation');
    expect(refusalOf('completeInvestigation', s, args('completeInvestigation', handler), SAMPLE_INTAKE)).toEqual({
      type: REFUSAL.illegalTransition,
      message: 'the investigation needs at least one finding and a root cause, or a waiver',
    });
    const waived = act(s, 'waiveInvestigation', args('waiveInvestigation', supervisor), '2026-03-09T11:30:00+08:00');
    expect(actions(waived)).toEqual(['investigation.waived', 'clock.cancelled']);
    expect(ids(waived)).toEqual([undefined, 'preliminaryVerification']);
    expect(actions(act(waived.state, 'completeInvestigation', args('completeInvestigation', handler), '2026-03-09T11:40:00+08:00'))).toEqual(['stage.changed']);
  });
});

describe('resolution', () => {
  it("the supervisor's approval meets the resolution clock; the customer's acceptance goes on to feedback", () => {
    const s = complaintIn('resolution');
    expect(refusalOf('approveRemedy', s, args('approveRemedy', supervisor), SAMPLE_INTAKE)?.message).toBe('there is no proposed remedy to approve');
    const proposed = act(s, 'proposeRemedy', args('proposeRemedy', agent), '2026-03-09T15:00:00+08:00');
    const approved = act(proposed.state, 'approveRemedy', args('approveRemedy', supervisor), '2026-03-09T15:10:00+08:00');
    expect(actions(approved)).toEqual(['remedy.approved', 'clock.met']);
    expect(ids(approved)[1]).toBe('resolution');
    const rejected = act(approved.state, 'recordCustomerDecision', args('recordCustomerDecision', agent, { accepted: false }), '2026-03-09T15:20:00+08:00');
    expect(actions(rejected)).toEqual(['remedy.rejected_by_customer']);
    expect(rejected.state.resolution).toEqual({ proposal: undefined, customerRejections: 1 });
    const accepted = act(approved.state, 'recordCustomerDecision', args('recordCustomerDecision', agent), '2026-03-09T15:20:00+08:00');
    expect(accepted.events.map((e) => [e.action, e.data])).toEqual([
      ['remedy.accepted_by_customer', { remedy: 'replacement', note: undefined }],
      ['stage.changed', { from: 'resolution', to: 'feedback' }],
    ]);
  });

  it('an escalation to mediation in resolution asks the workflow to start one; on a closed case it changes nothing', () => {
    const e = { actor: supervisor, target: 'mediation', reason: 'no agreement on a remedy', mediator: 'consumer association' } as const;
    const o = escalated(complaintIn('resolution'), context('2026-03-09T15:00:00+08:00'), e);
    expect(o.events).toEqual([{ actor: supervisor, action: 'escalated', data: { target: 'mediation', level: 'supervisor', reason: 'no agreement on a remedy' } }]);
    expect(o.state.marks.mediation).toBe(true);
    // The mediation body has 30 days unless the escalation says otherwise.
    expect(o.work).toEqual([{ kind: 'startMediation', actor: supervisor, reason: 'no agreement on a remedy', body: 'consumer association', deadlineAt: t('2026-04-08T15:00:00+08:00') }]);
    expect(escalated(complaintIn('closed'), context('2026-03-20T10:00:00+08:00'), e)).toMatchObject({ events: [], work: [] });
  });
});

describe('feedback and revisit', () => {
  it('dissatisfied reopens the investigation with a new resolution clock from now', () => {
    const at = t('2026-03-11T10:00:00+08:00');
    const o = act(complaintIn('feedback'), 'recordFeedback', args('recordFeedback', agent, { satisfied: false, score: 2 }), at);
    // The new cycle's clock: the tighter of 24 hours (Thu 10:00) and 5 working days.
    expect(o.events).toEqual([
      { actor: agent, action: 'feedback.recorded', data: { satisfied: false, score: 2, comment: undefined } },
      { actor: agent, action: 'stage.changed', data: { from: 'feedback', to: 'investigation', reopen: 1 } },
      { actor: SYSTEM_ACTOR, action: 'clock.started', data: { clockId: 'resolution#2', kind: 'resolution', startedAt: at, dueAt: t('2026-03-12T10:00:00+08:00') } },
    ]);
    expect(o.state).toMatchObject({ stage: 'investigation', reopenCount: 1, resolution: { agreed: undefined, proposal: undefined } });
    expect(o.state.clocks.find((c) => c.id === 'resolution')?.status).toBe('met');
  });

  it('satisfied goes on to the revisit seven days later; it is refused until due, and its outcome closes the case', () => {
    const o = act(complaintIn('feedback'), 'recordFeedback', args('recordFeedback', agent), '2026-03-10T10:00:00+08:00');
    expect(o.events[1].data).toEqual({ from: 'feedback', to: 'revisit', revisitDueAt: t('2026-03-17T10:00:00+08:00') });
    expect(refusalOf('recordRevisit', o.state, args('recordRevisit', agent), SAMPLE_INTAKE)).toEqual({ type: REFUSAL.illegalTransition, message: 'the revisit is not due yet' });
    expect(iso(nextDeadline(o.state))).toBe(iso(t('2026-03-17T10:00:00+08:00')));
    const due = deadlinesAsOf(o.state, context('2026-03-17T10:00:00+08:00'));
    expect(actions(due)).toEqual(['revisit.due']);
    const closed = act(due.state, 'recordRevisit', args('recordRevisit', agent), '2026-03-17T11:00:00+08:00');
    expect(closed.events.map((e) => [e.action, e.data])).toEqual([
      ['revisit.recorded', { deviceWorking: true, solvedAtRoot: true, score: 5, note: undefined }],
      ['stage.changed', { from: 'revisit', to: 'closed', reason: 'revisit done' }],
    ]);
    expect(closed.state.closedAt).toBe(t('2026-03-17T11:00:00+08:00'));
  });
});

describe('any stage', () => {
  it('withdraw cancels every open clock, whatever its kind, and ends the case', () => {
    const at = t('2026-03-09T11:05:00+08:00');
    const o = act(complaintIn('investigation'), 'withdraw', args('withdraw', agent), at);
    expect(o.events.map((e) => [e.action, e.data.clockId ?? e.data.to])).toEqual([
      ['clock.cancelled', 'firstResponse'],
      ['clock.cancelled', 'resolution'],
      ['clock.cancelled', 'preliminaryVerification'],
      ['stage.changed', 'withdrawn'],
    ]);
    expect(o.events[0].data.reason).toBe('complaint withdrawn');
    expect(o.state.clocks.map((c) => [c.id, c.status])).toEqual([
      ['firstContact', 'met'],
      ['acknowledgement', 'met'],
      ['firstResponse', 'cancelled'],
      ['resolution', 'cancelled'],
      ['preliminaryVerification', 'cancelled'],
    ]);
    expect(o.state).toMatchObject({ stage: 'withdrawn', closedAt: at, withdrawal: { by: agent, at, reason: 'the complainant withdrew' } });
    expect(nextDeadline(o.state)).toBeUndefined();
  });

  it('a reportability decision that finds a report owed opens it and asks the workflow to start its workflow', () => {
    const facts: ActionArgs<'decideReportability'>['facts'] = { eventCountry: 'CN', outcome: 'serious_injury', marketedIn: ['CN'], reporterRole: 'manufacturer', remedialActionNeeded: false };
    const qaActor = { id: 'qa-zhou', role: 'qa' } as const;
    const o = act(complaintIn('investigation'), 'decideReportability', args('decideReportability', qaActor, { facts }), '2026-03-09T12:00:00+08:00');
    expect(actions(o)).toEqual(['reportability.decided', 'regulatory.report_opened']);
    expect(o.work).toHaveLength(1);
    expect(o.work[0]).toMatchObject({ kind: 'startReport', input: { ruleId: o.events[1].data.ruleId, day0: RECEIVED, startedBy: qaActor, notifyWorkflowId: o.state.complaintId } });
    expect(o.state.regulatory.reports).toEqual([expect.objectContaining({ status: 'starting', jurisdiction: 'CN' })]);
  });
});
