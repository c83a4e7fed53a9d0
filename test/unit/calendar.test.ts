/**
 * Business-calendar rules. Every expected value below was worked out by hand from the calendar
 * facts in the domain brief (CN 2026 holidays and make-up days, US federal holidays, DST dates).
 * 2026 weekdays used: Jan 1 Thu, Feb 1 Sun, Mar 1 Sun, May 1 Fri, Sep 1 Tue, Oct 1 Thu, Nov 1 Sun,
 * Dec 1 Tue; 2027-01-01 Fri.
 */
import { describe, it, expect } from 'vitest';
import {
  addCalendarDays,
  addWorkDays,
  addWorkingTime,
  endOfWorkingDay,
  isWithinWorkingHours,
  isWorkingDay,
  localDate,
  standardWorkingDayMs,
  validateCalendar,
  workingTimeBetween,
  type BusinessCalendar,
} from '../../workflows/rules/calendar.js';
import { CHINA_MAINLAND as CN, DEFAULT_CALENDARS, US_FEDERAL as US } from '../../db/reference/calendars.js';

const MIN = 60_000;
const H = 60 * MIN;
const t = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test instant ${iso}`);
  return ms;
};
/** Compare as ISO strings so a failure shows readable instants. */
const iso = (ms: number): string => new Date(ms).toISOString();

/** Round-the-clock desk in New York: working time equals elapsed time, so DST shows directly. */
const NY_24_7: BusinessCalendar = {
  id: 'NY-24-7',
  name: 'New York round the clock',
  timeZone: 'America/New_York',
  workingHours: [{ start: '00:00', end: '24:00' }],
  weekendDays: [],
  holidays: [],
  makeUpWorkingDays: [],
  coverage: { from: '2026-01-01', to: '2026-12-31' },
};
/** Night shift whose hours contain the 02:00 DST change. */
const NY_NIGHT: BusinessCalendar = { ...NY_24_7, id: 'NY-NIGHT', name: 'New York night shift', workingHours: [{ start: '01:00', end: '04:00' }] };

describe('reference calendars', () => {
  it.each(DEFAULT_CALENDARS.map((c) => [c.id, c] as const))('%s is valid', (_id, cal) => {
    expect(validateCalendar(cal)).toEqual([]);
  });

  it('a standard working day is 8 h in both', () => {
    expect(standardWorkingDayMs(CN)).toBe(8 * H);
    expect(standardWorkingDayMs(US)).toBe(8 * H);
  });
});

describe('localDate and isWorkingDay', () => {
  it.each([
    [CN, '2026-03-06T16:30:00Z', '2026-03-07'], // 00:30 Saturday in Shanghai
    [CN, '2026-03-06T15:59:00Z', '2026-03-06'],
    [US, '2026-03-08T06:59:00Z', '2026-03-08'], // 01:59 EST, just before spring-forward
    [US, '2026-03-08T04:59:00Z', '2026-03-07'], // 23:59 EST
    [US, '2026-11-01T04:30:00Z', '2026-11-01'], // 00:30 EDT
    [US, '2026-11-02T04:30:00Z', '2026-11-01'], // 23:30 EST
  ])('%#: localDate(%s) at %s = %s', (cal, at, expected) => {
    expect(localDate(cal, t(at))).toBe(expected);
  });

  it.each([
    ['2026-01-03', false], // Sat, New Year holiday
    ['2026-01-04', true], // Sun, make-up day
    ['2026-01-05', true], // ordinary Monday
    ['2026-02-14', true], // Sat, make-up day
    ['2026-02-15', false], // Spring Festival
    ['2026-02-23', false], // Mon, last Spring Festival day
    ['2026-02-28', true], // Sat, make-up day
    ['2026-03-07', false], // ordinary Saturday
    ['2026-09-20', true], // Sun, make-up day
    ['2026-10-05', false], // National Day
    ['2026-10-10', true], // Sat, make-up day
  ])('CN %s working: %s', (date, expected) => {
    expect(isWorkingDay(CN, date)).toBe(expected);
  });

  it.each([
    ['2026-11-26', false], // Thanksgiving
    ['2026-07-03', false], // observed for Sat Jul 4
    ['2026-07-04', false], // Saturday
    ['2027-12-31', false], // observed for Sat 2028-01-01
    ['2026-11-27', true],
  ])('US %s working: %s', (date, expected) => {
    expect(isWorkingDay(US, date)).toBe(expected);
  });
});

describe('isWithinWorkingHours', () => {
  it.each([
    [CN, '2026-03-10T09:00:00+08:00', true], // Tue, opening minute
    [CN, '2026-03-10T11:59:00+08:00', true],
    [CN, '2026-03-10T12:00:00+08:00', false], // lunch starts: interval ends are exclusive
    [CN, '2026-03-10T13:00:00+08:00', true],
    [CN, '2026-03-10T18:00:00+08:00', false],
    [CN, '2026-01-04T10:00:00+08:00', true], // make-up Sunday
    [CN, '2026-01-03T10:00:00+08:00', false], // holiday Saturday
    [US, '2026-03-09T08:30:00-05:00', true], // = 09:30 EDT: the day after spring-forward
    [US, '2026-11-02T08:30:00-04:00', false], // = 07:30 EST: the day after fall-back
    [NY_NIGHT, '2026-11-01T01:30:00-05:00', true], // the second 01:30 of the fall-back night
  ])('%#: %s at %s → %s', (cal, at, expected) => {
    expect(isWithinWorkingHours(cal, t(at))).toBe(expected);
  });
});

describe('addWorkingTime, China mainland', () => {
  it.each([
    // Friday evening: 17:00-18:00 counts 1 h, the weekend none, Monday 09:00-10:00 the second.
    ['Fri 17:00 + 2 h', '2026-03-06T17:00:00+08:00', 2 * H, '2026-03-09T10:00:00+08:00'],
    ['Fri 19:00 + 1 h', '2026-03-06T19:00:00+08:00', 1 * H, '2026-03-09T10:00:00+08:00'],
    // Lunch break: counting starts at 13:00.
    ['lunch 12:30 + 1 h', '2026-03-10T12:30:00+08:00', 1 * H, '2026-03-10T14:00:00+08:00'],
    ['11:30 + 1 h spans lunch', '2026-03-10T11:30:00+08:00', 1 * H, '2026-03-10T13:30:00+08:00'],
    ['before opening', '2026-03-10T07:00:00+08:00', 30 * MIN, '2026-03-10T09:30:00+08:00'],
    // Exactly filling the day stays at 18:00.
    ['16:00 + 2 h ends at 18:00', '2026-03-10T16:00:00+08:00', 2 * H, '2026-03-10T18:00:00+08:00'],
    ['09:00 + 8 h ends at 18:00', '2026-03-10T09:00:00+08:00', 8 * H, '2026-03-10T18:00:00+08:00'],
    // Zero duration: the next working moment at or after the start.
    ['0 at 10:00', '2026-03-10T10:00:00+08:00', 0, '2026-03-10T10:00:00+08:00'],
    ['0 in lunch', '2026-03-10T12:30:00+08:00', 0, '2026-03-10T13:00:00+08:00'],
    ['0 at 18:00', '2026-03-10T18:00:00+08:00', 0, '2026-03-11T09:00:00+08:00'],
    // National Day Oct 1-7: Wed Sep 30 16-18 = 2 h, then Thu Oct 8 09-12 + 13-16 = 6 h.
    ['Sep 30 + 8 h', '2026-09-30T16:00:00+08:00', 8 * H, '2026-10-08T16:00:00+08:00'],
    // 24 h: 2 (Sep 30) + 8 (Oct 8) + 8 (Oct 9) + 6 on make-up Sat Oct 10 (09-12, 13-16).
    ['Sep 30 + 24 h', '2026-09-30T16:00:00+08:00', 24 * H, '2026-10-10T16:00:00+08:00'],
    ['Fri Oct 9 17:00 + 2 h → make-up Sat', '2026-10-09T17:00:00+08:00', 2 * H, '2026-10-10T10:00:00+08:00'],
    // New Year Jan 1-3, make-up Sunday Jan 4.
    ['holiday Jan 1 + 1 h', '2026-01-01T10:00:00+08:00', 1 * H, '2026-01-04T10:00:00+08:00'],
    // Make-up Sunday Sep 20: Fri Sep 18 17-18, Sat off, Sun 09-10.
    ['Fri Sep 18 17:00 + 2 h', '2026-09-18T17:00:00+08:00', 2 * H, '2026-09-20T10:00:00+08:00'],
    // Spring Festival: make-up Sat Feb 14, holidays Sun Feb 15 - Mon Feb 23, make-up Sat Feb 28.
    ['Fri Feb 13 17:00 + 2 h', '2026-02-13T17:00:00+08:00', 2 * H, '2026-02-14T10:00:00+08:00'],
    ['Sat Feb 14 17:00 + 2 h', '2026-02-14T17:00:00+08:00', 2 * H, '2026-02-24T10:00:00+08:00'],
    ['Fri Feb 13 09:00 + 24 h', '2026-02-13T09:00:00+08:00', 24 * H, '2026-02-24T18:00:00+08:00'],
    ['Fri Feb 27 17:00 + 2 h', '2026-02-27T17:00:00+08:00', 2 * H, '2026-02-28T10:00:00+08:00'],
    // Labour Day May 1-5 (Fri-Tue), make-up Sat May 9.
    ['Thu Apr 30 17:00 + 2 h', '2026-04-30T17:00:00+08:00', 2 * H, '2026-05-06T10:00:00+08:00'],
    ['Fri May 8 17:00 + 2 h', '2026-05-08T17:00:00+08:00', 2 * H, '2026-05-09T10:00:00+08:00'],
  ])('%s', (_label, start, duration, expected) => {
    const result = addWorkingTime(CN, t(start), duration);
    expect(iso(result.at)).toBe(iso(t(expected)));
    expect(result.beyondCoverage).toBe(false);
  });

  it('rejects a negative duration', () => {
    expect(() => addWorkingTime(CN, t('2026-03-10T10:00:00+08:00'), -1)).toThrow(/durationMs/);
  });
});

describe('addWorkingTime and workingTimeBetween across DST (America/New_York)', () => {
  it.each([
    // Spring-forward Sun 2026-03-08: Friday is EST, Monday EDT.
    [US, '2026-03-06T16:00:00-05:00', 2 * H, '2026-03-09T10:00:00-04:00'],
    // Fall-back Sun 2026-11-01: Friday is EDT, Monday EST.
    [US, '2026-10-30T16:00:00-04:00', 2 * H, '2026-11-02T10:00:00-05:00'],
    // Working time is elapsed time: 24 h from Sat noon EST lands at 13:00 EDT on Sunday.
    [NY_24_7, '2026-03-07T12:00:00-05:00', 24 * H, '2026-03-08T13:00:00-04:00'],
    // Night shift 01:00-04:00 on spring-forward night: 01:00 EST + 1.5 h = 03:30 EDT (02:xx never exists).
    [NY_NIGHT, '2026-03-08T00:00:00-05:00', 90 * MIN, '2026-03-08T03:30:00-04:00'],
  ])('%#: %s from %s + %d ms', (cal, start, duration, expected) => {
    expect(iso(addWorkingTime(cal, t(start), duration).at)).toBe(iso(t(expected)));
  });

  it.each([
    [US, '2026-03-06T09:00:00-05:00', '2026-03-09T17:00:00-04:00', 16 * H],
    [US, '2026-03-06T16:00:00-05:00', '2026-03-09T10:00:00-04:00', 2 * H],
    [NY_24_7, '2026-03-08T00:00:00-05:00', '2026-03-09T00:00:00-04:00', 23 * H], // the short day
    [NY_24_7, '2026-11-01T00:00:00-04:00', '2026-11-02T00:00:00-05:00', 25 * H], // the long day
    [NY_NIGHT, '2026-03-08T00:00:00-05:00', '2026-03-09T00:00:00-04:00', 2 * H], // 01:00 EST - 04:00 EDT
    [NY_NIGHT, '2026-11-01T00:00:00-04:00', '2026-11-02T00:00:00-05:00', 4 * H], // 01:00 EDT - 04:00 EST
  ])('%#: %s working time %s → %s', (cal, from, to, expected) => {
    expect(workingTimeBetween(cal, t(from), t(to)).ms).toBe(expected);
  });
});

describe('workingTimeBetween, China mainland', () => {
  it.each([
    ['the weekend pause Fri 17:00 → Mon 10:00', '2026-03-06T17:00:00+08:00', '2026-03-09T10:00:00+08:00', 2 * H],
    ['a whole day from before to after hours', '2026-03-10T08:00:00+08:00', '2026-03-10T19:00:00+08:00', 8 * H],
    ['across lunch 11:00 → 14:00', '2026-03-10T11:00:00+08:00', '2026-03-10T14:00:00+08:00', 2 * H],
    ['National Day week only', '2026-09-30T18:00:00+08:00', '2026-10-08T09:00:00+08:00', 0],
    ['Sep 30 16:00 → make-up Sat Oct 10 16:00', '2026-09-30T16:00:00+08:00', '2026-10-10T16:00:00+08:00', 24 * H],
    ['to before from', '2026-03-10T14:00:00+08:00', '2026-03-10T10:00:00+08:00', 0],
  ])('%s', (_label, from, to, expected) => {
    expect(workingTimeBetween(CN, t(from), t(to))).toEqual({ ms: expected, beyondCoverage: false });
  });

  // Round trip: whatever addWorkingTime returns, the working time back to the start is the duration.
  const starts: Array<[BusinessCalendar, string]> = [
    [CN, '2026-03-06T17:00:00+08:00'],
    [CN, '2026-03-10T12:30:00+08:00'],
    [CN, '2026-09-30T16:00:00+08:00'],
    [CN, '2026-02-13T09:00:00+08:00'],
    [CN, '2026-12-31T17:00:00+08:00'],
    [US, '2026-03-06T16:00:00-05:00'],
    [US, '2026-10-30T16:00:00-04:00'],
    [US, '2026-11-25T12:00:00-05:00'],
    [NY_NIGHT, '2026-03-07T03:00:00-05:00'],
    [NY_NIGHT, '2026-10-31T03:00:00-04:00'],
  ];
  const durations = [0, 1, 30 * MIN, 1 * H, 2 * H, 8 * H, 24 * H, 56 * H, 123_456_789];
  const cases = starts.flatMap(([cal, start]) => durations.map((d) => [cal.id, start, d, cal] as const));
  it.each(cases)('round trip %s from %s + %d ms', (_id, start, duration, cal) => {
    const s = t(start);
    const due = addWorkingTime(cal, s, duration);
    const back = workingTimeBetween(cal, s, due.at);
    expect(back.ms).toBe(duration);
    expect(back.beyondCoverage).toBe(due.beyondCoverage);
  });
});

describe('endOfWorkingDay', () => {
  it.each([
    ['during hours', CN, '2026-03-10T10:00:00+08:00', '2026-03-10T18:00:00+08:00'],
    ['before opening', CN, '2026-03-10T07:00:00+08:00', '2026-03-10T18:00:00+08:00'],
    ['at closing time', CN, '2026-03-10T18:00:00+08:00', '2026-03-11T18:00:00+08:00'],
    ['after hours', CN, '2026-03-10T19:00:00+08:00', '2026-03-11T18:00:00+08:00'],
    ['Friday evening', CN, '2026-03-06T19:00:00+08:00', '2026-03-09T18:00:00+08:00'],
    ['National Day holiday', CN, '2026-10-03T12:00:00+08:00', '2026-10-08T18:00:00+08:00'],
    ['make-up Saturday', CN, '2026-10-10T10:00:00+08:00', '2026-10-10T18:00:00+08:00'],
    ['US evening before Thanksgiving', US, '2026-11-25T18:00:00-05:00', '2026-11-27T17:00:00-05:00'],
  ])('%s', (_label, cal, at, expected) => {
    const result = endOfWorkingDay(cal, t(at));
    expect(iso(result.at)).toBe(iso(t(expected)));
    expect(result.beyondCoverage).toBe(false);
  });
});

describe('addWorkDays (regulatory work-day clock, day 0 = awareness date)', () => {
  it.each([
    // Thanksgiving Thu Nov 26 off; Fri 27 = 1, Mon 30 = 2, Tue Dec 1 = 3, Wed 2 = 4, Thu 3 = 5.
    [US, '2026-11-25', 5, '2026-12-03'],
    // Mon 21..Thu 24 = 1-4, Christmas Fri 25 off, Mon 28..Thu 31 = 5-8, New Year Fri off, Mon Jan 4 = 9, Tue 5 = 10.
    [US, '2026-12-18', 10, '2027-01-05'],
    [US, '2026-07-02', 1, '2026-07-06'], // Jul 3 observed, then the weekend
    [US, '2026-05-22', 1, '2026-05-26'], // weekend, then Memorial Day Mon May 25
    [US, '2026-11-25', 0, '2026-11-25'],
    // CN: Oct 8 = 1, Oct 9 = 2, make-up Sat Oct 10 = 3.
    [CN, '2026-09-30', 3, '2026-10-10'],
    [CN, '2026-09-18', 1, '2026-09-20'], // make-up Sunday
    [CN, '2026-01-03', 1, '2026-01-04'], // make-up Sunday after New Year
    [CN, '2026-02-13', 2, '2026-02-24'], // make-up Sat Feb 14 = 1, Spring Festival, Tue Feb 24 = 2
  ])('%#: %s from %s + %d work days', (cal, date, days, expected) => {
    expect(addWorkDays(cal, date, days)).toEqual({ date: expected, beyondCoverage: false });
  });
});

describe('beyondCoverage', () => {
  it('a CN clock running into 2027 says so (2027 days treated as ordinary ones)', () => {
    // Thu Dec 31 17-18 = 1 h, Fri 2027-01-01 09-10 = the second (its real status is unknown).
    expect(addWorkingTime(CN, t('2026-12-31T17:00:00+08:00'), 2 * H)).toEqual({
      at: t('2027-01-01T10:00:00+08:00'),
      beyondCoverage: true,
    });
    // Dec 31 = 1, Fri Jan 1 = 2, Mon 4 = 3, Tue 5 = 4, Wed 6 = 5.
    expect(addWorkDays(CN, '2026-12-30', 5)).toEqual({ date: '2027-01-06', beyondCoverage: true });
    expect(endOfWorkingDay(CN, t('2026-12-31T19:00:00+08:00'))).toEqual({
      at: t('2027-01-01T18:00:00+08:00'),
      beyondCoverage: true,
    });
    expect(workingTimeBetween(CN, t('2026-12-31T17:00:00+08:00'), t('2027-01-01T10:00:00+08:00'))).toEqual({
      ms: 2 * H,
      beyondCoverage: true,
    });
  });

  it('a CN clock that ends on the last covered day does not', () => {
    expect(addWorkingTime(CN, t('2026-12-31T09:00:00+08:00'), 8 * H)).toEqual({
      at: t('2026-12-31T18:00:00+08:00'),
      beyondCoverage: false,
    });
    expect(addWorkingTime(CN, t('2026-03-06T17:00:00+08:00'), 2 * H).beyondCoverage).toBe(false);
  });

  it('a start before coverage counts too', () => {
    // Wed 2025-12-31 17-18 = 1 h (uncovered day), New Year Jan 1-3 off, make-up Sun Jan 4 09-10.
    expect(addWorkingTime(CN, t('2025-12-31T17:00:00+08:00'), 2 * H)).toEqual({
      at: t('2026-01-04T10:00:00+08:00'),
      beyondCoverage: true,
    });
  });

  it('US 2027 is covered, 2028 is not', () => {
    // Fri Dec 31 observed holiday, weekend, Mon 2028-01-03 = 1, Tue 4 = 2, Wed 5 = 3.
    expect(addWorkDays(US, '2027-12-30', 3)).toEqual({ date: '2028-01-05', beyondCoverage: true });
    expect(addWorkDays(US, '2027-12-29', 1)).toEqual({ date: '2027-12-30', beyondCoverage: false });
  });
});

describe('addCalendarDays', () => {
  it.each([
    ['2026-12-30', 3, '2027-01-02'],
    ['2028-02-28', 1, '2028-02-29'],
    ['2026-03-01', -1, '2026-02-28'],
    ['2100-02-28', 1, '2100-03-01'],
    ['2026-01-01', 0, '2026-01-01'],
  ])('%s + %d = %s', (date, days, expected) => {
    expect(addCalendarDays(date, days)).toBe(expected);
  });

  it('rejects an impossible date', () => {
    expect(() => addCalendarDays('2026-02-30', 1)).toThrow(/valid date/);
  });
});

describe('validateCalendar and guards', () => {
  const problemsOf = (patch: Partial<BusinessCalendar>): string[] => validateCalendar({ ...CN, ...patch });

  it.each([
    ['a bad time zone', { timeZone: 'Mars/Olympus_Mons' }, /time zone/],
    ['overlapping intervals', { workingHours: [{ start: '09:00', end: '12:30' }, { start: '12:00', end: '18:00' }] }, /overlap/],
    ['unsorted intervals', { workingHours: [{ start: '13:00', end: '18:00' }, { start: '09:00', end: '12:00' }] }, /sorted/],
    ['a bad HH:MM', { workingHours: [{ start: '9:00', end: '18:00' }] }, /HH:MM/],
    ['an hour past 24', { workingHours: [{ start: '09:00', end: '25:00' }] }, /HH:MM/],
    ['start after end', { workingHours: [{ start: '18:00', end: '09:00' }] }, /before end/],
    ['no intervals', { workingHours: [] }, /no working hours/],
    ['an impossible date', { holidays: ['2026-02-30'] }, /2026-02-30/],
    ['a date in both lists', { makeUpWorkingDays: ['2026-01-04', '2026-10-01'] }, /2026-10-01 is both/],
    ['coverage reversed', { coverage: { from: '2026-12-31', to: '2026-01-01' } }, /after coverage\.to/],
    ['a bad weekday', { weekendDays: [6, 8] }, /weekend day 8/],
  ])('catches %s', (_label, patch, pattern) => {
    const problems = problemsOf(patch as Partial<BusinessCalendar>);
    expect(problems.some((p) => pattern.test(p)), problems.join('\n')).toBe(true);
  });

  it('refuses to compute on an invalid calendar', () => {
    expect(() => addWorkingTime({ ...CN, workingHours: [] }, t('2026-03-10T10:00:00+08:00'), H)).toThrow(/no working hours/);
  });

  it('stops a walk that never finds working time', () => {
    const onlyOneDay: BusinessCalendar = { ...CN, weekendDays: [1, 2, 3, 4, 5, 6, 7], holidays: [], makeUpWorkingDays: ['2026-01-04'] };
    expect(() => addWorkingTime(onlyOneDay, t('2026-02-01T10:00:00+08:00'), H)).toThrow(/no working time/);
    expect(() => endOfWorkingDay(onlyOneDay, t('2026-02-01T10:00:00+08:00'))).toThrow(/no working time/);
    expect(() => addWorkDays(onlyOneDay, '2026-02-01', 1)).toThrow(/no working time/);
  });
});
