/**
 * What every transition works with: the context it happens in, the change it builds (its own copy
 * of the complaint's state, the events it causes, the work it asks of the workflow) and the
 * refusal a check answers with.
 *
 * A transition is pure: it never touches the state it is given, it copies it, changes the copy and
 * returns it with its events. complaint.ts numbers and stores the events and carries out the work
 * (child workflows, signals, activities), so the rules of the trade can be tested without a worker.
 */
import { REFUSAL, type ComplaintState, type Escalation, type EscalationLevel } from '../contract.js';
import type { Actor, IntakeRecord, Stage } from '../model.js';
import type { BusinessCalendar } from '../rules/calendar.js';
import type { ServiceLevelPolicy } from '../rules/sla-policy.js';
import type { RegulatoryReportInput, TightenReport } from '../regulatory-report-contract.js';

export const DAY = 24 * 60 * 60 * 1000;

/** When and under what a change happens. */
export interface Context {
  /** The workflow's now. */
  at: number;
  policy: ServiceLevelPolicy;
  calendar: BusinessCalendar;
  /** The intake card as filed: the device (for a product hold), the distributor's awareness. */
  intake: IntakeRecord;
}

/** An event before complaint.ts gives it its sequence number and instant. */
export interface Emitted {
  actor: Actor;
  action: string;
  data: Record<string, unknown>;
}

/** Work a transition needs done outside the state; complaint.ts carries it out, in order. */
export type Work =
  /** A third party mediates (at most one at a time; the stage moves once it has begun). */
  | { kind: 'startMediation'; actor: Actor; reason: string; body: string; deadlineAt: number }
  /** Start the report's own workflow (it outlives the complaint if need be). */
  | { kind: 'startReport'; input: RegulatoryReportInput }
  /** Tell an open report that the facts now call for a tighter rule. */
  | { kind: 'tightenReport'; reportId: string; tighten: TightenReport }
  /** A quality complaint puts its model and lot on hold until QA releases it. */
  | { kind: 'holdTheLot'; actor: Actor; at: number; productName: string; model: string; lot: string };

export interface Outcome {
  state: ComplaintState;
  events: Emitted[];
  work: Work[];
}

/** Why the workflow refuses an action: a failure type of REFUSAL and the reason. */
export interface Refused {
  type: (typeof REFUSAL)[keyof typeof REFUSAL];
  message: string;
}

export const refused = (type: Refused['type'], message: string): Refused => ({ type, message });

/** A required free-text field that came empty (the API's schema catches it first; a client of the workflow may not). */
export function missingText(value: unknown, field: string): Refused | undefined {
  if (typeof value !== 'string' || value.trim() === '') return refused(REFUSAL.invalid, `${field} is required`);
  return undefined;
}

export function badScore(value: unknown): Refused | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 5) {
    return refused(REFUSAL.invalid, 'score must be a whole number from 1 to 5');
  }
  return undefined;
}

/** A change in the making: a copy of the state to change, and what it causes, in order. */
export class Change {
  readonly state: ComplaintState;
  readonly events: Emitted[] = [];
  readonly work: Work[] = [];

  constructor(
    state: Readonly<ComplaintState>,
    readonly ctx: Context,
  ) {
    this.state = copyOf(state as ComplaintState);
  }

  emit(actor: Actor, action: string, data: Record<string, unknown> = {}): void {
    this.events.push({ actor, action, data });
  }

  moveTo(stage: Stage, actor: Actor, data: Record<string, unknown> = {}): void {
    const from = this.state.stage;
    this.state.stage = stage;
    this.emit(actor, 'stage.changed', { from, to: stage, ...data });
  }

  escalate(actor: Actor, level: EscalationLevel, target: Escalation['target'], reason: string, data: Record<string, unknown> = {}): void {
    this.state.escalations.push({ by: actor, at: this.ctx.at, target, level, reason });
    this.emit(actor, 'escalated', { target, level, reason, ...data });
  }

  done(): Outcome {
    return { state: this.state, events: this.events, work: this.work };
  }
}

/** Runs `change` on a copy of the state: the pure form every transition takes. */
export function transition(state: Readonly<ComplaintState>, ctx: Context, change: (c: Change) => void): Outcome {
  const c = new Change(state, ctx);
  change(c);
  return c.done();
}

/**
 * A deep copy of plain data that keeps every key where it was, undefined ones included (JSON's
 * round trip would drop them and move them to the end when set again).
 */
function copyOf<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyOf) as T;
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = copyOf((value as Record<string, unknown>)[key]);
  return copy as T;
}
