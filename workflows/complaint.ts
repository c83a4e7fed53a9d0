/**
 * One complaint's whole life as a durable workflow: intake, assessment, investigation,
 * resolution, feedback, revisit, closed (or withdrawn at any stage); mediation and the legal
 * route when the parties cannot agree; reports to regulators alongside.
 *
 * This file is the life: the stages in order, what each waits for, the handlers, the `patched()`
 * branches. What each action checks and causes is a pure transition in workflows/transitions/
 * (one file per part of the life); the clocks' bookkeeping is workflows/transitions/clocks.ts.
 * Agents' and supervisors' actions arrive as updates: each is checked in a validator and refused
 * with a reason, or applied, its events written to PostgreSQL by an activity, and answered with
 * the new state. Timers on the SLA clocks raise warnings and breaches. Nothing here does I/O;
 * time is the workflow's own deterministic clock.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { RetryPolicy, UpdateDefinition } from '@temporalio/common';
import type { ComplaintActivities } from '../activities/index.js';
import {
  REFUSAL,
  calendarCorrectedSignal,
  clusterFlaggedSignal,
  groupEventConfirmedSignal,
  productHoldReleasedSignal,
  filedUpdate,
  stateQuery,
  type ComplaintEvent,
  type ComplaintInput,
  type ComplaintOutcome,
  type ComplaintWorkflow,
  type ComplaintState,
  type ComplaintView,
} from './contract.js';
import { escalateSignal, payloadProblem, updates, type ActionArgs } from './actions.js';
import { openingState, snapshotOf, viewOf } from './complaint-state.js';
import { FINAL_STAGES, type Actor, type Stage } from './model.js';
import type { BusinessCalendar } from './rules/calendar.js';
import { DEFAULT_POLICY, type ServiceLevelPolicy } from './rules/sla-policy.js';
import { mediation } from './mediation.js';
import { mediationSessionSignal, type MediationInput } from './mediation-contract.js';
import { regulatoryReport } from './regulatory-report.js';
import { regulatoryReportProgressSignal, tightenReportSignal } from './regulatory-report-contract.js';
import { searchAttributesOf } from './search-attributes.js';
import { escalated, holdPlaced, holdReleased } from './transitions/any-stage.js';
import type { Context, Outcome, Work } from './transitions/change.js';
import { calendarCorrected, deadlinesAsOf, nextDeadline, nextDeadlineSummary } from './transitions/clocks.js';
import { received } from './transitions/intake.js';
import { mediationBegan, mediationEnded, mediationSession } from './transitions/mediation-and-legal.js';
import { TRANSITIONS, UPDATE_ACTIONS, refusalOf, type UpdateAction } from './transitions/registry.js';
import { clusterFlagged, groupEventConfirmed, reportProgressed } from './transitions/regulatory.js';

// Database writes retry until the database is back: a complaint's record must never be dropped.
const DATABASE_RETRY: RetryPolicy = {
  initialInterval: '500 milliseconds',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  nonRetryableErrorTypes: ['ReferenceDataMissing'],
};
const { loadServiceLevels, recordIntake, recordProgress, reportToClusterWatch, placeProductHold } = proxyActivities<ComplaintActivities>({
  startToCloseTimeout: '30 seconds',
  retry: DATABASE_RETRY,
});
/**
 * The same reads and writes of the complaint file as local activities: run by the worker inside the
 * workflow task that asked for them, so filing a complaint or applying an action answers within one
 * workflow task instead of a round trip through the server's task queues per write (each write was
 * three more history events and one more workflow task). The writes are idempotent (complaint ID,
 * event sequence, snapshot's last sequence), so a local activity run again after a crash of the
 * worker mid-task writes nothing twice. Complaints that started before this ran the writes as
 * ordinary activities; `patched()` keeps their histories replaying (docs/testing.md, "Changing a
 * running workflow").
 */
const local = proxyLocalActivities<ComplaintActivities>({
  startToCloseTimeout: '30 seconds',
  // Past a minute of retrying (the database down), the retries wait on durable timers.
  localRetryThreshold: '1 minute',
  retry: DATABASE_RETRY,
});


export async function complaint(input: ComplaintInput): Promise<ComplaintOutcome> {
  let state: ComplaintState = openingState(input);
  /**
   * Work the main loop does for handlers that cannot wait on it themselves: starting child
   * workflows, signalling them, placing a product hold. In order, each once.
   */
  const commands: Array<() => Promise<void>> = [];
  const history: ComplaintEvent[] = [];
  let outbox: ComplaintEvent[] = [];
  let persistedSeq = 0;
  /** Bumped on every change, so the deadline loop re-plans its timer. */
  let changes = 0;
  let policy: ServiceLevelPolicy | undefined;
  let calendar: BusinessCalendar | undefined;
  /** The intake card is filed and the first clocks run: actions may be applied. */
  let ready = false;

  const now = () => Date.now();
  const isFinal = () => FINAL_STAGES.includes(state.stage);
  const context = (): Context => ({ at: now(), policy: policy!, calendar: calendar!, intake: input.intake });

  function emit(actor: Actor, action: string, data: Record<string, unknown>): void {
    const event: ComplaintEvent = { seq: state.lastSeq + 1, at: now(), actor, action, data };
    state.lastSeq = event.seq;
    history.push(event);
    outbox.push(event);
    changes++;
  }

  /** A transition's outcome becomes the state: its events numbered and queued for the file, its work set going. */
  function commit(outcome: Outcome): void {
    state = outcome.state;
    for (const e of outcome.events) emit(e.actor, e.action, e.data);
    for (const work of outcome.work) carryOut(work);
  }

  // ---- Search attributes for ops (never personal data) ----------------------------------------
  let published = '';
  function publishSearchAttributes(): void {
    // Added after the first histories were recorded: they replay with the original five attributes.
    const { key, attributes } = searchAttributesOf(state, patched('search-attributes-sla-state-and-reports'));
    if (key === published) return;
    published = key;
    upsertSearchAttributes(attributes);
  }

  // ---- Persistence: every event reaches PostgreSQL, in order, exactly once --------------------
  async function persist(): Promise<void> {
    const batch = outbox;
    outbox = [];
    const last = batch[batch.length - 1];
    const progress = { complaintId: state.complaintId, events: batch, snapshot: snapshotOf(state) };
    await (patched('complaint-file-local-writes') ? local.recordProgress(progress) : recordProgress(progress));
    persistedSeq = Math.max(persistedSeq, last.seq);
  }

  // ---- Actions (updates), one handler each, from the action table -----------------------------
  /** The validator refuses (stage, role, preconditions); the handler applies once the case is ready and answers once the events are stored. */
  function onAction<N extends UpdateAction>(name: N): void {
    const guard = (args: ActionArgs<N>) => {
      const refusal = refusalOf(name, state, args, input.intake);
      if (refusal) throw ApplicationFailure.create({ type: refusal.type, message: refusal.message, nonRetryable: true });
    };
    const update = updates[name] as UpdateDefinition<ComplaintState, [ActionArgs<N>]>;
    setHandler(
      update,
      async (args: ActionArgs<N>) => {
        await condition(() => ready);
        guard(args); // state may have moved since the validator ran
        commit(TRANSITIONS[name].apply(state, args, context()));
        const seq = state.lastSeq;
        await condition(() => persistedSeq >= seq);
        return viewOf(state);
      },
      // Only the validator checks the payload by the table's schema: it does not run on replay, so
      // histories recorded before the check replay as they ran.
      {
        validator: (args: ActionArgs<N>) => {
          guard(args);
          const problem = payloadProblem(name, args);
          if (problem) throw ApplicationFailure.create({ type: REFUSAL.invalid, message: problem, nonRetryable: true });
        },
      },
    );
  }
  for (const name of UPDATE_ACTIONS) onAction(name);

  // ---- Signals: escalations, the child workflows, QA's tools, reference data -------------------
  // Escalations are signals: the supervisor's word is recorded, never refused by the workflow.
  setHandler(escalateSignal, async (e) => {
    await condition(() => ready);
    commit(escalated(state, context(), e));
  });
  setHandler(regulatoryReportProgressSignal, (p) => commit(reportProgressed(state, context(), p)));
  setHandler(clusterFlaggedSignal, async (f) => {
    await condition(() => ready);
    commit(clusterFlagged(state, context(), f));
  });
  setHandler(groupEventConfirmedSignal, async (g) => {
    await condition(() => ready);
    commit(groupEventConfirmed(state, context(), g));
  });
  setHandler(productHoldReleasedSignal, async (r) => {
    await condition(() => ready);
    commit(holdReleased(state, context(), r));
  });
  setHandler(mediationSessionSignal, ({ mediationId, session }) => commit(mediationSession(state, context(), mediationId, session)));
  setHandler(calendarCorrectedSignal, async (c) => {
    await condition(() => ready);
    if (isFinal() || !calendar || c.calendar?.id !== calendar.id) return;
    calendar = c.calendar;
    commit(calendarCorrected(state, context(), `calendar ${c.calendar.id} corrected: ${c.reason}`, c.actor));
  });

  setHandler(stateQuery, (): ComplaintView => ({ ...viewOf(state), history }));
  setHandler(filedUpdate, async () => {
    await condition(() => state.number !== undefined && persistedSeq >= 1);
    return {
      complaintId: state.complaintId,
      number: state.number!,
      fingerprint: input.fingerprint,
      receivedAt: state.receivedAt,
      requestId: input.requestId,
    };
  });

  // ---- Work the transitions ask for --------------------------------------------------------------
  function carryOut(work: Work): void {
    switch (work.kind) {
      case 'startMediation':
        return startMediation(work);
      case 'startReport': {
        const { input: reportInput } = work;
        // Reports outlive the complaint if need be: the legal duty does not end with a withdrawal.
        commands.push(async () => {
          await startChild(regulatoryReport, { workflowId: reportInput.reportId, args: [reportInput], parentClosePolicy: 'ABANDON' });
        });
        return;
      }
      case 'tightenReport':
        commands.push(() => getExternalWorkflowHandle(work.reportId).signal(tightenReportSignal, work.tighten));
        return;
      case 'holdTheLot': {
        const { actor, at, productName, model, lot } = work;
        commands.push(async () => {
          // Added after the first histories were recorded: running complaints replay without it.
          if (!patched('product-hold')) return;
          const hold = await placeProductHold({
            complaintId: state.complaintId,
            productName,
            model,
            lot,
            actor,
            reason: `quality complaint ${state.number ?? state.complaintId}`,
            at,
          });
          commit(holdPlaced(state, context(), hold, model, lot));
        });
        return;
      }
    }
  }

  let pendingMediations = 0;
  function startMediation({ actor, reason, body, deadlineAt }: Extract<Work, { kind: 'startMediation' }>): void {
    if (pendingMediations > 0) return; // one mediation at a time
    const at = now();
    const n = history.filter((e) => e.action === 'stage.changed' && e.data.to === 'mediation').length + pendingMediations + 1;
    pendingMediations++;
    const mediationInput: MediationInput = {
      mediationId: `${state.complaintId}:mediation:${n}`,
      complaintId: state.complaintId,
      body,
      deadlineAt,
      startedBy: actor,
      reason,
    };
    // The stage moves once the mediation workflow exists, so whoever sees `mediation` can reach it.
    commands.push(async () => {
      if (state.stage !== 'resolution' && state.stage !== 'feedback') {
        pendingMediations--; // the case moved on (accepted, withdrawn) before the mediation began
        return;
      }
      const child = await startChild(mediation, { workflowId: mediationInput.mediationId, args: [mediationInput] });
      void child.result().then((result) => commit(mediationEnded(state, context(), result)));
      pendingMediations--;
      commit(mediationBegan(state, context(), { mediationId: mediationInput.mediationId, body, startedAt: at, deadlineAt }, actor));
    });
  }

  // ---- The life ---------------------------------------------------------------------------------
  // Intake: the service levels read and the intake card filed inside the first workflow task, so the
  // agent has the complaint's number back without waiting on task queues (see `local` above).
  const localIntake = patched('complaint-file-local-writes');
  const levels = await (localIntake ? local.loadServiceLevels(input.policyId) : loadServiceLevels(input.policyId));
  policy = levels.policy;
  calendar = levels.calendar;
  state.policy = { id: policy.id, version: policy.version, calendarId: calendar.id };
  const receipt = await (localIntake ? local.recordIntake : recordIntake)({
    complaintId: input.complaintId,
    intake: input.intake,
    receivedAt: input.receivedAt,
    receivedBy: input.receivedBy,
    fingerprint: input.fingerprint,
    idempotencyKey: input.idempotencyKey,
    policyId: policy.id,
  });
  state.number = receipt.number;
  // Complaints with patient harm may form a group event with others of their model and lot.
  // (Added after the first histories were recorded: running complaints replay without it.)
  const { device, event } = input.intake;
  if (patched('report-to-cluster-watch') && event.patientHarmed && device.model && device.lot) {
    const detection = policy.clusterDetection ?? DEFAULT_POLICY.clusterDetection;
    await reportToClusterWatch({
      model: device.model,
      lot: device.lot,
      productName: device.productName,
      complaintId: input.complaintId,
      number: receipt.number,
      receivedAt: input.receivedAt,
      patientHarmed: event.patientHarmed,
      windowDays: detection.windowDays,
      threshold: detection.threshold,
    });
  }
  // On file: the first-contact and acknowledgement clocks run from receipt.
  commit(received(state, context(), input.receivedBy, receipt.number, input.intake.channel));
  ready = true;

  // Then the stages, in order, each moved on by the action named (workflows/transitions/):
  //   intake         the verifications and the first contact, then complete intake    intake.ts
  //   assessment     assess: the category's clocks start, on to investigation        assessment.ts
  //   investigation  findings and a root cause (or a waiver), then complete           investigation.ts
  //   resolution     a remedy proposed, approved, accepted by the customer           resolution.ts
  //   mediation      a supervisor's escalation when they cannot agree; its outcome   mediation-and-legal.ts
  //   legal          mediation failed: until a supervisor closes the legal route     mediation-and-legal.ts
  //   feedback       satisfied: the revisit (or closed); dissatisfied: reopened      feedback-and-revisit.ts
  //   revisit        once due (a timer below), its outcome closes the case           feedback-and-revisit.ts
  //   closed, or withdrawn at any open stage                                        any-stage.ts
  // Reports to regulators run alongside (regulatory.ts). What each stage waits for: awaiting.ts.
  // The loop: deadlines falling due, the events to the file, the work the transitions asked for.
  while (true) {
    commit(deadlinesAsOf(state, context()));
    publishSearchAttributes();
    if (outbox.length > 0) {
      await persist();
      continue; // handlers may have acted while the activity ran
    }
    if (commands.length > 0) {
      await commands.shift()!();
      continue;
    }
    // A closed case stays alive while a report to a regulator is still owed, to hear of it.
    if (isFinal() && !state.regulatory.reports.some((r) => r.status !== 'submitted')) break;
    const seen = changes;
    const next = nextDeadline(state);
    const wait = next === undefined ? undefined : Math.max(next - now(), 1);
    // For the Web UI: the number and stage (User Metadata tab, from the worker: nothing in the
    // history), and the timer's summary names the clock it serves (TimerStarted's user metadata).
    const summary = nextDeadlineSummary(state);
    setCurrentDetails(`${state.number} · ${state.stage}${summary ? ` · next: ${summary}` : ''}`);
    if (wait === undefined) await condition(() => changes !== seen);
    else await condition(() => changes !== seen, wait, { summary });
  }

  // Let in-flight handlers answer their callers before the workflow completes.
  await condition(allHandlersFinished);
  return {
    complaintId: state.complaintId,
    number: state.number,
    stage: state.stage,
    reopenCount: state.reopenCount,
    breached: state.breached,
  };
}

complaint satisfies ComplaintWorkflow;
