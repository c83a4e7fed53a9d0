/**
 * Reference business calendars (facts from the domain brief). A seed loads them into the database,
 * where an admin keeps them up to date; tests use them directly. Extend `coverage` whenever the
 * next year's holidays are added, otherwise clocks past it carry a beyond-coverage warning.
 */
import type { BusinessCalendar } from '../../workflows/rules/calendar.js';

/** 2026 schedule: State Council General Office notice of 2025-11-04. 2027 is not published yet. */
export const CHINA_MAINLAND: BusinessCalendar = {
  id: 'CN',
  name: 'China mainland',
  timeZone: 'Asia/Shanghai',
  workingHours: [
    { start: '09:00', end: '12:00' },
    { start: '13:00', end: '18:00' },
  ],
  weekendDays: [6, 7],
  holidays: [
    // New Year
    '2026-01-01', '2026-01-02', '2026-01-03',
    // Spring Festival
    '2026-02-15', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19',
    '2026-02-20', '2026-02-21', '2026-02-22', '2026-02-23',
    // Qingming
    '2026-04-04', '2026-04-05', '2026-04-06',
    // Labour Day
    '2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05',
    // Dragon Boat
    '2026-06-19', '2026-06-20', '2026-06-21',
    // Mid-Autumn
    '2026-09-25', '2026-09-26', '2026-09-27',
    // National Day
    '2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07',
  ],
  makeUpWorkingDays: [
    '2026-01-04', // Sun, New Year
    '2026-02-14', // Sat, Spring Festival
    '2026-02-28', // Sat, Spring Festival
    '2026-05-09', // Sat, Labour Day
    '2026-09-20', // Sun, National Day
    '2026-10-10', // Sat, National Day
  ],
  coverage: { from: '2026-01-01', to: '2026-12-31' },
};

/** Observed federal holidays (a Saturday holiday is observed on Friday, a Sunday one on Monday). */
export const US_FEDERAL: BusinessCalendar = {
  id: 'US-FED',
  name: 'United States federal',
  timeZone: 'America/New_York',
  workingHours: [{ start: '09:00', end: '17:00' }],
  weekendDays: [6, 7],
  holidays: [
    '2026-01-01', '2026-01-19', '2026-02-16', '2026-05-25', '2026-06-19', '2026-07-03',
    '2026-09-07', '2026-10-12', '2026-11-11', '2026-11-26', '2026-12-25',
    '2027-01-01', '2027-01-18', '2027-02-15', '2027-05-31', '2027-06-18', '2027-07-05',
    '2027-09-06', '2027-10-11', '2027-11-11', '2027-11-25', '2027-12-24',
    '2027-12-31', // observed for Sat 2028-01-01
  ],
  makeUpWorkingDays: [],
  coverage: { from: '2026-01-01', to: '2027-12-31' },
};

export const DEFAULT_CALENDARS: BusinessCalendar[] = [CHINA_MAINLAND, US_FEDERAL];
