/**
 * SLA clocks on the China calendar (09:00-12:00, 13:00-18:00 Asia/Shanghai, Mon-Fri, 2026 holidays
 * and make-up days). Every expected instant below was worked out by hand from those facts.
 */
import { describe, expect, it } from 'vitest';
import { CHINA_MAINLAND } from '../../db/reference/calendars.js';
import {
  breachIfDue,
  cancelClock,
  meetClock,
  nextClockDeadline,
  pauseClock,
  recomputeClock,
  resumeClock,
  startClock,
  warnIfDue,
  type SlaClock,
} from '../../workflows/rules/clocks.js';
import type { ClockSpec } from '../../workflows/rules/sla-policy.js';

const cal = CHINA_MAINLAND;
const t = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const WARN = [0.5, 0.75];

function start(specs: ClockSpec[], startedAt: string): SlaClock {
  return startClock(cal, { kind: 'resolution', cycle: 1, specs, startedAt: t(startedAt), warningFractions: WARN });
}

describe('due times from the start', () => {
  it.each<[string, ClockSpec[], string, string]>([
    ['2 working hours from Friday 17:00 run into Monday', [{ basis: 'working', minutes: 120 }], '2026-03-06T17:00:00+08:00', '2026-03-09T10:00:00+08:00'],
    ['received in the lunch break, counting starts at 13:00', [{ basis: 'working', minutes: 60 }], '2026-03-06T12:30:00+08:00', '2026-03-06T14:00:00+08:00'],
    ['24 calendar hours ignore the weekend', [{ basis: 'calendar', minutes: 1440 }], '2026-03-06T17:00:00+08:00', '2026-03-07T17:00:00+08:00'],
    ['2 working days (16 h) from Friday 16:00', [{ basis: 'workingDays', days: 2 }], '2026-03-06T16:00:00+08:00', '2026-03-10T16:00:00+08:00'],
    ['same day, received in hours', [{ basis: 'endOfWorkingDay' }], '2026-03-06T10:00:00+08:00', '2026-03-06T18:00:00+08:00'],
    ['same day, received Friday evening: end of Monday', [{ basis: 'endOfWorkingDay' }], '2026-03-06T19:00:00+08:00', '2026-03-09T18:00:00+08:00'],
    ['a holiday week: Wed 30 Sep 16:00 + 4 h skips National Day', [{ basis: 'working', minutes: 240 }], '2026-09-30T16:00:00+08:00', '2026-10-08T11:00:00+08:00'],
    ['a make-up Sunday (4 Jan 2026) is a working day', [{ basis: 'working', minutes: 120 }], '2026-01-03T10:00:00+08:00', '2026-01-04T11:00:00+08:00'],
    ['the tighter of category (24 h) and severity (3 working days) wins', [{ basis: 'calendar', minutes: 1440 }, { basis: 'workingDays', days: 3 }], '2026-03-09T10:00:00+08:00', '2026-03-10T10:00:00+08:00'],
    ['the tighter wins the other way round too', [{ basis: 'calendar', minutes: 7 * 1440 }, { basis: 'workingDays', days: 3 }], '2026-03-09T10:00:00+08:00', '2026-03-12T10:00:00+08:00'],
  ])('%s', (_name, specs, startedAt, due) => {
    const clock = start(specs, startedAt);
    expect(iso(clock.dueAt)).toBe(iso(t(due)));
    expect(clock.status).toBe('running');
    expect(clock.beyondCalendar).toBe(false);
  });

  it('warns at each configured fraction of the working time', () => {
    // 120 working minutes from Fri 17:00: half (60 min) = Fri 18:00; three quarters (90 min) =
    // Fri 17:00-18:00 + Mon 09:00-09:30.
    const clock = start([{ basis: 'working', minutes: 120 }], '2026-03-06T17:00:00+08:00');
    expect(clock.warnings.map((w) => [w.fraction, iso(w.at)])).toEqual([
      [0.5, iso(t('2026-03-06T18:00:00+08:00'))],
      [0.75, iso(t('2026-03-09T09:30:00+08:00'))],
    ]);
  });

  it('says so when the due time lies past the calendar’s known dates', () => {
    const clock = start([{ basis: 'working', minutes: 480 }], '2026-12-31T17:00:00+08:00');
    expect(clock.beyondCalendar).toBe(true);
  });
});

describe('pauses while the customer is awaited', () => {
  it('a pause across a weekend adds back only the working time it covered', () => {
    // 8 working hours from Thu 14:00 would end Fri 14:00. Paused Fri 11:00 to Mon 10:00 (7 working
    // hours: Fri 11-12, 13-18, Mon 9-10): 2 hours were left, so Mon 10:00 + 2 h = Mon 12:00.
    let clock = start([{ basis: 'working', minutes: 480 }], '2026-03-05T14:00:00+08:00');
    expect(iso(clock.dueAt)).toBe(iso(t('2026-03-06T14:00:00+08:00')));
    clock = pauseClock(clock, t('2026-03-06T11:00:00+08:00'));
    expect(clock.status).toBe('paused');
    clock = resumeClock(cal, clock, t('2026-03-09T10:00:00+08:00'), WARN);
    expect(clock.status).toBe('running');
    expect(iso(clock.dueAt)).toBe(iso(t('2026-03-09T12:00:00+08:00')));
  });

  it('a calendar-hour clock adds back the whole paused span', () => {
    // 24 h from Fri 17:00 (Sat 17:00) plus a 12-hour pause on Saturday = Sun 05:00.
    let clock = start([{ basis: 'calendar', minutes: 1440 }], '2026-03-06T17:00:00+08:00');
    clock = pauseClock(clock, t('2026-03-07T09:00:00+08:00'));
    clock = resumeClock(cal, clock, t('2026-03-07T21:00:00+08:00'), WARN);
    expect(iso(clock.dueAt)).toBe(iso(t('2026-03-08T05:00:00+08:00')));
  });

  it('a paused clock is not due, whatever the time', () => {
    let clock = start([{ basis: 'working', minutes: 60 }], '2026-03-06T10:00:00+08:00');
    clock = pauseClock(clock, t('2026-03-06T10:30:00+08:00'));
    expect(breachIfDue(clock, t('2026-03-20T10:00:00+08:00')).breachedNow).toBe(false);
    expect(nextClockDeadline([clock])).toBeUndefined();
  });
});

describe('recomputed from the start when the basis changes', () => {
  it('keeps the time already paused, counted on the new basis', () => {
    // Same pause as above, then the target doubles to 16 h: 16 + 7 = 23 working hours from
    // Thu 14:00 = Thu 4 h, Fri 8 h, Mon 8 h, Tue 09:00-12:00 → Tue 12:00.
    let clock = start([{ basis: 'working', minutes: 480 }], '2026-03-05T14:00:00+08:00');
    clock = pauseClock(clock, t('2026-03-06T11:00:00+08:00'));
    clock = resumeClock(cal, clock, t('2026-03-09T10:00:00+08:00'), WARN);
    clock = recomputeClock(cal, clock, WARN, [{ basis: 'working', minutes: 960 }]);
    expect(iso(clock.dueAt)).toBe(iso(t('2026-03-10T12:00:00+08:00')));
    expect(clock.pauses).toHaveLength(1);
  });

  it('a corrected calendar moves an open clock: a new holiday pushes the due time a day', () => {
    const clock = start([{ basis: 'working', minutes: 240 }], '2026-03-09T16:00:00+08:00'); // due Tue 11:00
    expect(iso(clock.dueAt)).toBe(iso(t('2026-03-10T11:00:00+08:00')));
    const corrected = { ...cal, holidays: [...cal.holidays, '2026-03-10'] };
    expect(iso(recomputeClock(corrected, clock, WARN).dueAt)).toBe(iso(t('2026-03-11T11:00:00+08:00')));
  });

  it('leaves met and breached clocks as they were: their outcome is history', () => {
    const clock = start([{ basis: 'working', minutes: 60 }], '2026-03-06T10:00:00+08:00');
    const met = meetClock(cal, clock, t('2026-03-06T10:30:00+08:00'), WARN).clock;
    expect(recomputeClock(cal, met, WARN, [{ basis: 'working', minutes: 1 }])).toBe(met);
  });
});

describe('outcomes', () => {
  const clock = start([{ basis: 'working', minutes: 60 }], '2026-03-06T10:00:00+08:00'); // due 11:00

  it.each<[string, string, 'met' | 'breached', boolean]>([
    ['met before the due time', '2026-03-06T10:59:00+08:00', 'met', false],
    ['met exactly at the due time', '2026-03-06T11:00:00+08:00', 'met', false],
    ['acted after the due time, before the breach was processed', '2026-03-06T11:01:00+08:00', 'breached', true],
  ])('%s', (_name, at, status, breachedNow) => {
    const result = meetClock(cal, clock, t(at), WARN);
    expect(result.clock.status).toBe(status);
    expect(result.breachedNow).toBe(breachedNow);
    expect(result.clock.metAt).toBe(t(at));
    if (status === 'breached') expect(result.clock.breachedAt).toBe(clock.dueAt);
  });

  it('breaches at the due time, dated at the due time, once', () => {
    expect(breachIfDue(clock, t('2026-03-06T10:59:59+08:00')).breachedNow).toBe(false);
    const late = breachIfDue(clock, t('2026-03-06T13:30:00+08:00'));
    expect(late.breachedNow).toBe(true);
    expect(late.clock.breachedAt).toBe(clock.dueAt);
    expect(breachIfDue(late.clock, t('2026-03-07T00:00:00+08:00')).breachedNow).toBe(false);
  });

  it('meeting a breached clock records when, but the outcome stays breached', () => {
    const breached = breachIfDue(clock, t('2026-03-06T12:00:00+08:00')).clock;
    const late = meetClock(cal, breached, t('2026-03-06T14:00:00+08:00'), WARN);
    expect(late.clock.status).toBe('breached');
    expect(late.breachedNow).toBe(false);
    expect(late.clock.metAt).toBe(t('2026-03-06T14:00:00+08:00'));
  });

  it('raises each warning once, before the breach', () => {
    // 60 working minutes from 10:00: half at 10:30, three quarters at 10:45.
    expect(clock.warnings.map((w) => iso(w.at))).toEqual([iso(t('2026-03-06T10:30:00+08:00')), iso(t('2026-03-06T10:45:00+08:00'))]);
    expect(nextClockDeadline([clock])).toBe(t('2026-03-06T10:30:00+08:00'));
    const first = warnIfDue(clock, t('2026-03-06T10:35:00+08:00'));
    expect(first.raised.map((w) => w.fraction)).toEqual([0.5]);
    expect(nextClockDeadline([first.clock])).toBe(t('2026-03-06T10:45:00+08:00'));
    // Both fall due at once when the worker was away: both raised, each dated when it fell due.
    const both = warnIfDue(clock, t('2026-03-06T10:50:00+08:00'));
    expect(both.raised.map((w) => [w.fraction, w.raisedAt])).toEqual([[0.5, t('2026-03-06T10:30:00+08:00')], [0.75, t('2026-03-06T10:45:00+08:00')]]);
    expect(warnIfDue(both.clock, t('2026-03-06T10:55:00+08:00')).raised).toEqual([]);
    expect(nextClockDeadline([both.clock])).toBe(clock.dueAt);
    // Past the due time a warning is moot: the breach says it all.
    expect(warnIfDue(clock, t('2026-03-06T11:30:00+08:00')).raised).toEqual([]);
  });

  it('a cancelled clock is closed, and its open pause with it', () => {
    const paused = pauseClock(clock, t('2026-03-06T10:10:00+08:00'));
    const cancelled = cancelClock(paused, t('2026-03-06T10:20:00+08:00'));
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.pauses).toEqual([{ from: t('2026-03-06T10:10:00+08:00'), to: t('2026-03-06T10:20:00+08:00') }]);
    expect(breachIfDue(cancelled, t('2026-04-01T00:00:00+08:00')).breachedNow).toBe(false);
  });
});
