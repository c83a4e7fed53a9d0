/**
 * The complaint's SLA clocks as bookkeeping on a change: begun, met (late ones record their
 * breach), cancelled, recomputed, paused and resumed; warnings and breaches as of an instant; the
 * next instant anything falls due. Built on the pure clock rules of workflows/rules/clocks.ts; each
 * function here works on the change it is given (a transition's own copy of the state).
 */
import type { ComplaintState } from '../contract.js';
import { FINAL_STAGES, SYSTEM_ACTOR, type Actor } from '../model.js';
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
} from '../rules/clocks.js';
import { resolutionSpecs, warningFractionsOf, type ClockKind, type ClockSpec, type ServiceLevelPolicy } from '../rules/sla-policy.js';
import { effectiveSeverity } from '../rules/triage.js';
import { transition, type Change, type Context, type Outcome } from './change.js';

/** The latest clock of a kind (a reopen starts a new cycle of the resolution clock). */
export function currentClock(state: ComplaintState, kind: ClockKind): SlaClock | undefined {
  for (let i = state.clocks.length - 1; i >= 0; i--) if (state.clocks[i].kind === kind) return state.clocks[i];
  return undefined;
}

function replaceClock(state: ComplaintState, clock: SlaClock): void {
  state.clocks = state.clocks.map((c) => (c.id === clock.id ? clock : c));
}

/** What a clock of this kind runs to under the policy: the category's and severity's for the later ones. */
export function defaultSpecs(state: ComplaintState, policy: ServiceLevelPolicy, kind: ClockKind): ClockSpec[] {
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

export function begin(change: Change, kind: ClockKind, startedAt: number, cycle = 1, specs?: ClockSpec[]): SlaClock {
  const { state, ctx } = change;
  const clock = startClock(ctx.calendar, {
    kind,
    cycle,
    specs: specs ?? defaultSpecs(state, ctx.policy, kind),
    startedAt,
    warningFractions: warningFractionsOf(ctx.policy),
  });
  state.clocks = [...state.clocks, clock];
  change.emit(SYSTEM_ACTOR, 'clock.started', {
    clockId: clock.id,
    kind,
    startedAt,
    dueAt: clock.dueAt,
    ...(clock.beyondCalendar ? { warning: 'due time computed past the calendar’s known dates' } : {}),
  });
  return clock;
}

/** A breach on record: the supervisor is told, and an unanswered breach goes up to management later. */
function recordBreach(change: Change, clock: SlaClock): void {
  const { state, ctx } = change;
  state.breached = true;
  state.escalations.push({ target: 'supervisor', level: 'supervisor', reason: `SLA breach: ${clock.kind}`, by: SYSTEM_ACTOR, at: ctx.at });
  const minutes = ctx.policy?.escalation?.unansweredBreachMinutes ?? 240;
  const escalateAt = Math.max(ctx.at, clock.breachedAt ?? clock.dueAt) + minutes * 60_000;
  state.breachFollowUps.push({ clockId: clock.id, escalateAt });
  change.emit(SYSTEM_ACTOR, 'clock.breached', { clockId: clock.id, kind: clock.kind, dueAt: clock.dueAt, escalatedTo: 'supervisor', unansweredEscalatesAt: escalateAt });
}

/** A breach answered (by the supervisor, or by the late action itself) stops going up. */
export function answerBreach(state: ComplaintState, clockId: string, at: number): boolean {
  const followUp = state.breachFollowUps.find((f) => f.clockId === clockId && f.answeredAt === undefined && f.escalatedAt === undefined);
  if (!followUp) return false;
  followUp.answeredAt = at;
  return true;
}

/** The clock's action happened at `at`; late actions record the breach they caused. */
export function meet(change: Change, kind: ClockKind, at: number): void {
  const { state, ctx } = change;
  const clock = currentClock(state, kind);
  if (!clock || clock.status === 'met' || clock.status === 'cancelled') return;
  if (clock.status === 'breached' && clock.metAt !== undefined) return;
  const result = meetClock(ctx.calendar, clock, at, warningFractionsOf(ctx.policy));
  replaceClock(state, result.clock);
  if (result.breachedNow) recordBreach(change, result.clock);
  if (result.clock.status === 'breached') answerBreach(state, clock.id, at);
  change.emit(SYSTEM_ACTOR, result.clock.status === 'met' ? 'clock.met' : 'clock.met_late', {
    clockId: clock.id,
    kind,
    metAt: at,
    dueAt: result.clock.dueAt,
  });
}

/** Stops every open clock (or those of one kind): their actions are no longer owed. */
export function cancelOpenClocks(change: Change, reason: string, only?: ClockKind): void {
  const { state, ctx } = change;
  for (const clock of state.clocks) {
    if (!isOpen(clock) || (only && clock.kind !== only)) continue;
    replaceClock(state, cancelClock(clock, ctx.at));
    change.emit(SYSTEM_ACTOR, 'clock.cancelled', { clockId: clock.id, kind: clock.kind, reason });
  }
}

/** Open clocks due again from their start: on the policy's specs for `kinds`, on their own otherwise. */
export function recomputeOpenClocks(change: Change, reason: string, actor: Actor, kinds?: ClockKind[]): void {
  const { state, ctx } = change;
  const changed: Array<{ clockId: string; from: number; to: number }> = [];
  for (const clock of state.clocks) {
    if (!isOpen(clock) || (kinds && !kinds.includes(clock.kind))) continue;
    const specs = kinds ? defaultSpecs(state, ctx.policy, clock.kind) : clock.specs;
    const next = recomputeClock(ctx.calendar, clock, warningFractionsOf(ctx.policy), specs);
    replaceClock(state, next);
    if (next.dueAt !== clock.dueAt) changed.push({ clockId: clock.id, from: clock.dueAt, to: next.dueAt });
  }
  change.emit(actor, 'clocks.recomputed', { reason, changed });
}

/** Pauses every running clock (the customer is awaited, a mediation body decides); their ids. */
export function pauseServiceClocks(change: Change, at: number): string[] {
  const { state } = change;
  const paused: string[] = [];
  state.clocks = state.clocks.map((c) => {
    if (c.status !== 'running') return c;
    paused.push(c.id);
    return pauseClock(c, at);
  });
  return paused;
}

/** Resumes every paused clock; their due times move by the time paused. */
export function resumeServiceClocks(change: Change, at: number): Array<{ clockId: string; dueAt: number }> {
  const { state, ctx } = change;
  const resumed: Array<{ clockId: string; dueAt: number }> = [];
  state.clocks = state.clocks.map((c) => {
    if (c.status !== 'paused') return c;
    const next = resumeClock(ctx.calendar, c, at, warningFractionsOf(ctx.policy));
    resumed.push({ clockId: c.id, dueAt: next.dueAt });
    return next;
  });
  return resumed;
}

/** Before assessment, the expected resolution date is the general severity tier's. */
export function defaultExpectedResolution(state: ComplaintState, ctx: Context): number {
  const clock = startClock(ctx.calendar, {
    kind: 'resolution',
    cycle: 1,
    specs: [ctx.policy.severity.general],
    startedAt: state.receivedAt,
    warningFractions: warningFractionsOf(ctx.policy),
  });
  return clock.dueAt;
}

/** Warnings, breaches, unanswered breaches going up, and the revisit falling due, as of `ctx.at`. */
export function deadlinesAsOf(state: ComplaintState, ctx: Context): Outcome {
  // Nothing due yet (the main loop asks after every change): the same state back, uncopied.
  const next = nextDeadline(state);
  if (next === undefined || next > ctx.at) return { state, events: [], work: [] };
  return transition(state, ctx, (change) => {
    const s = change.state;
    const at = ctx.at;
    for (const clock of s.clocks) {
      const warned = warnIfDue(clock, at);
      if (warned.raised.length) replaceClock(s, warned.clock);
      for (const warning of warned.raised) {
        change.emit(SYSTEM_ACTOR, 'clock.warning', { clockId: clock.id, kind: clock.kind, dueAt: clock.dueAt, fraction: warning.fraction });
      }
      const breached = breachIfDue(warned.clock, at);
      if (breached.breachedNow) {
        replaceClock(s, breached.clock);
        recordBreach(change, breached.clock);
      }
    }
    for (const followUp of FINAL_STAGES.includes(s.stage) ? [] : s.breachFollowUps) {
      if (followUp.answeredAt === undefined && followUp.escalatedAt === undefined && at >= followUp.escalateAt) {
        followUp.escalatedAt = followUp.escalateAt;
        change.escalate(SYSTEM_ACTOR, 'management', 'supervisor', `breach of ${followUp.clockId} unanswered`, { clockId: followUp.clockId });
      }
    }
    const revisit = s.revisit;
    if (s.stage === 'revisit' && revisit?.dueAt !== undefined && !revisit.due && at >= revisit.dueAt) {
      revisit.due = true;
      change.emit(SYSTEM_ACTOR, 'revisit.due', { dueAt: revisit.dueAt });
    }
  });
}

/**
 * What falls due at `nextDeadline`, in the trade's words, for the Web UI: the summary of the timer
 * that waits for it and the workflow's current details. Clock ids, stages and times only: never
 * personal data (the summary is a payload like any other, encrypted by the codec, but it needs none).
 */
export function nextDeadlineSummary(state: ComplaintState): string | undefined {
  const at = nextDeadline(state);
  if (at === undefined) return undefined;
  const when = new Date(at).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  const due: string[] = [];
  for (const clock of state.clocks) {
    if (clock.status !== 'running') continue;
    const warning = clock.warnings.find((w) => w.raisedAt === undefined && w.at < clock.dueAt && w.at === at);
    if (warning) due.push(`${clock.id} clock: ${Math.round(warning.fraction * 100)}% warning`);
    else if (clock.dueAt === at) due.push(`${clock.id} clock: breach`);
  }
  if (state.stage === 'revisit' && !state.revisit?.due && state.revisit?.dueAt === at) due.push('revisit due');
  if (!FINAL_STAGES.includes(state.stage)) {
    for (const f of state.breachFollowUps) {
      if (f.answeredAt === undefined && f.escalatedAt === undefined && f.escalateAt === at) due.push(`${f.clockId} breach: escalation`);
    }
  }
  return `${due.join(', ') || 'deadline'} at ${when}`;
}

/** The next instant something falls due: a warning, a breach, a breach's follow-up, the revisit. */
export function nextDeadline(state: ComplaintState): number | undefined {
  const revisitDue = state.stage === 'revisit' && !state.revisit?.due ? state.revisit?.dueAt : undefined;
  const followUps = (FINAL_STAGES.includes(state.stage) ? [] : state.breachFollowUps)
    .filter((f) => f.answeredAt === undefined && f.escalatedAt === undefined)
    .map((f) => f.escalateAt);
  const candidates = [nextClockDeadline(state.clocks), revisitDue, ...followUps].filter((t): t is number => t !== undefined);
  return candidates.length ? Math.min(...candidates) : undefined;
}

/** An admin corrected the business calendar the clocks run on: open clocks due again from their start. */
export function calendarCorrected(state: ComplaintState, ctx: Context, reason: string, actor: Actor): Outcome {
  return transition(state, ctx, (change) => recomputeOpenClocks(change, reason, actor));
}
