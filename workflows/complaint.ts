/**
 * One complaint's whole life as a durable workflow: intake, assessment, investigation,
 * resolution, feedback, revisit, closed (or withdrawn at any stage).
 *
 * Agents' and supervisors' actions arrive as updates: each is checked (stage, role, preconditions)
 * in a validator and refused with a reason, or applied, written to PostgreSQL by an activity, and
 * answered with the new state. Timers on the SLA clocks raise warnings and breaches. Nothing here
 * does I/O; time is the workflow's own deterministic clock.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  proxyLocalActivities,
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
  type Acting,
  type ComplaintEvent,
  type Escalation,
  type EscalationLevel,
  type JurisdictionDecision,
  type ReportabilityDecision,
  type ComplaintInput,
  type ComplaintState,
  type ComplaintView,
} from './contract.js';
import { escalateSignal, updates, type ActionArgs } from './actions.js';
import { FINAL_STAGES, ROLES, SYSTEM_ACTOR, type Actor, type Stage } from './model.js';
import { whatIsAwaited } from './awaiting.js';
import type { BusinessCalendar } from './rules/calendar.js';
import {
  breachIfDue,
  cancelClock,
  isOpen,
  meetClock,
  nextClockDeadline,
  pauseClock,
  recomputeClock,
  resumeClock,
  startClock,
  warnIfDue,
  type SlaClock,
} from './rules/clocks.js';
import { refusalFor, type Action } from './rules/permissions.js';
import {
  DEFAULT_POLICY,
  isSampledForRevisit,
  resolutionSpecs,
  warningFractionsOf,
  type ClockKind,
  type ServiceLevelPolicy,
} from './rules/sla-policy.js';
import { effectiveSeverity, triagePriority } from './rules/triage.js';
import {
  awarenessDay0,
  nominalClockHours,
  proposeReportability,
  reportingRule,
  type ReportabilityFacts,
} from './rules/regulatory.js';
import { mediation, mediationSessionSignal, type MediationInput, type MediationState } from './mediation.js';
import {
  regulatoryReport,
  regulatoryReportProgressSignal,
  tightenReportSignal,
  type RegulatoryReportInput,
} from './regulatory-report.js';
import {
  ComplaintCategory,
  ComplaintJurisdictions,
  ComplaintNumber,
  ComplaintReportable,
  ComplaintSeverity,
  ComplaintStage,
  SlaBreached,
  SlaState,
} from './search-attributes.js';

const DAY = 24 * 60 * 60 * 1000;

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
 * ordinary activities; `patched()` keeps their histories replaying (README, "Changing a running
 * workflow").
 */
const local = proxyLocalActivities<ComplaintActivities>({
  startToCloseTimeout: '30 seconds',
  // Past a minute of retrying (the database down), the retries wait on durable timers.
  localRetryThreshold: '1 minute',
  retry: DATABASE_RETRY,
});

export interface ComplaintOutcome {
  complaintId: string;
  number: string;
  stage: Stage;
  reopenCount: number;
  breached: boolean;
}

export async function complaint(input: ComplaintInput): Promise<ComplaintOutcome> {
  const state: ComplaintState = {
    complaintId: input.complaintId,
    stage: 'intake',
    receivedAt: input.receivedAt,
    receivedBy: input.receivedBy,
    // First-contact responsibility (首问负责制): whoever received it owns it until assigned.
    owner: { id: input.receivedBy.id },
    intake: {},
    investigation: { findings: [] },
    resolution: { customerRejections: 0 },
    feedback: [],
    escalations: [],
    marks: { mediation: false, regulator: false, crisis: false, legal: false },
    reopenCount: 0,
    clocks: [],
    breached: false,
    awaiting: [],
    lastSeq: 0,
    regulatory: { decisions: [], reports: [] },
    productHolds: [],
    breachFollowUps: [],
  };
  /**
   * Work the main loop does for handlers that cannot wait on it themselves: starting report
   * workflows and signalling them. In order, each once.
   */
  const commands: Array<() => Promise<void>> = [];
  const history: ComplaintEvent[] = [];
  let outbox: ComplaintEvent[] = [];
  let persistedSeq = 0;
  /** Bumped on every change, so the deadline loop re-plans its timer. */
  let changes = 0;
  let policy: ServiceLevelPolicy | undefined;
  let calendar: BusinessCalendar | undefined;

  const now = () => Date.now();
  const isFinal = () => FINAL_STAGES.includes(state.stage);

  function emit(actor: Actor, action: string, data: Record<string, unknown> = {}): void {
    const event: ComplaintEvent = { seq: state.lastSeq + 1, at: now(), actor, action, data };
    state.lastSeq = event.seq;
    history.push(event);
    outbox.push(event);
    changes++;
  }

  function moveTo(stage: Stage, actor: Actor, data: Record<string, unknown> = {}): void {
    const from = state.stage;
    state.stage = stage;
    emit(actor, 'stage.changed', { from, to: stage, ...data });
  }

  function refuse(type: string, message: string): never {
    throw ApplicationFailure.create({ type, message, nonRetryable: true });
  }

  // ---- Clocks --------------------------------------------------------------------------------
  function requireServiceLevels(): { policy: ServiceLevelPolicy; calendar: BusinessCalendar } {
    if (!policy || !calendar) throw new Error('service levels not loaded yet');
    return { policy, calendar };
  }

  function currentClock(kind: ClockKind): SlaClock | undefined {
    for (let i = state.clocks.length - 1; i >= 0; i--) if (state.clocks[i].kind === kind) return state.clocks[i];
    return undefined;
  }

  function replaceClock(clock: SlaClock): void {
    state.clocks = state.clocks.map((c) => (c.id === clock.id ? clock : c));
  }

  function recordBreach(clock: SlaClock): void {
    state.breached = true;
    state.escalations.push({ target: 'supervisor', level: 'supervisor', reason: `SLA breach: ${clock.kind}`, by: SYSTEM_ACTOR, at: now() });
    const minutes = policy?.escalation?.unansweredBreachMinutes ?? 240;
    const escalateAt = Math.max(now(), clock.breachedAt ?? clock.dueAt) + minutes * 60_000;
    state.breachFollowUps.push({ clockId: clock.id, escalateAt });
    emit(SYSTEM_ACTOR, 'clock.breached', { clockId: clock.id, kind: clock.kind, dueAt: clock.dueAt, escalatedTo: 'supervisor', unansweredEscalatesAt: escalateAt });
  }

  function escalate(actor: Actor, level: EscalationLevel, target: Escalation['target'], reason: string, data: Record<string, unknown> = {}): void {
    state.escalations.push({ by: actor, at: now(), target, level, reason });
    emit(actor, 'escalated', { target, level, reason, ...data });
  }

  /** A breach answered (by the supervisor, or by the late action itself) stops going up. */
  function answerBreach(clockId: string, at: number): boolean {
    const followUp = state.breachFollowUps.find((f) => f.clockId === clockId && f.answeredAt === undefined && f.escalatedAt === undefined);
    if (!followUp) return false;
    followUp.answeredAt = at;
    return true;
  }

  function begin(kind: ClockKind, startedAt: number, cycle = 1, specs = defaultSpecs(kind)): SlaClock {
    const levels = requireServiceLevels();
    const clock = startClock(levels.calendar, { kind, cycle, specs, startedAt, warningFractions: warningFractionsOf(levels.policy) });
    state.clocks = [...state.clocks, clock];
    emit(SYSTEM_ACTOR, 'clock.started', {
      clockId: clock.id,
      kind,
      startedAt,
      dueAt: clock.dueAt,
      ...(clock.beyondCalendar ? { warning: 'due time computed past the calendar’s known dates' } : {}),
    });
    return clock;
  }

  function defaultSpecs(kind: ClockKind) {
    const { policy } = requireServiceLevels();
    const assessment = state.assessment;
    switch (kind) {
      case 'firstContact':
      case 'acknowledgement':
      case 'preliminaryVerification':
        return [policy.general[kind]];
      case 'firstResponse':
        if (!assessment) throw new Error('first response needs a category');
        return [policy.categories[assessment.category].firstResponse];
      case 'resolution':
        if (!assessment) throw new Error('resolution needs a category');
        return resolutionSpecs(
          policy,
          assessment.category,
          effectiveSeverity(assessment.severity, assessment.patientSafety, assessment.suspectedAdverseEvent),
        );
    }
  }

  /** The clock's action happened at `at`; late actions record the breach they caused. */
  function meet(kind: ClockKind, at: number): void {
    const clock = currentClock(kind);
    if (!clock || clock.status === 'met' || clock.status === 'cancelled') return;
    if (clock.status === 'breached' && clock.metAt !== undefined) return;
    const levels = requireServiceLevels();
    const result = meetClock(levels.calendar, clock, at, warningFractionsOf(levels.policy));
    replaceClock(result.clock);
    if (result.breachedNow) recordBreach(result.clock);
    if (result.clock.status === 'breached') answerBreach(clock.id, at);
    emit(SYSTEM_ACTOR, result.clock.status === 'met' ? 'clock.met' : 'clock.met_late', {
      clockId: clock.id,
      kind,
      metAt: at,
      dueAt: result.clock.dueAt,
    });
  }

  function cancelOpenClocks(reason: string, only?: ClockKind): void {
    for (const clock of state.clocks) {
      if (!isOpen(clock) || (only && clock.kind !== only)) continue;
      replaceClock(cancelClock(clock, now()));
      emit(SYSTEM_ACTOR, 'clock.cancelled', { clockId: clock.id, kind: clock.kind, reason });
    }
  }

  function recomputeOpenClocks(reason: string, actor: Actor, kinds?: ClockKind[]): void {
    const levels = requireServiceLevels();
    const changed: Array<{ clockId: string; from: number; to: number }> = [];
    for (const clock of state.clocks) {
      if (!isOpen(clock) || (kinds && !kinds.includes(clock.kind))) continue;
      const specs = kinds ? defaultSpecs(clock.kind) : clock.specs;
      const next = recomputeClock(levels.calendar, clock, warningFractionsOf(levels.policy), specs);
      replaceClock(next);
      if (next.dueAt !== clock.dueAt) changed.push({ clockId: clock.id, from: clock.dueAt, to: next.dueAt });
    }
    emit(actor, 'clocks.recomputed', { reason, changed });
  }

  /** Warnings, breaches and the revisit falling due, as of now. */
  function processDeadlines(): void {
    const at = now();
    for (const clock of state.clocks) {
      const warned = warnIfDue(clock, at);
      if (warned.raised.length) replaceClock(warned.clock);
      for (const warning of warned.raised) {
        emit(SYSTEM_ACTOR, 'clock.warning', { clockId: clock.id, kind: clock.kind, dueAt: clock.dueAt, fraction: warning.fraction });
      }
      const breached = breachIfDue(warned.clock, at);
      if (breached.breachedNow) {
        replaceClock(breached.clock);
        recordBreach(breached.clock);
      }
    }
    for (const followUp of isFinal() ? [] : state.breachFollowUps) {
      if (followUp.answeredAt === undefined && followUp.escalatedAt === undefined && at >= followUp.escalateAt) {
        followUp.escalatedAt = followUp.escalateAt;
        escalate(SYSTEM_ACTOR, 'management', 'supervisor', `breach of ${followUp.clockId} unanswered`, { clockId: followUp.clockId });
      }
    }
    const revisit = state.revisit;
    if (state.stage === 'revisit' && revisit?.dueAt !== undefined && !revisit.due && at >= revisit.dueAt) {
      revisit.due = true;
      emit(SYSTEM_ACTOR, 'revisit.due', { dueAt: revisit.dueAt });
    }
  }

  function nextDeadline(): number | undefined {
    const revisitDue = state.stage === 'revisit' && !state.revisit?.due ? state.revisit?.dueAt : undefined;
    const followUps = (isFinal() ? [] : state.breachFollowUps)
      .filter((f) => f.answeredAt === undefined && f.escalatedAt === undefined)
      .map((f) => f.escalateAt);
    const candidates = [nextClockDeadline(state.clocks), revisitDue, ...followUps].filter((t): t is number => t !== undefined);
    return candidates.length ? Math.min(...candidates) : undefined;
  }

  // ---- Search attributes for ops (never personal data) ----------------------------------------
  let published = '';
  function slaState(): 'on_track' | 'warning' | 'breached' {
    if (state.breached) return 'breached';
    const warned = state.clocks.some((c) => (c.status === 'running' || c.status === 'paused') && (c.warnings ?? []).some((w) => w.raisedAt !== undefined));
    return warned ? 'warning' : 'on_track';
  }

  function publishSearchAttributes(): void {
    // Added after the first histories were recorded: they replay with the original five attributes.
    const moreAttributes = patched('search-attributes-sla-state-and-reports');
    const values = {
      stage: state.stage,
      category: state.assessment?.category ?? '',
      severity: state.assessment?.severity ?? '',
      number: state.number ?? '',
      breached: state.breached,
      ...(moreAttributes
        ? {
            slaState: slaState(),
            reportable: state.regulatory.reports.length > 0,
            jurisdictions: [...new Set(state.regulatory.reports.map((r) => r.jurisdiction))].sort(),
          }
        : {}),
    };
    const key = JSON.stringify(values);
    if (key === published) return;
    published = key;
    upsertSearchAttributes({
      [ComplaintStage.name]: [values.stage],
      [ComplaintNumber.name]: values.number ? [values.number] : [],
      [ComplaintCategory.name]: values.category ? [values.category] : [],
      [ComplaintSeverity.name]: values.severity ? [values.severity] : [],
      [SlaBreached.name]: [values.breached],
      ...(moreAttributes
        ? {
            [SlaState.name]: [values.slaState!],
            [ComplaintReportable.name]: [values.reportable!],
            [ComplaintJurisdictions.name]: values.jurisdictions!,
          }
        : {}),
    });
  }

  // ---- Persistence: every event reaches PostgreSQL, in order, exactly once --------------------
  async function persist(): Promise<void> {
    const batch = outbox;
    outbox = [];
    const last = batch[batch.length - 1];
    const progress = { complaintId: state.complaintId, events: batch, snapshot: snapshot() };
    await (patched('complaint-file-local-writes') ? local.recordProgress(progress) : recordProgress(progress));
    persistedSeq = Math.max(persistedSeq, last.seq);
  }

  function snapshot() {
    const a = state.assessment;
    return {
      stage: state.stage,
      lastSeq: state.lastSeq,
      category: a?.category ?? null,
      severity: a?.severity ?? null,
      priority: a?.priority ?? null,
      patientSafety: a?.patientSafety ?? null,
      suspectedAdverseEvent: a?.suspectedAdverseEvent ?? null,
      reasonable: a?.reasonable ?? null,
      ownerId: state.owner.id,
      department: state.owner.department ?? null,
      reopenCount: state.reopenCount,
      breached: state.breached,
      rootCause: state.investigation.rootCause?.cause ?? null,
      investigationWaivedReason: state.investigation.waiver?.reason ?? null,
      remedy: state.resolution.agreed?.remedy ?? null,
      satisfactionScore: state.feedback[state.feedback.length - 1]?.score ?? null,
      markedForMediation: state.marks.mediation,
      markedForRegulator: state.marks.regulator,
      closedAt: state.closedAt ?? null,
      withdrawnReason: state.withdrawal?.reason ?? null,
      clocks: state.clocks,
    };
  }

  function view(): ComplaintState {
    return { ...state, awaiting: whatIsAwaited(state) };
  }

  // ---- Actions (updates) ----------------------------------------------------------------------
  let ready = false;

  function checkActor(args: Acting): void {
    const actor = args?.actor;
    if (!actor || typeof actor.id !== 'string' || actor.id.trim() === '' || !ROLES.includes(actor.role)) {
      refuse(REFUSAL.invalid, 'actor must have an id and one of the roles ' + ROLES.join(', '));
    }
  }

  /**
   * Registers one action: `check` throws a refusal (stage, role and preconditions), `apply`
   * changes the state and emits its events. The update answers once the events are stored.
   */
  function onAction<A extends Acting>(
    update: UpdateDefinition<ComplaintState, [A]>,
    action: Action | ((args: A) => Action),
    check: (args: A) => void,
    apply: (args: A, at: number) => void,
  ): void {
    const guard = (args: A) => {
      checkActor(args);
      const name = typeof action === 'function' ? action(args) : action;
      const refusal = refusalFor(name, state.stage, args.actor.role);
      if (refusal) refuse(refusal.kind === 'stage' ? REFUSAL.illegalTransition : REFUSAL.forbidden, refusal.reason);
      check(args);
    };
    setHandler(
      update,
      async (args: A) => {
        await condition(() => ready);
        guard(args); // state may have moved since the validator ran
        apply(args, now());
        const seq = state.lastSeq;
        await condition(() => persistedSeq >= seq);
        return view();
      },
      { validator: guard },
    );
  }

  const nothing = () => undefined;
  const requireText = (value: unknown, field: string) => {
    if (typeof value !== 'string' || value.trim() === '') refuse(REFUSAL.invalid, `${field} is required`);
  };
  const requireScore = (value: unknown) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 5) {
      refuse(REFUSAL.invalid, 'score must be a whole number from 1 to 5');
    }
  };

  // Intake
  onAction(
    updates.verifyComplainant,
    'verifyComplainant',
    (a) => requireText(a.method, 'method'),
    (a, at) => {
      state.intake.complainantVerified = { by: a.actor, at, method: a.method, note: a.note };
      emit(a.actor, 'complainant.verified', { method: a.method, note: a.note });
    },
  );
  onAction(
    updates.verifyItem,
    'verifyItem',
    (a) => {
      if (!a.checks || typeof a.checks !== 'object') refuse(REFUSAL.invalid, 'checks are required');
    },
    (a, at) => {
      state.intake.itemVerified = { by: a.actor, at, checks: a.checks, note: a.note };
      emit(a.actor, 'item.verified', { checks: a.checks, note: a.note });
    },
  );
  onAction(
    updates.recordContact,
    'recordContact',
    (a) => requireText(a.summary, 'summary'),
    (a, at) => {
      emit(a.actor, 'complainant.contacted', { channel: a.channel, summary: a.summary });
      if (state.intake.firstContactAt === undefined) {
        state.intake.firstContactAt = at;
        meet('firstContact', at);
      }
    },
  );
  onAction(
    updates.acknowledge,
    'acknowledge',
    (a) => {
      if (state.intake.acknowledgedAt !== undefined) refuse(REFUSAL.illegalTransition, 'the acknowledgement was already sent');
      if (a.expectedResolutionBy !== undefined && !(a.expectedResolutionBy > state.receivedAt)) {
        refuse(REFUSAL.invalid, 'expectedResolutionBy must be after the receipt');
      }
    },
    (a, at) => {
      const expected = a.expectedResolutionBy ?? currentClock('resolution')?.dueAt ?? defaultExpectedResolution();
      state.intake.acknowledgedAt = at;
      state.intake.expectedResolutionBy = expected;
      emit(a.actor, 'complainant.acknowledged', { channel: a.channel, expectedResolutionBy: expected });
      meet('acknowledgement', at);
    },
  );
  /** Before assessment, the expected resolution date is the general severity tier's. */
  function defaultExpectedResolution(): number {
    const levels = requireServiceLevels();
    const clock = startClock(levels.calendar, {
      kind: 'resolution',
      cycle: 1,
      specs: [levels.policy.severity.general],
      startedAt: state.receivedAt,
      warningFractions: warningFractionsOf(levels.policy),
    });
    return clock.dueAt;
  }
  onAction(
    updates.completeIntake,
    'completeIntake',
    () => {
      const missing: string[] = [];
      if (!state.intake.complainantVerified) missing.push('complainant verification');
      if (!state.intake.itemVerified) missing.push('item verification');
      if (state.intake.firstContactAt === undefined) missing.push('first contact with the complainant');
      if (missing.length) refuse(REFUSAL.illegalTransition, `intake is not complete: missing ${missing.join(', ')}`);
    },
    (a, at) => {
      state.intake.completedAt = at;
      moveTo('assessment', a.actor);
    },
  );

  // Assessment, and re-assessment by a supervisor later on
  onAction(
    updates.assess,
    () => (state.stage === 'assessment' ? 'assess' : 'reassess'),
    (a) => {
      requireText(a.ownerId, 'ownerId');
      requireText(a.category, 'category');
      requireText(a.severity, 'severity');
      requireText(a.department, 'department');
    },
    (a, at) => {
      const first = state.assessment === undefined;
      const previous = state.assessment;
      state.assessment = {
        by: a.actor,
        at,
        category: a.category,
        severity: a.severity,
        patientSafety: a.patientSafety,
        suspectedAdverseEvent: a.suspectedAdverseEvent,
        reasonable: a.reasonable,
        department: a.department,
        ownerId: a.ownerId,
        rationale: a.rationale,
        priority: triagePriority(a.patientSafety, a.suspectedAdverseEvent),
      };
      state.owner = { id: a.ownerId, department: a.department };
      const crisisNow = a.severity === 'crisis' && !state.marks.crisis;
      if (a.severity === 'crisis') state.marks.crisis = true;
      emit(a.actor, first ? 'assessed' : 'reassessed', {
        category: a.category,
        severity: a.severity,
        patientSafety: a.patientSafety,
        suspectedAdverseEvent: a.suspectedAdverseEvent,
        reasonable: a.reasonable,
        department: a.department,
        ownerId: a.ownerId,
        priority: state.assessment.priority,
        rationale: a.rationale,
        ...(previous ? { previous: { category: previous.category, severity: previous.severity } } : {}),
      });
      // A crisis (media, a severe conflict) goes straight to management's crisis team.
      if (crisisNow) escalate(a.actor, 'management', 'supervisor', 'crisis: ' + (a.rationale ?? 'assessed as a crisis'));
      if (first && a.category === 'product_performance') holdTheLot(a.actor, at);
      if (first) {
        // The category's clocks count from receipt: the time spent classifying is the company's.
        begin('firstResponse', state.receivedAt);
        if (state.firstResponseAt !== undefined) meet('firstResponse', state.firstResponseAt);
        begin('resolution', state.receivedAt);
        begin('preliminaryVerification', at);
        moveTo('investigation', a.actor);
      } else {
        recomputeOpenClocks('reassessed', a.actor, ['firstResponse', 'resolution']);
      }
    },
  );
  onAction(
    updates.respond,
    'respond',
    (a) => requireText(a.summary, 'summary'),
    (a, at) => {
      emit(a.actor, 'complainant.responded', { channel: a.channel, summary: a.summary });
      if (state.firstResponseAt === undefined) {
        state.firstResponseAt = at;
        meet('firstResponse', at);
      }
    },
  );

  // Investigation
  onAction(
    updates.recordFinding,
    'recordFinding',
    (a) => {
      requireText(a.summary, 'summary');
      requireText(a.department, 'department');
    },
    (a, at) => {
      const evidenceRefs = Array.isArray(a.evidenceRefs) ? a.evidenceRefs : [];
      state.investigation.findings.push({ by: a.actor, at, department: a.department, summary: a.summary, evidenceRefs });
      emit(a.actor, 'finding.recorded', { department: a.department, summary: a.summary, evidenceRefs });
      meet('preliminaryVerification', at);
    },
  );
  onAction(
    updates.setRootCause,
    'setRootCause',
    (a) => requireText(a.cause, 'cause'),
    (a, at) => {
      state.investigation.rootCause = { by: a.actor, at, cause: a.cause, note: a.note };
      emit(a.actor, 'root_cause.set', { cause: a.cause, note: a.note });
    },
  );
  onAction(
    updates.waiveInvestigation,
    'waiveInvestigation',
    (a) => {
      requireText(a.reason, 'reason');
      if (state.investigation.waiver) refuse(REFUSAL.illegalTransition, 'the investigation is already waived');
    },
    (a, at) => {
      state.investigation.waiver = { by: a.actor, at, reason: a.reason };
      emit(a.actor, 'investigation.waived', { reason: a.reason });
      cancelOpenClocks('investigation waived', 'preliminaryVerification');
    },
  );
  onAction(
    updates.awaitCustomer,
    'awaitCustomer',
    (a) => {
      requireText(a.reason, 'reason');
      if (state.awaitingCustomer) refuse(REFUSAL.illegalTransition, 'the customer is already awaited');
    },
    (a, at) => {
      state.awaitingCustomer = { by: a.actor, at, reason: a.reason };
      emit(a.actor, 'customer.awaited', { reason: a.reason, pausedClocks: pauseServiceClocks(at) });
    },
  );
  /** Resumes every paused service clock; their due times move by the time paused. */
  function resumeServiceClocks(at: number): Array<{ clockId: string; dueAt: number }> {
    const levels = requireServiceLevels();
    const resumed: Array<{ clockId: string; dueAt: number }> = [];
    state.clocks = state.clocks.map((c) => {
      if (c.status !== 'paused') return c;
      const next = resumeClock(levels.calendar, c, at, warningFractionsOf(levels.policy));
      resumed.push({ clockId: c.id, dueAt: next.dueAt });
      return next;
    });
    return resumed;
  }
  function resumeClocks(actor: Actor, note: string | undefined, at: number): void {
    const resumedClocks = resumeServiceClocks(at);
    state.awaitingCustomer = undefined;
    emit(actor, 'customer.responded', { note, resumedClocks });
  }
  onAction(
    updates.customerResponded,
    'customerResponded',
    () => {
      if (!state.awaitingCustomer) refuse(REFUSAL.illegalTransition, 'the customer is not being awaited');
    },
    (a, at) => resumeClocks(a.actor, a.note, at),
  );
  onAction(
    updates.completeInvestigation,
    'completeInvestigation',
    () => {
      const inv = state.investigation;
      if (state.awaitingCustomer) refuse(REFUSAL.illegalTransition, 'the customer is still awaited');
      if (!inv.waiver && (inv.findings.length === 0 || !inv.rootCause)) {
        refuse(REFUSAL.illegalTransition, 'the investigation needs at least one finding and a root cause, or a waiver');
      }
    },
    (a, at) => {
      state.investigation.completedAt = at;
      moveTo('resolution', a.actor);
    },
  );

  // Resolution
  onAction(
    updates.proposeRemedy,
    'proposeRemedy',
    (a) => {
      requireText(a.remedy, 'remedy');
      requireText(a.details, 'details');
      if (state.resolution.proposal?.approval?.approved) {
        refuse(REFUSAL.illegalTransition, 'an approved remedy is with the customer: record their decision first');
      }
    },
    (a, at) => {
      state.resolution.proposal = { by: a.actor, at, remedy: a.remedy, details: a.details };
      emit(a.actor, 'remedy.proposed', { remedy: a.remedy, details: a.details });
    },
  );
  onAction(
    updates.approveRemedy,
    'approveRemedy',
    () => {
      const proposal = state.resolution.proposal;
      if (!proposal) refuse(REFUSAL.illegalTransition, 'there is no proposed remedy to approve');
      if (proposal.approval) refuse(REFUSAL.illegalTransition, 'the proposed remedy was already decided');
    },
    (a, at) => {
      const proposal = state.resolution.proposal!;
      proposal.approval = { by: a.actor, at, approved: a.approved, note: a.note };
      emit(a.actor, a.approved ? 'remedy.approved' : 'remedy.declined', { remedy: proposal.remedy, note: a.note });
      if (a.approved) meet('resolution', at);
      else state.resolution.proposal = undefined;
    },
  );
  onAction(
    updates.recordCustomerDecision,
    'recordCustomerDecision',
    () => {
      if (!state.resolution.proposal?.approval?.approved) {
        refuse(REFUSAL.illegalTransition, 'no approved remedy has been put to the customer');
      }
    },
    (a, at) => {
      if (state.awaitingCustomer) resumeClocks(a.actor, 'the customer answered with a decision', at);
      const proposal = state.resolution.proposal!;
      // Putting the remedy to the customer was a reply to them, if none was recorded before.
      if (state.firstResponseAt === undefined) {
        state.firstResponseAt = at;
        meet('firstResponse', at);
      }
      if (a.accepted) {
        state.resolution.agreed = { ...proposal, acceptedAt: at };
        emit(a.actor, 'remedy.accepted_by_customer', { remedy: proposal.remedy, note: a.note });
        moveTo('feedback', a.actor);
      } else {
        state.resolution.customerRejections++;
        state.resolution.proposal = undefined;
        emit(a.actor, 'remedy.rejected_by_customer', { remedy: proposal.remedy, note: a.note });
      }
    },
  );

  // Feedback: satisfied goes on to the revisit; dissatisfied reopens the investigation
  onAction(
    updates.recordFeedback,
    'recordFeedback',
    (a) => requireScore(a.score),
    (a, at) => {
      state.feedback.push({ by: a.actor, at, satisfied: a.satisfied, score: a.score, comment: a.comment });
      emit(a.actor, 'feedback.recorded', { satisfied: a.satisfied, score: a.score, comment: a.comment });
      if (!a.satisfied) {
        reopen(a.actor, at);
        return;
      }
      const { policy } = requireServiceLevels();
      const rule = policy.categories[state.assessment!.category].revisit;
      const sampled = isSampledForRevisit(state.complaintId, rule.share);
      if (sampled) {
        state.revisit = { sampled, due: false, dueAt: at + rule.afterDays * DAY };
        moveTo('revisit', a.actor, { revisitDueAt: state.revisit.dueAt });
      } else {
        state.revisit = { sampled, due: false };
        close(a.actor, at, 'not sampled for a revisit');
      }
    },
  );
  function reopen(actor: Actor, at: number): void {
    state.reopenCount++;
    state.investigation.completedAt = undefined;
    state.resolution.proposal = undefined;
    state.resolution.agreed = undefined;
    moveTo('investigation', actor, { reopen: state.reopenCount });
    // A new resolution clock for the new cycle; the earlier ones keep their outcome on file.
    begin('resolution', at, state.reopenCount + 1);
  }
  onAction(
    updates.recordRevisit,
    'recordRevisit',
    (a) => {
      requireScore(a.score);
      if (!state.revisit?.due) refuse(REFUSAL.illegalTransition, 'the revisit is not due yet');
    },
    (a, at) => {
      state.revisit!.outcome = {
        by: a.actor,
        at,
        deviceWorking: a.deviceWorking,
        solvedAtRoot: a.solvedAtRoot,
        score: a.score,
        note: a.note,
      };
      emit(a.actor, 'revisit.recorded', {
        deviceWorking: a.deviceWorking,
        solvedAtRoot: a.solvedAtRoot,
        score: a.score,
        note: a.note,
      });
      close(a.actor, at, 'revisit done');
    },
  );
  function close(actor: Actor, at: number, reason: string): void {
    cancelOpenClocks('complaint closed');
    state.closedAt = at;
    moveTo('closed', actor, { reason });
  }

  // Any stage
  onAction(
    updates.withdraw,
    'withdraw',
    (a) => requireText(a.reason, 'reason'),
    (a, at) => {
      state.withdrawal = { by: a.actor, at, reason: a.reason };
      cancelOpenClocks('complaint withdrawn');
      state.awaitingCustomer = undefined;
      state.closedAt = at;
      moveTo('withdrawn', a.actor, { reason: a.reason });
    },
  );
  onAction(
    updates.reassign,
    'reassign',
    (a) => {
      requireText(a.ownerId, 'ownerId');
      requireText(a.reason, 'reason');
    },
    (a) => {
      const from = state.owner;
      state.owner = { id: a.ownerId, department: a.department ?? state.owner.department };
      emit(a.actor, 'reassigned', { from, to: state.owner, reason: a.reason });
    },
  );
  onAction(
    updates.addNote,
    'addNote',
    (a) => requireText(a.text, 'text'),
    (a) => emit(a.actor, 'note.added', { text: a.text }),
  );

  // ---- Regulatory reports ----------------------------------------------------------------------
  const distributorAwareAt = input.intake.distributorAwareAt ? Date.parse(input.intake.distributorAwareAt) : undefined;

  function isKnownRule(ruleId: string): boolean {
    try {
      reportingRule(ruleId);
      return true;
    } catch {
      return false;
    }
  }

  /** Day 0: the company's receipt of the complaint, or its distributor's awareness if earlier. */
  function reportDay0(): number {
    return awarenessDay0({ companyAwareAt: state.receivedAt, distributorAwareAt });
  }

  function openReport(ruleId: string, day0: number, actor: Actor, reason: string, reportId = `${state.complaintId}:report:${ruleId}`): void {
    if (state.regulatory.reports.some((r) => r.reportId === reportId)) return;
    const rule = reportingRule(ruleId);
    state.regulatory.reports.push({ reportId, ruleId, jurisdiction: rule.jurisdiction, status: 'starting' });
    state.marks.regulator = true;
    emit(actor, 'regulatory.report_opened', { reportId, ruleId, jurisdiction: rule.jurisdiction, citation: rule.citation, day0, reason });
    const reportInput: RegulatoryReportInput = {
      reportId,
      subject: { complaintId: state.complaintId },
      ruleId,
      day0,
      startedBy: actor,
      reason,
      notifyWorkflowId: state.complaintId,
      reminders: policy?.regulatoryReminders ?? DEFAULT_POLICY.regulatoryReminders,
    };
    // Reports outlive the complaint if need be: the legal duty does not end with a withdrawal.
    commands.push(async () => {
      await startChild(regulatoryReport, { workflowId: reportId, args: [reportInput], parentClosePolicy: 'ABANDON' });
    });
  }

  function reportsOpen(): boolean {
    return state.regulatory.reports.some((r) => r.status !== 'submitted');
  }

  /** The officer's decision checked against the rules' proposal; a departure needs a reason. */
  function reportabilityDecision(a: ActionArgs<'decideReportability'>): Omit<ReportabilityDecision, 'by' | 'at'> {
    if (!a.facts || typeof a.facts !== 'object') refuse(REFUSAL.invalid, 'facts are required');
    const facts: ReportabilityFacts = { ...a.facts, companyAwareAt: state.receivedAt, distributorAwareAt };
    let proposals;
    try {
      proposals = proposeReportability(facts);
    } catch (err) {
      refuse(REFUSAL.invalid, (err as Error).message);
    }
    for (const given of a.decisions ?? []) {
      if (!proposals.some((p) => p.jurisdiction === given.jurisdiction)) refuse(REFUSAL.invalid, `unknown jurisdiction ${given.jurisdiction}`);
    }
    const decided = proposals.map((p): JurisdictionDecision & { overridden: boolean } => {
      const proposedRule = p.rules.find((r) => r.clock.unit !== 'none')?.id ?? p.rules[0]?.id;
      const given = a.decisions?.find((d) => d.jurisdiction === p.jurisdiction);
      const reportable = given?.reportable ?? p.reportable;
      const ruleId = reportable ? (given?.ruleId ?? proposedRule) : undefined;
      if (ruleId && (!isKnownRule(ruleId) || reportingRule(ruleId).jurisdiction !== p.jurisdiction)) {
        refuse(REFUSAL.invalid, `${p.jurisdiction}: ${ruleId} is not a reporting rule of that jurisdiction`);
      }
      if (reportable && !ruleId) refuse(REFUSAL.invalid, `${p.jurisdiction}: the rules propose no report; name the rule (ruleId) it runs under`);
      const overridden = reportable !== p.reportable || (reportable && ruleId !== proposedRule);
      if (overridden && !given?.reason?.trim()) {
        refuse(REFUSAL.invalid, `${p.jurisdiction}: departing from the rules' proposal (${p.reportable ? proposedRule : 'not reportable'}) needs a reason`);
      }
      return { jurisdiction: p.jurisdiction, reportable, ...(ruleId ? { ruleId } : {}), ...(given?.reason ? { reason: given.reason } : {}), overridden };
    });
    return {
      facts: a.facts,
      day0: awarenessDay0(facts),
      proposed: proposals.map((p) => ({ jurisdiction: p.jurisdiction, reportable: p.reportable, ruleIds: p.rules.map((r) => r.id), rationale: p.rationale })),
      decided,
      note: a.note,
    };
  }

  onAction(
    updates.decideReportability,
    'decideReportability',
    (a) => void reportabilityDecision(a),
    (a, at) => {
      const decision = { ...reportabilityDecision(a), by: a.actor, at };
      state.regulatory.decisions.push(decision);
      emit(a.actor, 'reportability.decided', { ...decision, by: undefined, at: undefined });
      for (const d of decision.decided) {
        if (!d.reportable || !d.ruleId) continue;
        const rule = reportingRule(d.ruleId);
        if (rule.clock.unit === 'none') continue; // e.g. an EU trend report: on record, no clock
        const current = state.regulatory.reports.filter((r) => r.jurisdiction === d.jurisdiction && r.ruleId !== 'us.803.56' && !r.reportId.includes(':report:cn.group.'));
        const existing = current[current.length - 1];
        if (!existing) {
          openReport(d.ruleId, decision.day0, a.actor, 'reportability decision');
        } else if (existing.status !== 'submitted') {
          const from = reportingRule(existing.ruleId);
          if (from.clock.unit === 'none' || nominalClockHours(rule.clock) < nominalClockHours(from.clock)) {
            const reason = `facts changed: ${a.note ?? 'new reportability decision'}`;
            commands.push(() => getExternalWorkflowHandle(existing.reportId).signal(tightenReportSignal, { actor: a.actor, ruleId: rule.id, reason }));
          }
        } else if (d.jurisdiction === 'US' && !state.regulatory.reports.some((r) => r.ruleId === 'us.803.56' && r.status !== 'submitted')) {
          // 21 CFR 803.56: new information after a filed report calls for a supplemental report.
          const n = state.regulatory.reports.filter((r) => r.ruleId === 'us.803.56').length + 1;
          openReport('us.803.56', at, a.actor, 'new information after the filed report', `${state.complaintId}:report:us.803.56:${n}`);
        }
      }
    },
  );

  setHandler(regulatoryReportProgressSignal, (p) => {
    let summary = state.regulatory.reports.find((r) => r.reportId === p.reportId);
    if (!summary) {
      summary = { reportId: p.reportId, ruleId: p.ruleId, jurisdiction: p.jurisdiction, status: p.status };
      state.regulatory.reports.push(summary);
    }
    summary.ruleId = p.ruleId;
    summary.status = p.status;
    summary.dueAt = p.dueAt;
    if (p.event.action === 'submitted') {
      summary.submittedAt = p.event.data.submittedAt as number;
      summary.reference = p.event.data.reference as string;
    }
    emit(p.event.actor, `regulatory.${p.event.action}`, { reportId: p.reportId, ruleId: p.ruleId, jurisdiction: p.jurisdiction, ...p.event.data });
    if (p.event.action === 'breached') {
      state.escalations.push({ by: SYSTEM_ACTOR, at: now(), target: 'regulator', level: 'qa', reason: `regulatory report overdue: ${p.ruleId}` });
      state.escalations.push({ by: SYSTEM_ACTOR, at: now(), target: 'regulator', level: 'supervisor', reason: `regulatory report overdue: ${p.ruleId}` });
    }
  });

  // ---- Group events and product holds --------------------------------------------------------
  setHandler(clusterFlaggedSignal, async (f) => {
    await condition(() => ready);
    if (state.cluster?.clusterAlertId === f.clusterAlertId) return;
    state.cluster = { ...f };
    emit(SYSTEM_ACTOR, 'cluster.flagged', { ...f, notify: ['qa', 'supervisor'] });
  });
  setHandler(groupEventConfirmedSignal, async (g) => {
    await condition(() => ready);
    if (state.cluster && state.cluster.clusterAlertId === g.clusterAlertId) state.cluster.confirmedAt = g.confirmedAt;
    emit(g.confirmedBy, 'cluster.confirmed', { clusterAlertId: g.clusterAlertId, day0: g.day0 });
    // Each case of a confirmed group event is filed as an individual report within 24 hours.
    openReport('cn.group.individual', g.day0, g.confirmedBy, `group event ${g.clusterAlertId} confirmed`);
  });
  /** A quality complaint puts its model and lot on hold (not to be shipped) until QA releases it. */
  function holdTheLot(actor: Actor, at: number): void {
    const { productName, model, lot } = input.intake.device;
    if (!model || !lot) return;
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
      if (!state.productHolds.some((h) => h.holdId === hold.holdId)) {
        state.productHolds.push({ holdId: hold.holdId, model, lot, status: hold.status });
      }
      emit(SYSTEM_ACTOR, hold.created ? 'product.hold_placed' : 'product.hold_linked', { holdId: hold.holdId, model, lot, status: hold.status });
    });
  }

  setHandler(productHoldReleasedSignal, async (r) => {
    await condition(() => ready);
    const hold = state.productHolds.find((h) => h.holdId === r.holdId);
    if (hold) {
      hold.status = 'released';
      hold.decision = r.decision;
    }
    emit(r.by, 'product.hold_released', { holdId: r.holdId, decision: r.decision, reason: r.reason });
  });

  onAction(
    updates.answerBreach,
    'answerBreach',
    (a) => {
      requireText(a.response, 'response');
      const open = state.breachFollowUps.some((f) => f.clockId === a.clockId && f.answeredAt === undefined && f.escalatedAt === undefined);
      if (!open) refuse(REFUSAL.illegalTransition, `no unanswered breach of ${a.clockId}`);
    },
    (a, at) => {
      answerBreach(a.clockId, at);
      emit(a.actor, 'breach.answered', { clockId: a.clockId, response: a.response });
    },
  );

  // ---- Mediation and the legal route ----------------------------------------------------------
  function pauseServiceClocks(at: number): string[] {
    const paused: string[] = [];
    state.clocks = state.clocks.map((c) => {
      if (c.status !== 'running') return c;
      paused.push(c.id);
      return pauseClock(c, at);
    });
    return paused;
  }

  let pendingMediations = 0;
  function startMediation(actor: Actor, reason: string, body: string, deadlineDays: number): void {
    if (pendingMediations > 0) return; // one mediation at a time
    const at = now();
    const n = history.filter((e) => e.action === 'stage.changed' && e.data.to === 'mediation').length + pendingMediations + 1;
    pendingMediations++;
    const mediationInput: MediationInput = {
      mediationId: `${state.complaintId}:mediation:${n}`,
      complaintId: state.complaintId,
      body,
      deadlineAt: at + deadlineDays * DAY,
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
      void child.result().then(onMediationEnded);
      pendingMediations--;
      state.mediation = { mediationId: mediationInput.mediationId, body, startedAt: at, deadlineAt: mediationInput.deadlineAt, sessions: 0 };
      // The company's service clocks wait while an outside body decides.
      const pausedClocks = pauseServiceClocks(now());
      moveTo('mediation', actor, { mediationId: mediationInput.mediationId, body, deadlineAt: mediationInput.deadlineAt, pausedClocks });
    });
  }

  function onMediationEnded(result: MediationState): void {
    if (isFinal() || state.stage !== 'mediation' || state.mediation?.mediationId !== result.mediationId) return;
    const at = now();
    const actor = result.decidedBy ?? SYSTEM_ACTOR;
    state.mediation.outcome = result.outcome;
    emit(actor, `mediation.${result.outcome}`, { mediationId: result.mediationId, agreedRemedy: result.agreedRemedy, note: result.note, sessions: result.sessions.length });
    if (result.outcome === 'settled' && result.agreedRemedy) {
      const resumedClocks = resumeServiceClocks(at);
      if (resumedClocks.length) emit(actor, 'clocks.resumed', { reason: 'mediation settled', resumedClocks });
      const agreed = { by: actor, at, remedy: result.agreedRemedy.remedy, details: result.agreedRemedy.details };
      state.resolution.agreed = { ...agreed, approval: { by: actor, at, approved: true, note: 'agreed in mediation' }, acceptedAt: at };
      meet('resolution', at);
      moveTo('feedback', actor, { via: 'mediation' });
    } else {
      // Failed or out of time: the legal route. The service clocks no longer apply.
      cancelOpenClocks('mediation ' + result.outcome + ': legal route');
      state.marks.legal = true;
      state.legal = { since: at };
      moveTo('legal', actor, { mediationOutcome: result.outcome });
    }
  }

  setHandler(mediationSessionSignal, ({ mediationId, session }) => {
    if (state.mediation?.mediationId !== mediationId) return;
    state.mediation.sessions++;
    emit(session.by, 'mediation.session', { mediationId, heldAt: session.heldAt, summary: session.summary });
  });

  onAction(
    updates.closeLegalRoute,
    'closeLegalRoute',
    (a) => requireText(a.outcome, 'outcome'),
    (a, at) => {
      state.legal = { ...(state.legal ?? { since: at }), outcome: a.outcome, note: a.note, closedBy: a.actor, closedAt: at };
      emit(a.actor, 'legal.closed', { outcome: a.outcome, note: a.note });
      close(a.actor, at, 'legal route closed');
    },
  );

  // Escalations are signals: the supervisor's word is recorded, never refused by the workflow.
  setHandler(escalateSignal, async (e) => {
    await condition(() => ready);
    if (isFinal()) return; // the API refuses these before signalling; a late one changes nothing
    if (e.target === 'mediation') state.marks.mediation = true;
    if (e.target === 'regulator') state.marks.regulator = true;
    escalate(e.actor, e.target === 'regulator' ? 'qa' : 'supervisor', e.target, e.reason, e.ruleId ? { ruleId: e.ruleId } : {});
    // When the customer and the company cannot agree on a remedy, a third party mediates.
    if (e.target === 'mediation' && (state.stage === 'resolution' || state.stage === 'feedback')) {
      startMediation(e.actor, e.reason, e.mediator ?? 'mediation body to be named', e.deadlineDays ?? 30);
    }
    // A regulator escalation that names the rule starts that report at once; otherwise QA decides.
    if (e.target === 'regulator' && e.ruleId && isKnownRule(e.ruleId) && reportingRule(e.ruleId).clock.unit !== 'none') {
      openReport(e.ruleId, reportDay0(), e.actor, `supervisor's escalation: ${e.reason}`);
    }
  });
  setHandler(calendarCorrectedSignal, async (c) => {
    await condition(() => ready);
    if (isFinal() || !calendar || c.calendar?.id !== calendar.id) return;
    calendar = c.calendar;
    recomputeOpenClocks(`calendar ${c.calendar.id} corrected: ${c.reason}`, c.actor);
  });

  setHandler(stateQuery, (): ComplaintView => ({ ...view(), history }));
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
  emit(input.receivedBy, 'complaint.received', {
    number: receipt.number,
    channel: input.intake.channel,
    policy: state.policy,
  });
  begin('firstContact', input.receivedAt);
  begin('acknowledgement', input.receivedAt);
  ready = true;

  while (true) {
    processDeadlines();
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
    if (isFinal() && !reportsOpen()) break;
    const seen = changes;
    const next = nextDeadline();
    const wait = next === undefined ? undefined : Math.max(next - now(), 1);
    await condition(() => changes !== seen, wait);
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
