/**
 * Business calendars: working time, working days and time-zone conversion.
 *
 * Pure and deterministic: this module runs inside Temporal's workflow sandbox, so it reads no clock,
 * draws no random numbers and imports nothing. Instants are epoch milliseconds; durations are
 * milliseconds of real elapsed time (a working hour across a DST change is still 3,600,000 ms).
 * Local dates are 'YYYY-MM-DD' in the calendar's time zone; internally they are day numbers
 * (days since 1970-01-01) so that date arithmetic never goes through `Date` quirks.
 */

export interface WorkingInterval {
  start: string;
  end: string;
}

export interface BusinessCalendar {
  id: string;
  name: string;
  timeZone: string;
  workingHours: WorkingInterval[];
  weekendDays: number[];
  holidays: string[];
  makeUpWorkingDays: string[];
  coverage: { from: string; to: string };
}

export interface CalendarResult {
  at: number;
  beyondCoverage: boolean;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** A calendar that yields no working time for this many consecutive days is broken. */
const MAX_IDLE_DAYS = 3 * 366;
/** Upper bound on any day walk, so a huge duration cannot stall a workflow task. */
const MAX_WALK_DAYS = 10 * 366;

// ---------------------------------------------------------------------------------------------
// Civil dates (proleptic Gregorian), after Howard Hinnant's days_from_civil / civil_from_days.

function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day number of a 'YYYY-MM-DD' date, or undefined when it is not a real date. */
function tryParseDate(date: unknown): number | undefined {
  if (typeof date !== 'string') return undefined;
  const m = DATE_RE.exec(date);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return undefined;
  const n = daysFromCivil(y, mo, d);
  const [y2, mo2, d2] = civilFromDays(n);
  return y2 === y && mo2 === mo && d2 === d ? n : undefined; // rejects 2026-02-30
}

function parseDate(date: string): number {
  const n = tryParseDate(date);
  if (n === undefined) throw new RangeError(`Not a valid date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return n;
}

function formatDate(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** ISO weekday, 1 = Monday … 7 = Sunday (day 0, 1970-01-01, was a Thursday). */
function isoWeekday(days: number): number {
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

const HHMM_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight; '24:00' is accepted only as an interval end (round-the-clock desks). */
function tryParseTime(time: unknown, isEnd: boolean): number | undefined {
  if (typeof time !== 'string') return undefined;
  if (isEnd && time === '24:00') return 24 * 60;
  const m = HHMM_RE.exec(time);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Time zones. Intl gives instant → wall clock; the reverse is solved from offsets around the wall time.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function isValidTimeZone(timeZone: unknown): boolean {
  if (typeof timeZone !== 'string' || timeZone === '') return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock reading at `at`, as if that reading were a UTC instant (ms). */
function wallClock(timeZone: string, at: number): number {
  let y = 0, mo = 1, d = 1, h = 0, mi = 0, s = 0;
  for (const part of formatter(timeZone).formatToParts(at)) {
    switch (part.type) {
      case 'year': y = Number(part.value); break;
      case 'month': mo = Number(part.value); break;
      case 'day': d = Number(part.value); break;
      case 'hour': h = Number(part.value) % 24; break; // some engines print midnight as 24
      case 'minute': mi = Number(part.value); break;
      case 'second': s = Number(part.value); break;
    }
  }
  const subSecond = ((at % 1000) + 1000) % 1000;
  return daysFromCivil(y, mo, d) * DAY_MS + ((h * 60 + mi) * 60 + s) * 1000 + subSecond;
}

function offsetAt(timeZone: string, at: number): number {
  return wallClock(timeZone, at) - at;
}

const instantCache = new Map<string, number>();
const INSTANT_CACHE_LIMIT = 20_000;

/**
 * The instant at which the zone's clocks read `wall` (a wall-clock reading expressed as UTC ms).
 * Ambiguous readings (clocks turned back) give the earlier instant; readings skipped by a
 * spring-forward gap are moved forward by the gap (02:30 → 03:30), as java.time and Temporal do.
 */
function wallToInstant(timeZone: string, wall: number): number {
  const key = `${timeZone}|${wall}`;
  const cached = instantCache.get(key);
  if (cached !== undefined) return cached;
  const before = offsetAt(timeZone, wall - DAY_MS);
  const after = offsetAt(timeZone, wall + DAY_MS);
  let result: number;
  if (before === after) {
    result = wall - before;
  } else {
    const early = wall - before;
    const late = wall - after;
    const earlyOk = offsetAt(timeZone, early) === before;
    const lateOk = offsetAt(timeZone, late) === after;
    if (earlyOk && lateOk) result = Math.min(early, late);
    else if (earlyOk) result = early;
    else if (lateOk) result = late;
    else result = Math.max(early, late);
  }
  if (instantCache.size >= INSTANT_CACHE_LIMIT) instantCache.clear();
  instantCache.set(key, result);
  return result;
}

function localDayOf(timeZone: string, at: number): number {
  return Math.floor(wallClock(timeZone, at) / DAY_MS);
}

/** The local date ('YYYY-MM-DD') in a time zone at an instant; for rules that count days, not hours. */
export function localDateInZone(timeZone: string, at: number): string {
  return formatDate(localDayOf(timeZone, at));
}

/** The instant a local date begins in a time zone (a midnight skipped by DST: the first instant after). */
export function startOfLocalDateInZone(timeZone: string, date: string): number {
  return wallToInstant(timeZone, parseDate(date) * DAY_MS);
}

// ---------------------------------------------------------------------------------------------
// Validation and the parsed form every computation works on.

/**
 * Problems an admin must fix. Listed days outside the coverage are reported too, but they do not
 * stop computations (the days are still honoured); everything else does.
 */
export function validateCalendar(cal: BusinessCalendar): string[] {
  return collectProblems(cal).map((problem) => problem.text);
}

interface Problem {
  text: string;
  fatal: boolean;
}

function collectProblems(cal: BusinessCalendar): Problem[] {
  const found: Problem[] = [];
  const add = (text: string, fatal = true): void => {
    found.push({ text, fatal });
  };
  if (!cal || typeof cal !== 'object') return [{ text: 'calendar is missing', fatal: true }];
  if (typeof cal.id !== 'string' || cal.id.trim() === '') add('id is empty');
  if (!isValidTimeZone(cal.timeZone)) add(`time zone ${JSON.stringify(cal.timeZone)} is not a valid IANA time zone`);

  if (!Array.isArray(cal.workingHours) || cal.workingHours.length === 0) {
    add('no working hours: at least one working interval is needed');
  } else {
    let previousEnd: number | undefined;
    let previousLabel = '';
    cal.workingHours.forEach((iv, i) => {
      const label = `working interval ${i + 1} (${iv?.start}-${iv?.end})`;
      const start = tryParseTime(iv?.start, false);
      const end = tryParseTime(iv?.end, true);
      if (start === undefined) add(`${label}: start ${JSON.stringify(iv?.start)} is not a valid HH:MM time`);
      if (end === undefined) add(`${label}: end ${JSON.stringify(iv?.end)} is not a valid HH:MM time`);
      if (start === undefined || end === undefined) {
        previousEnd = undefined;
        return;
      }
      if (start >= end) add(`${label}: start must be before end`);
      if (previousEnd !== undefined && start < previousEnd) {
        add(`${label} overlaps or comes before ${previousLabel}: intervals must be sorted and must not overlap`);
      }
      previousEnd = end;
      previousLabel = label;
    });
  }

  if (!Array.isArray(cal.weekendDays)) {
    add('weekendDays must be a list of ISO weekdays (1 = Monday … 7 = Sunday)');
  } else {
    for (const d of cal.weekendDays) {
      if (!Number.isInteger(d) || d < 1 || d > 7) add(`weekend day ${JSON.stringify(d)} is not an ISO weekday (1 = Monday … 7 = Sunday)`);
    }
    const distinct = new Set(cal.weekendDays.filter((d) => Number.isInteger(d) && d >= 1 && d <= 7));
    if (distinct.size === 7 && (!Array.isArray(cal.makeUpWorkingDays) || cal.makeUpWorkingDays.length === 0)) {
      add('every day of the week is a weekend day and there are no make-up working days: the calendar has no working days');
    }
  }

  const coverageFrom = tryParseDate(cal.coverage?.from);
  const coverageTo = tryParseDate(cal.coverage?.to);
  if (coverageFrom === undefined) add(`coverage.from ${JSON.stringify(cal.coverage?.from)} is not a valid date (YYYY-MM-DD)`);
  if (coverageTo === undefined) add(`coverage.to ${JSON.stringify(cal.coverage?.to)} is not a valid date (YYYY-MM-DD)`);
  if (coverageFrom !== undefined && coverageTo !== undefined && coverageFrom > coverageTo) {
    add(`coverage.from ${cal.coverage.from} is after coverage.to ${cal.coverage.to}`);
  }

  const checkDates = (list: unknown, what: string): Set<string> => {
    const valid = new Set<string>();
    if (!Array.isArray(list)) {
      add(`${what} must be a list of dates (YYYY-MM-DD)`);
      return valid;
    }
    for (const date of list) {
      const n = tryParseDate(date);
      if (n === undefined) {
        add(`${what}: ${JSON.stringify(date)} is not a valid date (YYYY-MM-DD)`);
        continue;
      }
      valid.add(date as string);
      // A listed day outside coverage usually means coverage was not extended when data was added.
      if (coverageFrom !== undefined && coverageTo !== undefined && (n < coverageFrom || n > coverageTo)) {
        add(`${what}: ${date} is outside the coverage ${cal.coverage.from}..${cal.coverage.to}`, false);
      }
    }
    return valid;
  };
  const holidays = checkDates(cal.holidays, 'holidays');
  const makeUp = checkDates(cal.makeUpWorkingDays, 'makeUpWorkingDays');
  for (const date of holidays) {
    if (makeUp.has(date)) add(`${date} is both a holiday and a make-up working day`);
  }
  return found;
}

interface Prepared {
  timeZone: string;
  /** [startMinute, endMinute) of each working interval, sorted. */
  intervals: Array<[number, number]>;
  weekend: boolean[];
  holidays: Set<number>;
  makeUp: Set<number>;
  coverageFrom: number;
  coverageTo: number;
}

/** Parse a calendar, refusing an invalid one: a wrong due time is worse than a loud failure. */
function prepare(cal: BusinessCalendar): Prepared {
  const fatal = collectProblems(cal).filter((problem) => problem.fatal);
  if (fatal.length > 0) {
    throw new Error(`Business calendar ${JSON.stringify(cal?.id)} is invalid: ${fatal.map((problem) => problem.text).join('; ')}`);
  }
  const weekend = new Array<boolean>(8).fill(false);
  for (const d of cal.weekendDays) weekend[d] = true;
  return {
    timeZone: cal.timeZone,
    intervals: cal.workingHours.map((iv) => [tryParseTime(iv.start, false)!, tryParseTime(iv.end, true)!]),
    weekend,
    holidays: new Set(cal.holidays.map(parseDate)),
    makeUp: new Set(cal.makeUpWorkingDays.map(parseDate)),
    coverageFrom: parseDate(cal.coverage.from),
    coverageTo: parseDate(cal.coverage.to),
  };
}

function isWorkingDayNumber(p: Prepared, day: number): boolean {
  if (p.makeUp.has(day)) return true;
  if (p.holidays.has(day)) return false;
  return !p.weekend[isoWeekday(day)];
}

function outsideCoverage(p: Prepared, day: number): boolean {
  return day < p.coverageFrom || day > p.coverageTo;
}

/** The working intervals of a local date as instants (a DST gap may shrink or empty one). */
function dayIntervals(p: Prepared, day: number): Array<[number, number]> {
  const midnight = day * DAY_MS;
  return p.intervals.map(([s, e]) => [
    wallToInstant(p.timeZone, midnight + s * MINUTE_MS),
    wallToInstant(p.timeZone, midnight + e * MINUTE_MS),
  ]);
}

function checkInstant(at: number, what: string): void {
  if (typeof at !== 'number' || !Number.isFinite(at)) throw new RangeError(`${what} must be a finite epoch-millisecond number, got ${at}`);
}

/** Counts days walked and days without working time; throws before a walk can run away. */
class WalkGuard {
  private walked = 0;
  private idle = 0;
  constructor(private readonly calendarId: string) {}
  step(hadWorkingTime: boolean): void {
    this.walked += 1;
    this.idle = hadWorkingTime ? 0 : this.idle + 1;
    if (this.idle > MAX_IDLE_DAYS) {
      throw new Error(`Business calendar ${JSON.stringify(this.calendarId)} has no working time for ${MAX_IDLE_DAYS} consecutive days`);
    }
    if (this.walked > MAX_WALK_DAYS) {
      throw new Error(`Calendar computation on ${JSON.stringify(this.calendarId)} would span more than ${MAX_WALK_DAYS} days`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Public API.

export function localDate(cal: BusinessCalendar, at: number): string {
  checkInstant(at, 'at');
  if (!isValidTimeZone(cal.timeZone)) throw new RangeError(`Invalid time zone ${JSON.stringify(cal.timeZone)}`);
  return formatDate(localDayOf(cal.timeZone, at));
}

export function isWorkingDay(cal: BusinessCalendar, date: string): boolean {
  return isWorkingDayNumber(prepare(cal), parseDate(date));
}

export function isWithinWorkingHours(cal: BusinessCalendar, at: number): boolean {
  checkInstant(at, 'at');
  const p = prepare(cal);
  const day = localDayOf(p.timeZone, at);
  if (!isWorkingDayNumber(p, day)) return false;
  return dayIntervals(p, day).some(([a, b]) => a <= at && at < b);
}

export function addWorkingTime(cal: BusinessCalendar, start: number, durationMs: number): CalendarResult {
  checkInstant(start, 'start');
  if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs < 0) {
    throw new RangeError(`durationMs must be a finite number >= 0, got ${durationMs}`);
  }
  const p = prepare(cal);
  const guard = new WalkGuard(cal.id);
  let remaining = durationMs;
  let beyondCoverage = false;
  for (let day = localDayOf(p.timeZone, start); ; day++) {
    if (outsideCoverage(p, day)) beyondCoverage = true;
    let hadWorkingTime = false;
    if (isWorkingDayNumber(p, day)) {
      for (const [a, b] of dayIntervals(p, day)) {
        const from = Math.max(a, start);
        if (from >= b) continue;
        hadWorkingTime = true;
        // `<=` keeps a due time that fills an interval exactly at its end (18:00, not next morning);
        // with remaining 0 it yields the first working moment.
        if (remaining <= b - from) return { at: from + remaining, beyondCoverage };
        remaining -= b - from;
      }
    }
    guard.step(hadWorkingTime);
  }
}

export function workingTimeBetween(cal: BusinessCalendar, from: number, to: number): { ms: number; beyondCoverage: boolean } {
  checkInstant(from, 'from');
  checkInstant(to, 'to');
  const p = prepare(cal);
  if (to <= from) return { ms: 0, beyondCoverage: false };
  const first = localDayOf(p.timeZone, from);
  const last = localDayOf(p.timeZone, to - 1);
  if (last - first > MAX_WALK_DAYS) {
    throw new Error(`Calendar computation on ${JSON.stringify(cal.id)} would span more than ${MAX_WALK_DAYS} days`);
  }
  let ms = 0;
  let beyondCoverage = false;
  for (let day = first; day <= last; day++) {
    if (outsideCoverage(p, day)) beyondCoverage = true;
    if (!isWorkingDayNumber(p, day)) continue;
    for (const [a, b] of dayIntervals(p, day)) {
      const overlap = Math.min(b, to) - Math.max(a, from);
      if (overlap > 0) ms += overlap;
    }
  }
  return { ms, beyondCoverage };
}

export function endOfWorkingDay(cal: BusinessCalendar, at: number): CalendarResult {
  checkInstant(at, 'at');
  const p = prepare(cal);
  const guard = new WalkGuard(cal.id);
  let beyondCoverage = false;
  for (let day = localDayOf(p.timeZone, at); ; day++) {
    if (outsideCoverage(p, day)) beyondCoverage = true;
    let hadWorkingTime = false;
    if (isWorkingDayNumber(p, day)) {
      const intervals = dayIntervals(p, day).filter(([a, b]) => b > a);
      if (intervals.length > 0) {
        hadWorkingTime = true;
        const end = Math.max(...intervals.map(([, b]) => b));
        if (at < end) return { at: end, beyondCoverage };
      }
    }
    guard.step(hadWorkingTime);
  }
}

export function addWorkDays(cal: BusinessCalendar, awarenessDate: string, days: number): { date: string; beyondCoverage: boolean } {
  if (!Number.isInteger(days) || days < 0) throw new RangeError(`days must be an integer >= 0, got ${days}`);
  const p = prepare(cal);
  const guard = new WalkGuard(cal.id);
  let day = parseDate(awarenessDate);
  let counted = 0;
  let beyondCoverage = false;
  // Day 0 is the awareness date itself; only the days after it are judged.
  while (counted < days) {
    day += 1;
    if (outsideCoverage(p, day)) beyondCoverage = true;
    const working = isWorkingDayNumber(p, day);
    if (working) counted += 1;
    guard.step(working);
  }
  return { date: formatDate(day), beyondCoverage };
}

export function addCalendarDays(date: string, days: number): string {
  if (!Number.isInteger(days)) throw new RangeError(`days must be an integer, got ${days}`);
  return formatDate(parseDate(date) + days);
}

/** Nominal length of one working day (ignores DST), to turn "N working days" into working time. */
export function standardWorkingDayMs(cal: BusinessCalendar): number {
  return prepare(cal).intervals.reduce((sum, [s, e]) => sum + (e - s) * MINUTE_MS, 0);
}
