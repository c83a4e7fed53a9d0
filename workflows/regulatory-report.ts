/**
 * One report to one regulator under one rule (e.g. NMPA's 20-day serious-injury report, FDA's
 * 5-work-day report): its legal clock from day 0 in that rule's own unit, reminders before the due
 * time, a breach alert, and done when QA records the submission. Started as a child of the
 * complaint (or of a cluster watch, for group events).
 *
 * These clocks never pause: whatever the service clocks do, the law's clock runs.
 */
import {
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  allHandlersFinished,
} from '@temporalio/workflow';
import type { ComplaintActivities } from '../activities/index.js';
import { REFUSAL } from './contract.js';
import type { Actor } from './model.js';
import {
  recordSubmissionUpdate,
  regulatoryReportProgressSignal,
  reportStateQuery,
  tightenReportSignal,
  type RegulatoryReportInput,
  type RegulatoryReportState,
  type RegulatoryReportWorkflow,
  type ReportEvent,
} from './regulatory-report-contract.js';
import { nominalClockHours, reportDue, reportingRule, type RegulatoryCalendars } from './rules/regulatory.js';

const HOUR = 3_600_000;

const { loadRegulatoryCalendars, recordRegulatoryReport } = proxyActivities<ComplaintActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export async function regulatoryReport(input: RegulatoryReportInput): Promise<RegulatoryReportState> {
  const rule = reportingRule(input.ruleId);
  const state: RegulatoryReportState = {
    reportId: input.reportId,
    subject: input.subject,
    ruleId: rule.id,
    jurisdiction: rule.jurisdiction,
    citation: rule.citation,
    description: rule.description,
    day0: input.day0,
    beyondCoverage: false,
    status: 'open',
    reminders: [],
    events: [],
  };
  let calendars: RegulatoryCalendars | undefined;
  let changes = 0;
  let persistedSeq = 0;
  const outbox: ReportEvent[] = [];
  const reminderRule = input.reminders ?? { fractions: [0.5], hoursBeforeDue: [24] };

  function emit(actor: Actor, action: ReportEvent['action'], data: Record<string, unknown> = {}): void {
    const event: ReportEvent = { seq: state.events.length + 1, at: Date.now(), actor, action, data };
    state.events.push(event);
    outbox.push(event);
    changes++;
  }

  /** Due time and reminders for the current rule, counted from the original day 0. */
  function schedule(): void {
    const due = reportDue(reportingRule(state.ruleId), state.day0, calendars!);
    state.dueAt = due?.dueAt;
    state.dueDate = due?.dueDate;
    state.beyondCoverage = due?.beyondCoverage ?? false;
    if (!due) {
      state.reminders = [];
      return;
    }
    const span = due.dueAt - state.day0;
    const times = [
      ...reminderRule.fractions.map((f) => state.day0 + Math.round(span * f)),
      ...reminderRule.hoursBeforeDue.map((h) => due.dueAt - h * HOUR),
    ].filter((at) => at > state.day0 && at < due.dueAt);
    // Reminders already sent stay on record; the new schedule only adds the ones still to come.
    const sent = state.reminders.filter((r) => r.sentAt !== undefined);
    const now = Date.now();
    const pending = [...new Set(times)].filter((at) => at > now).sort((a, b) => a - b).map((at) => ({ at }));
    state.reminders = [...sent, ...pending];
  }

  setHandler(reportStateQuery, () => state);

  setHandler(
    recordSubmissionUpdate,
    async (s) => {
      const recordedAt = Date.now();
      state.submission = { reference: s.reference.trim(), submittedAt: s.submittedAt ?? recordedAt, by: s.actor, recordedAt };
      state.status = 'submitted';
      emit(s.actor, 'submitted', {
        reference: state.submission.reference,
        submittedAt: state.submission.submittedAt,
        late: state.dueAt !== undefined && state.submission.submittedAt > state.dueAt,
      });
      const seq = state.events.length;
      await condition(() => persistedSeq >= seq);
      return state;
    },
    {
      validator: (s) => {
        if (s?.actor?.role !== 'qa') {
          throw ApplicationFailure.create({ type: REFUSAL.forbidden, message: 'recording a submission to the regulator needs the role qa', nonRetryable: true });
        }
        if (state.status === 'submitted') {
          throw ApplicationFailure.create({ type: REFUSAL.illegalTransition, message: `the report was already submitted (${state.submission?.reference})`, nonRetryable: true });
        }
        if (typeof s.reference !== 'string' || s.reference.trim() === '') {
          throw ApplicationFailure.create({ type: REFUSAL.invalid, message: 'reference (the regulator’s report number) is required', nonRetryable: true });
        }
        if (s.submittedAt !== undefined && (s.submittedAt > Date.now() || s.submittedAt < state.day0)) {
          throw ApplicationFailure.create({ type: REFUSAL.invalid, message: 'submittedAt must lie between day 0 and now', nonRetryable: true });
        }
      },
    },
  );

  setHandler(tightenReportSignal, async (t) => {
    await condition(() => calendars !== undefined);
    if (state.status === 'submitted') return;
    const next = reportingRule(t.ruleId);
    const current = reportingRule(state.ruleId);
    // Only ever tighter, and only within the jurisdiction: a looser rule never relaxes a legal clock.
    if (next.jurisdiction !== current.jurisdiction || next.clock.unit === 'none') return;
    if (current.clock.unit !== 'none' && nominalClockHours(next.clock) >= nominalClockHours(current.clock)) return;
    const previousDue = state.dueAt;
    state.ruleId = next.id;
    state.citation = next.citation;
    state.description = next.description;
    schedule();
    if (state.status === 'overdue' && state.dueAt !== undefined) state.breachedAt = Math.min(state.breachedAt ?? state.dueAt, state.dueAt);
    emit(t.actor, 'tightened', { from: current.id, to: next.id, previousDueAt: previousDue, dueAt: state.dueAt, reason: t.reason });
  });

  async function publish(): Promise<void> {
    const batch = outbox.splice(0);
    if (batch.length === 0) return;
    await recordRegulatoryReport({ state });
    persistedSeq = Math.max(persistedSeq, batch[batch.length - 1].seq);
    if (!input.notifyWorkflowId) return;
    for (const event of batch) {
      try {
        await getExternalWorkflowHandle(input.notifyWorkflowId).signal(regulatoryReportProgressSignal, {
          reportId: state.reportId,
          ruleId: state.ruleId,
          jurisdiction: state.jurisdiction,
          status: state.status,
          dueAt: state.dueAt,
          event,
        });
      } catch {
        // The complaint's workflow has completed; the report's own record is in PostgreSQL.
      }
    }
  }

  calendars = await loadRegulatoryCalendars();
  schedule();
  emit(input.startedBy, 'started', { ruleId: rule.id, citation: rule.citation, day0: state.day0, dueAt: state.dueAt, dueDate: state.dueDate, reason: input.reason });

  while (state.status !== 'submitted' || outbox.length > 0) {
    const now = Date.now();
    for (const reminder of state.reminders) {
      if (reminder.sentAt === undefined && now >= reminder.at && state.status === 'open') {
        reminder.sentAt = reminder.at;
        emit({ id: 'system', role: 'admin' }, 'reminder', { dueAt: state.dueAt, hoursLeft: Math.round(((state.dueAt ?? now) - reminder.at) / HOUR) });
      }
    }
    if (state.status === 'open' && state.dueAt !== undefined && now >= state.dueAt) {
      state.status = 'overdue';
      state.breachedAt = state.dueAt;
      emit({ id: 'system', role: 'admin' }, 'breached', { dueAt: state.dueAt, alert: ['supervisor', 'qa'] });
    }
    if (outbox.length > 0) {
      await publish();
      continue;
    }
    if (state.status === 'submitted') break;
    const next = [
      ...state.reminders.filter((r) => r.sentAt === undefined).map((r) => r.at),
      ...(state.status === 'open' && state.dueAt !== undefined ? [state.dueAt] : []),
    ].sort((a, b) => a - b)[0];
    const seen = changes;
    await condition(() => changes !== seen, next === undefined ? undefined : Math.max(next - Date.now(), 1));
  }
  await condition(allHandlersFinished);
  return state;
}

// The signature clients start it by (the contract's) is this workflow's.
regulatoryReport satisfies RegulatoryReportWorkflow;
