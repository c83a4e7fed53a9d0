/**
 * SLA clocks as data: started, paused, resumed, met, breached, recomputed. Pure functions over
 * plain objects so the workflow can keep them in its state and tests can drive them with tables.
 *
 * A clock keeps its start and every pause as instants, never a running balance: whatever changes
 * (the category is reassessed, an admin corrects the calendar) the due time is recomputed from the
 * start, and the time already paused is counted again on the new basis. Helpdesks that keep
 * "minutes remaining" lose exactly this.
 */
import {
  addWorkingTime,
  endOfWorkingDay,
  standardWorkingDayMs,
  workingTimeBetween,
  type BusinessCalendar,
} from './calendar.js';
import type { ClockKind, ClockSpec } from './sla-policy.js';

const MINUTE = 60_000;

/** `cancelled`: the case ended (withdrawn, investigation waived) before the clock's action was due. */
export type ClockStatus = 'running' | 'paused' | 'met' | 'breached' | 'cancelled';

export interface ClockPause {
  from: number;
  to?: number;
}

export interface SlaClock {
  /** Unique within the complaint: the kind, with the cycle after a reopen (`resolution#2`). */
  id: string;
  kind: ClockKind;
  cycle: number;
  specs: ClockSpec[];
  calendarId: string;
  startedAt: number;
  dueAt: number;
  /** Warnings before a breach, one per configured fraction of the clock's time. */
  warnings: ClockWarning[];
  pauses: ClockPause[];
  status: ClockStatus;
  metAt?: number;
  breachedAt?: number;
  cancelledAt?: number;
  /** The due time was computed over days the calendar does not cover: shown as a warning. */
  beyondCalendar: boolean;
}

export interface ClockWarning {
  fraction: number;
  at: number;
  raisedAt?: number;
}

export interface StartClock {
  kind: ClockKind;
  cycle: number;
  specs: ClockSpec[];
  startedAt: number;
  warningFractions: number[];
}

export function clockId(kind: ClockKind, cycle: number): string {
  return cycle > 1 ? `${kind}#${cycle}` : kind;
}

export function startClock(calendar: BusinessCalendar, start: StartClock): SlaClock {
  const clock: SlaClock = {
    id: clockId(start.kind, start.cycle),
    kind: start.kind,
    cycle: start.cycle,
    specs: start.specs,
    calendarId: calendar.id,
    startedAt: start.startedAt,
    dueAt: start.startedAt,
    warnings: [],
    pauses: [],
    status: 'running',
    beyondCalendar: false,
  };
  return withDueTimes(calendar, clock, start.warningFractions);
}

export function isOpen(clock: SlaClock): boolean {
  return clock.status === 'running' || clock.status === 'paused';
}

export function pauseClock(clock: SlaClock, at: number): SlaClock {
  if (clock.status !== 'running') return clock;
  return { ...clock, status: 'paused', pauses: [...clock.pauses, { from: at }] };
}

export function resumeClock(calendar: BusinessCalendar, clock: SlaClock, at: number, warningFractions: number[]): SlaClock {
  if (clock.status !== 'paused') return clock;
  const pauses = clock.pauses.map((p) => (p.to === undefined ? { from: p.from, to: Math.max(at, p.from) } : p));
  return withDueTimes(calendar, { ...clock, status: 'running', pauses }, warningFractions);
}

export interface MeetResult {
  clock: SlaClock;
  /** The action came after the due time and no breach had been recorded yet. */
  breachedNow: boolean;
}

/** The clock's action happened at `at`. Late is late: a met-after-due clock is breached. */
export function meetClock(calendar: BusinessCalendar, clock: SlaClock, at: number, warningFractions: number[]): MeetResult {
  if (clock.status === 'breached') {
    return { clock: clock.metAt === undefined ? { ...clock, metAt: at } : clock, breachedNow: false };
  }
  if (clock.status === 'met') return { clock, breachedNow: false };
  const running = clock.status === 'paused' ? resumeClock(calendar, clock, at, warningFractions) : clock;
  if (at > running.dueAt) {
    return { clock: { ...running, status: 'breached', breachedAt: running.dueAt, metAt: at }, breachedNow: true };
  }
  return { clock: { ...running, status: 'met', metAt: at }, breachedNow: false };
}

/** Stop an open clock without an outcome: its action is no longer owed. */
export function cancelClock(clock: SlaClock, at: number): SlaClock {
  if (!isOpen(clock)) return clock;
  const pauses = clock.pauses.map((p) => (p.to === undefined ? { from: p.from, to: Math.max(at, p.from) } : p));
  return { ...clock, status: 'cancelled', cancelledAt: at, pauses };
}

/** Breach a running clock whose due time has passed; the breach is dated at the due time. */
export function breachIfDue(clock: SlaClock, now: number): { clock: SlaClock; breachedNow: boolean } {
  if (clock.status !== 'running' || now < clock.dueAt) return { clock, breachedNow: false };
  return { clock: { ...clock, status: 'breached', breachedAt: clock.dueAt }, breachedNow: true };
}

/** Raises the warnings that have fallen due (each once, dated when due); none once breached. */
export function warnIfDue(clock: SlaClock, now: number): { clock: SlaClock; raised: ClockWarning[] } {
  if (clock.status !== 'running' || now >= clock.dueAt) return { clock, raised: [] };
  const raised: ClockWarning[] = [];
  const warnings = clock.warnings.map((w) => {
    if (w.raisedAt !== undefined || now < w.at) return w;
    const done = { ...w, raisedAt: w.at };
    raised.push(done);
    return done;
  });
  return raised.length ? { clock: { ...clock, warnings }, raised } : { clock, raised };
}

/**
 * Recompute an open clock from its start on a new basis (new specs, or a corrected calendar),
 * keeping its pauses. Met and breached clocks keep their outcome: it is history.
 */
export function recomputeClock(
  calendar: BusinessCalendar,
  clock: SlaClock,
  warningFractions: number[],
  specs: ClockSpec[] = clock.specs,
): SlaClock {
  if (!isOpen(clock)) return clock;
  return withDueTimes(calendar, { ...clock, specs, calendarId: calendar.id }, warningFractions);
}

/** The next instant at which something happens to one of these clocks (a warning or a breach). */
export function nextClockDeadline(clocks: SlaClock[]): number | undefined {
  let next: number | undefined;
  for (const clock of clocks) {
    if (clock.status !== 'running') continue;
    const pending = clock.warnings.filter((w) => w.raisedAt === undefined && w.at < clock.dueAt).map((w) => w.at);
    const at = Math.min(clock.dueAt, ...pending);
    if (next === undefined || at < next) next = at;
  }
  return next;
}

/** Working or calendar time paused so far, in the basis of the spec (open pauses not counted). */
function pausedMs(calendar: BusinessCalendar, spec: ClockSpec, pauses: ClockPause[]): { ms: number; beyond: boolean } {
  let ms = 0;
  let beyond = false;
  for (const pause of pauses) {
    if (pause.to === undefined) continue;
    if (spec.basis === 'calendar') {
      ms += pause.to - pause.from;
    } else {
      const span = workingTimeBetween(calendar, pause.from, pause.to);
      ms += span.ms;
      beyond ||= span.beyondCoverage;
    }
  }
  return { ms, beyond };
}

/** The due instant of one spec, given the fraction of its time (1 = due, 0.75 = warning). */
function dueForSpec(
  calendar: BusinessCalendar,
  spec: ClockSpec,
  startedAt: number,
  pauses: ClockPause[],
  fraction: number,
): { at: number; beyond: boolean } {
  const paused = pausedMs(calendar, spec, pauses);
  if (spec.basis === 'calendar') {
    return { at: startedAt + Math.round(spec.minutes * MINUTE * fraction) + paused.ms, beyond: false };
  }
  let workingMs: number;
  let beyond = paused.beyond;
  if (spec.basis === 'working') workingMs = spec.minutes * MINUTE;
  else if (spec.basis === 'workingDays') workingMs = spec.days * standardWorkingDayMs(calendar);
  else {
    const endOfDay = endOfWorkingDay(calendar, startedAt);
    const span = workingTimeBetween(calendar, startedAt, endOfDay.at);
    workingMs = span.ms;
    beyond ||= endOfDay.beyondCoverage || span.beyondCoverage;
  }
  const due = addWorkingTime(calendar, startedAt, Math.round(workingMs * fraction) + paused.ms);
  return { at: due.at, beyond: beyond || due.beyondCoverage };
}

function withDueTimes(calendar: BusinessCalendar, clock: SlaClock, warningFractions: number[]): SlaClock {
  let due: { at: number; beyond: boolean } | undefined;
  let winner: ClockSpec | undefined;
  for (const spec of clock.specs) {
    const candidate = dueForSpec(calendar, spec, clock.startedAt, clock.pauses, 1);
    if (due === undefined || candidate.at < due.at) {
      due = candidate;
      winner = spec;
    }
  }
  if (due === undefined || winner === undefined) throw new Error(`clock ${clock.id} has no spec`);
  // Warnings on the winning spec's own basis; one already raised stays raised (and dated).
  const warnings = [...warningFractions].sort((a, b) => a - b).map((fraction) => {
    const earlier = clock.warnings.find((w) => w.fraction === fraction);
    if (earlier?.raisedAt !== undefined) return earlier;
    return { fraction, at: Math.min(dueForSpec(calendar, winner, clock.startedAt, clock.pauses, fraction).at, due.at) };
  });
  return { ...clock, dueAt: due.at, warnings, beyondCalendar: due.beyond };
}
