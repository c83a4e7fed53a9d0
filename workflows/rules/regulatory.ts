/**
 * Regulatory (vigilance) reporting clocks: which authority reports a complaint calls for, and when
 * each is due. The rules are data (`REPORTING_RULES`), one entry per row of the adverse-event table
 * in the shared regulatory brief (regulatory.md), which is the specification: several secondary
 * sources state these clocks wrongly, so nothing here comes from anywhere else.
 *
 * Pure and deterministic: this module runs inside Temporal's workflow sandbox, so it reads no clock,
 * draws no random numbers and imports only relative modules. Instants are epoch milliseconds.
 *
 * Day 0 is the day the company (or its distributor, whichever was earlier) became aware of the
 * event. A clock in calendar days ends at the end (23:59:59.999) of local date day0 + N in the
 * jurisdiction's time zone; a clock in work days ends at the end of the Nth work day after day 0 on
 * the jurisdiction's business calendar; a clock in hours ends exactly N hours after the awareness
 * instant. These clocks run in parallel with the customer-service SLAs and are never paused.
 *
 * Assumptions where the table is silent (each also noted where it is applied):
 * - An event that happened inside a jurisdiction concerns a device on that market, so that
 *   jurisdiction's rules apply whatever `marketedIn` says; `marketedIn` decides events elsewhere.
 * - China: only 'CN' (mainland) is domestic; HK, MO and TW are overseas (境外) for NMPA purposes.
 *   The group-event rule applies to clusters in mainland China; a cluster abroad falls under the
 *   overseas rule. A confirmed cluster is reportable whatever the individual outcomes (the group
 *   definition covers harm or threat to a number of people). Its three clocks replace the 7/20-day
 *   individual clocks (each case is filed as an individual report within 24 hours).
 *   The overseas rule covers deaths and serious injuries only, exactly as the table says.
 * - US: 21 CFR 803 applies to an event abroad when the device is marketed in the US (FDA's reading
 *   of 803: events with devices marketed in the US are reportable wherever they occur). A "public
 *   health threat" counts as a malfunction likely to cause death or serious injury (803.50); it
 *   triggers the 5-work-day report (803.53) only through `remedialActionNeeded` or an FDA request.
 *   803.53 and 803.56 apply to manufacturers; 803.53 needs an MDR-reportable event. When a 5-day
 *   report applies, the 30-day rule is listed too (tightest first); the caller keeps the tightest.
 * - EU: a serious incident is one that led or might have led to a death, a serious deterioration of
 *   health or a serious public health threat (MDR Art. 2(65)), so 'could cause' counts. Only events
 *   in the EU/EEA start an Art. 87(1)(a) clock; serious incidents in third countries are reported
 *   only if they lead to a field safety corrective action on the Union market (not modelled here).
 *   Switzerland, Turkey and Northern Ireland are not in the list below. Art. 88 trend reports have
 *   no clock and are proposed only when the caller flags a significant rise (`trendIncrease`).
 * - Time zones: CN Asia/Shanghai, US America/New_York (FDA's seat), EU Europe/Brussels.
 */
import { addCalendarDays, addWorkDays, localDateInZone, startOfLocalDateInZone, type BusinessCalendar } from './calendar.js';

export type Jurisdiction = 'CN' | 'US' | 'EU';

export const JURISDICTIONS: readonly Jurisdiction[] = ['CN', 'US', 'EU'];

/** The zone in which a jurisdiction's calendar days (and work days) begin and end. */
export const JURISDICTION_TIME_ZONE: Readonly<Record<Jurisdiction, string>> = {
  CN: 'Asia/Shanghai',
  US: 'America/New_York',
  EU: 'Europe/Brussels',
};

export type ReportingClock =
  | { unit: 'calendarDays' | 'workDays' | 'hours'; amount: number }
  | { unit: 'none' };

export interface ReportingRule {
  /** Stable identifier, usable as a clock id. */
  id: string;
  jurisdiction: Jurisdiction;
  citation: string;
  description: string;
  clock: ReportingClock;
  /** What day 0 is: the awareness of the event, or (803.56) the receipt of new information. */
  countsFrom: 'awareness' | 'newInformation';
}

const CN_ORDER = '医疗器械不良事件监测和再评价管理办法 (2018 Order No. 1)';

/** Every row of regulatory.md's adverse-event table; the China group row is split into its three clocks. */
export const REPORTING_RULES: readonly ReportingRule[] = [
  {
    id: 'cn.death',
    jurisdiction: 'CN',
    citation: CN_ORDER,
    description: 'Individual adverse event causing death: report within 7 days.',
    clock: { unit: 'calendarDays', amount: 7 },
    countsFrom: 'awareness',
  },
  {
    id: 'cn.serious',
    jurisdiction: 'CN',
    citation: CN_ORDER,
    description: 'Individual adverse event causing serious injury, or one that could cause serious injury or death: report within 20 days.',
    clock: { unit: 'calendarDays', amount: 20 },
    countsFrom: 'awareness',
  },
  {
    id: 'cn.overseas',
    jurisdiction: 'CN',
    citation: CN_ORDER,
    description: 'Overseas adverse event with serious injury or death, product also marketed in China: report within 30 days.',
    clock: { unit: 'calendarDays', amount: 30 },
    countsFrom: 'awareness',
  },
  {
    id: 'cn.group.notice',
    jurisdiction: 'CN',
    citation: `${CN_ORDER}, group (cluster) adverse event`,
    description: 'Group adverse event: report by phone or fax to the provincial drug regulator and health authority within 12 hours.',
    clock: { unit: 'hours', amount: 12 },
    countsFrom: 'awareness',
  },
  {
    id: 'cn.group.individual',
    jurisdiction: 'CN',
    citation: `${CN_ORDER}, group (cluster) adverse event`,
    description: 'Group adverse event: file each case as an individual adverse-event report within 24 hours.',
    clock: { unit: 'hours', amount: 24 },
    countsFrom: 'awareness',
  },
  {
    id: 'cn.group.investigation',
    jurisdiction: 'CN',
    citation: `${CN_ORDER}, group (cluster) adverse event`,
    description: 'Group adverse event: suspend production and sales, notify users, investigate, and report the investigation within 7 days.',
    clock: { unit: 'calendarDays', amount: 7 },
    countsFrom: 'awareness',
  },
  {
    id: 'us.803.50',
    jurisdiction: 'US',
    citation: '21 CFR 803.50',
    description: 'Manufacturer report of a death, a serious injury, or a malfunction likely to cause one if it recurred: 30 calendar days.',
    clock: { unit: 'calendarDays', amount: 30 },
    countsFrom: 'awareness',
  },
  {
    id: 'us.803.53',
    jurisdiction: 'US',
    citation: '21 CFR 803.53',
    description: '5-day report: an event needing remedial action to prevent an unreasonable risk of substantial harm to public health, or one FDA asked for in writing: 5 work days.',
    clock: { unit: 'workDays', amount: 5 },
    countsFrom: 'awareness',
  },
  {
    id: 'us.803.56',
    jurisdiction: 'US',
    citation: '21 CFR 803.56',
    description: 'Supplemental (follow-up) report after new information: 30 calendar days from receiving the new information.',
    clock: { unit: 'calendarDays', amount: 30 },
    countsFrom: 'newInformation',
  },
  {
    id: 'us.803.10a',
    jurisdiction: 'US',
    citation: '21 CFR 803.10(a)',
    description: 'User facility (e.g. a hospital): a death to FDA and the manufacturer, a serious injury to the manufacturer: 10 work days.',
    clock: { unit: 'workDays', amount: 10 },
    countsFrom: 'awareness',
  },
  {
    id: 'us.803.10b',
    jurisdiction: 'US',
    citation: '21 CFR 803.10(b)',
    description: 'Importer report of a death or serious injury: 30 calendar days.',
    clock: { unit: 'calendarDays', amount: 30 },
    countsFrom: 'awareness',
  },
  {
    id: 'eu.87.3',
    jurisdiction: 'EU',
    citation: 'Regulation (EU) 2017/745 (MDR) Art. 87(3)',
    description: 'Serious incident: report immediately, at most 15 days.',
    clock: { unit: 'calendarDays', amount: 15 },
    countsFrom: 'awareness',
  },
  {
    id: 'eu.87.5',
    jurisdiction: 'EU',
    citation: 'Regulation (EU) 2017/745 (MDR) Art. 87(5)',
    description: 'Death, or unanticipated serious deterioration of health: at most 10 days.',
    clock: { unit: 'calendarDays', amount: 10 },
    countsFrom: 'awareness',
  },
  {
    id: 'eu.87.4',
    jurisdiction: 'EU',
    citation: 'Regulation (EU) 2017/745 (MDR) Art. 87(4)',
    description: 'Serious public health threat: at most 2 days.',
    clock: { unit: 'calendarDays', amount: 2 },
    countsFrom: 'awareness',
  },
  {
    id: 'eu.88',
    jurisdiction: 'EU',
    citation: 'Regulation (EU) 2017/745 (MDR) Art. 88',
    description: 'Trend report: statistically significant rise of non-serious incidents or expected side effects; no fixed day count.',
    clock: { unit: 'none' },
    countsFrom: 'awareness',
  },
];

const RULES_BY_ID = new Map(REPORTING_RULES.map((rule) => [rule.id, rule]));

export function reportingRule(id: string): ReportingRule {
  const rule = RULES_BY_ID.get(id);
  if (!rule) throw new RangeError(`Unknown reporting rule ${JSON.stringify(id)}`);
  return rule;
}

// ---------------------------------------------------------------------------------------------
// Facts and decisions.

export type EventOutcome =
  | 'death'
  | 'serious_injury'
  | 'could_cause_serious_injury_or_death'
  | 'public_health_threat'
  | 'non_serious';

export type ReporterRole = 'manufacturer' | 'user_facility' | 'importer';

export interface ReportabilityFacts {
  /** ISO 3166 alpha-2 code of the country where the event happened. */
  eventCountry: string;
  outcome: EventOutcome;
  /** Where the product is on the market (China's overseas rule needs 'CN'). */
  marketedIn: readonly Jurisdiction[];
  /** US: which part of 21 CFR 803 applies. */
  reporterRole: ReporterRole;
  /** 803.53(a): remedial action is needed to prevent an unreasonable risk of substantial harm. */
  remedialActionNeeded: boolean;
  /** 803.53(b): FDA asked in writing for 5-day reports. */
  fdaRequestedFiveDayReport?: boolean;
  /** EU Art. 87(5): an unanticipated serious deterioration of health (with a serious injury). */
  unanticipatedSeriousDeterioration?: boolean;
  /**
   * The event is (also) a serious public health threat whatever the individual outcome, e.g. a death
   * in a contaminated batch. `outcome: 'public_health_threat'` says the same without individual harm.
   */
  publicHealthThreat?: boolean;
  /** A confirmed group (cluster) adverse event: China's 12-hour rule. */
  groupEvent?: boolean;
  /** EU Art. 88: a statistically significant rise of non-serious incidents or expected side effects. */
  trendIncrease?: boolean;
  /** Epoch ms when the company became aware. */
  companyAwareAt: number;
  /** Epoch ms when its distributor became aware, if known; the earlier of the two is day 0. */
  distributorAwareAt?: number;
}

export interface ProposedDecision {
  jurisdiction: Jurisdiction;
  reportable: boolean;
  /** The rules that apply, tightest clock first (a rule without a clock last). */
  rules: ReportingRule[];
  /** Plain words: which country or market, which outcome, hence which rules (or why none). */
  rationale: string;
}

/** EU member states plus the EEA states (IS, LI, NO), where the MDR applies. */
const EU_EEA = new Set([
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT',
  'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
  'IS', 'LI', 'NO',
]);

const OUTCOME_WORDS: Record<EventOutcome, string> = {
  death: 'a death',
  serious_injury: 'a serious injury',
  could_cause_serious_injury_or_death: 'an event (or malfunction) that could cause serious injury or death',
  public_health_threat: 'a serious public health threat',
  non_serious: 'a non-serious outcome',
};

function checkInstant(at: unknown, what: string): asserts at is number {
  if (typeof at !== 'number' || !Number.isFinite(at)) throw new RangeError(`${what} must be a finite epoch-millisecond number, got ${String(at)}`);
}

function normalisedCountry(facts: ReportabilityFacts): string {
  const country = typeof facts.eventCountry === 'string' ? facts.eventCountry.trim().toUpperCase() : '';
  if (!/^[A-Z]{2}$/.test(country)) throw new RangeError(`eventCountry must be an ISO 3166 alpha-2 code, got ${JSON.stringify(facts.eventCountry)}`);
  return country;
}

/** The earlier of the company's and the distributor's awareness: day 0 of every clock. */
export function awarenessDay0(facts: Pick<ReportabilityFacts, 'companyAwareAt' | 'distributorAwareAt'>): number {
  checkInstant(facts.companyAwareAt, 'companyAwareAt');
  if (facts.distributorAwareAt === undefined) return facts.companyAwareAt;
  checkInstant(facts.distributorAwareAt, 'distributorAwareAt');
  return Math.min(facts.companyAwareAt, facts.distributorAwareAt);
}

/**
 * Nominal length of a clock in hours, only to rank clocks (tightest first, and tightening). A
 * calendar-day clock ends at the end of day N, so it counts N + 1 days; N work days count as
 * N × 7/5 calendar days plus one. Every pair of clocks of one jurisdiction in the table ranks the
 * same way whatever the weekends and holidays (5 work days vs 30 days; 12 h vs 24 h vs 7 days).
 */
export function nominalClockHours(clock: ReportingClock): number {
  switch (clock.unit) {
    case 'hours':
      return clock.amount;
    case 'calendarDays':
      return (clock.amount + 1) * 24;
    case 'workDays':
      return ((clock.amount * 7) / 5 + 1) * 24;
    case 'none':
      return Number.POSITIVE_INFINITY;
  }
}

function tightestFirst(rules: ReportingRule[]): ReportingRule[] {
  return rules
    .map((rule, i) => ({ rule, i }))
    .sort((a, b) => nominalClockHours(a.rule.clock) - nominalClockHours(b.rule.clock) || a.i - b.i)
    .map(({ rule }) => rule);
}

function decision(jurisdiction: Jurisdiction, ruleIds: string[], rationale: string): ProposedDecision {
  const rules = tightestFirst(ruleIds.map(reportingRule));
  return { jurisdiction, reportable: rules.length > 0, rules, rationale };
}

function clockWords(rule: ReportingRule): string {
  const c = rule.clock;
  switch (c.unit) {
    case 'hours':
      return `${c.amount} hours`;
    case 'calendarDays':
      return `${c.amount} days`;
    case 'workDays':
      return `${c.amount} work days`;
    case 'none':
      return 'no fixed day count';
  }
}

function listRules(ids: string[]): string {
  return tightestFirst(ids.map(reportingRule))
    .map((rule) => `${rule.citation.replace(`${CN_ORDER}, `, '')} (${clockWords(rule)})`)
    .join('; ');
}

function proposeCN(facts: ReportabilityFacts, country: string, pht: boolean): ProposedDecision {
  const outcome = OUTCOME_WORDS[facts.outcome];
  if (country === 'CN') {
    // Assumption: an event in mainland China concerns a product on the Chinese market.
    if (facts.groupEvent) {
      const ids = ['cn.group.notice', 'cn.group.individual', 'cn.group.investigation'];
      return decision('CN', ids,
        `confirmed group (cluster) adverse event in CN (mainland China): 12-hour phone/fax report to the provincial drug regulator and health authority, each case as an individual report within 24 hours, investigation report within 7 days`);
    }
    if (facts.outcome === 'death') {
      return decision('CN', ['cn.death'], `event in CN (mainland China) with ${outcome}: individual report within 7 days`);
    }
    if (facts.outcome !== 'non_serious' || pht) {
      const what = facts.outcome === 'non_serious' ? OUTCOME_WORDS.public_health_threat : outcome;
      return decision('CN', ['cn.serious'],
        `event in CN (mainland China) with ${what} (serious injury, or could cause serious injury or death): individual report within 20 days`);
    }
    return decision('CN', [], `event in CN (mainland China) with ${outcome}: no individual report required`);
  }
  const group = facts.groupEvent ? ' (a group event abroad falls under the overseas rule; the 12-hour group rule covers mainland China)' : '';
  if (!facts.marketedIn.includes('CN')) {
    return decision('CN', [], `event in ${country} and product not marketed in CN`);
  }
  if (facts.outcome === 'death' || facts.outcome === 'serious_injury') {
    return decision('CN', ['cn.overseas'],
      `overseas event in ${country} with ${outcome}, product also marketed in CN: report within 30 days${group}`);
  }
  return decision('CN', [],
    `overseas event in ${country} with ${outcome}, product marketed in CN: the overseas rule covers only deaths and serious injuries${group}`);
}

function proposeUS(facts: ReportabilityFacts, country: string, pht: boolean): ProposedDecision {
  const outcome = OUTCOME_WORDS[facts.outcome];
  if (country !== 'US' && !facts.marketedIn.includes('US')) {
    return decision('US', [], `event in ${country} and product not marketed in US`);
  }
  // Assumption (table silent): 21 CFR 803 covers an event abroad with a device marketed in the US.
  const where = country === 'US' ? 'event in US' : `event in ${country} (device marketed in US)`;
  const deathOrInjury = facts.outcome === 'death' || facts.outcome === 'serious_injury';
  switch (facts.reporterRole) {
    case 'user_facility': {
      if (!deathOrInjury) {
        return decision('US', [], `${where} with ${outcome}: user facilities report only deaths and serious injuries (21 CFR 803.10(a))`);
      }
      const to = facts.outcome === 'death' ? 'to FDA and the manufacturer' : 'to the manufacturer';
      return decision('US', ['us.803.10a'], `${where} with ${outcome}: user-facility report ${to} within 10 work days (21 CFR 803.10(a))`);
    }
    case 'importer': {
      if (!deathOrInjury) {
        return decision('US', [], `${where} with ${outcome}: importers report deaths and serious injuries (21 CFR 803.10(b))`);
      }
      return decision('US', ['us.803.10b'], `${where} with ${outcome}: importer report within 30 days (21 CFR 803.10(b))`);
    }
    case 'manufacturer': {
      const mdrReportable = facts.outcome !== 'non_serious' || pht;
      if (!mdrReportable) {
        return decision('US', [], `${where} with ${outcome}: not an MDR-reportable event (no death, serious injury or malfunction likely to cause one)`);
      }
      const what = facts.outcome === 'non_serious' ? OUTCOME_WORDS.public_health_threat : outcome;
      const ids = ['us.803.50'];
      const why: string[] = [];
      if (facts.remedialActionNeeded) why.push('remedial action is needed to prevent an unreasonable risk of substantial harm to public health');
      if (facts.fdaRequestedFiveDayReport) why.push('FDA asked in writing for 5-day reports');
      if (why.length > 0) ids.push('us.803.53');
      const fiveDay = why.length > 0 ? `; ${why.join(' and ')}, so a 5-day report is due` : '';
      return decision('US', ids, `${where} with ${what}: manufacturer MDR report${fiveDay}: ${listRules(ids)}`);
    }
    default:
      throw new RangeError(`Unknown reporterRole ${JSON.stringify((facts as { reporterRole: unknown }).reporterRole)}`);
  }
}

function proposeEU(facts: ReportabilityFacts, country: string, pht: boolean): ProposedDecision {
  const outcome = OUTCOME_WORDS[facts.outcome];
  const inEea = EU_EEA.has(country);
  const marketed = facts.marketedIn.includes('EU');
  if (!inEea && !marketed) {
    return decision('EU', [], `event in ${country} and product not marketed in EU`);
  }
  const trend = facts.trendIncrease ? ['eu.88'] : [];
  const trendWords = facts.trendIncrease ? '; a statistically significant rise was flagged: trend report (Art. 88)' : '';
  if (!inEea) {
    // Assumption: serious incidents outside the EU/EEA are not reported under Art. 87(1)(a) unless
    // they lead to a field safety corrective action on the Union market.
    return decision('EU', trend, `event in ${country} with ${outcome}, outside the EU/EEA: no serious-incident report (Art. 87(1)(a) covers incidents in the EU/EEA)${trendWords}`);
  }
  const serious = facts.outcome !== 'non_serious' || pht;
  if (!serious) {
    return decision('EU', trend, `event in ${country} (EU/EEA) with ${outcome}: not a serious incident${trendWords}`);
  }
  const ids: string[] = [];
  const why: string[] = [];
  if (pht) {
    ids.push('eu.87.4');
    why.push('a serious public health threat');
  }
  if (facts.outcome === 'death') {
    ids.push('eu.87.5');
    why.push('a death');
  } else if (facts.outcome === 'serious_injury' && facts.unanticipatedSeriousDeterioration) {
    ids.push('eu.87.5');
    why.push('an unanticipated serious deterioration of health');
  }
  ids.push('eu.87.3');
  if (why.length === 0) why.push(outcome);
  return decision('EU', [...ids, ...trend],
    `event in ${country} (EU/EEA) with ${why.join(' and ')}: serious incident: ${listRules(ids)}${trendWords}`);
}

/** One proposed decision per jurisdiction (CN, US, EU), reportable or not, with its reason. */
export function proposeReportability(facts: ReportabilityFacts): ProposedDecision[] {
  const country = normalisedCountry(facts);
  awarenessDay0(facts); // validates the awareness instants
  if (!(facts.outcome in OUTCOME_WORDS)) throw new RangeError(`Unknown outcome ${JSON.stringify(facts.outcome)}`);
  if (!Array.isArray(facts.marketedIn)) throw new RangeError('marketedIn must be a list of jurisdictions');
  const pht = facts.outcome === 'public_health_threat' || facts.publicHealthThreat === true;
  return [proposeCN(facts, country, pht), proposeUS(facts, country, pht), proposeEU(facts, country, pht)];
}

/**
 * When facts change, the tighter rule of the same jurisdiction that the new facts call for (the
 * tightest, if several), or undefined when none is tighter than `current` (a rule that would be
 * looser never replaces it). The caller recomputes the due time from the ORIGINAL day 0, which
 * `awarenessDay0(newFacts)` still gives since the awareness instants do not change.
 * A supplemental report (803.56) counts from new information, not day 0: it never tightens.
 */
export function tightenedRule(current: ReportingRule, newFacts: ReportabilityFacts): ReportingRule | undefined {
  if (current.countsFrom !== 'awareness') return undefined;
  const proposed = proposeReportability(newFacts).find((d) => d.jurisdiction === current.jurisdiction);
  const limit = nominalClockHours(current.clock);
  return proposed?.rules.find((rule) => rule.clock.unit !== 'none' && nominalClockHours(rule.clock) < limit);
}

// ---------------------------------------------------------------------------------------------
// Due times.

export interface RegulatoryCalendars {
  CN: BusinessCalendar;
  US: BusinessCalendar;
}

export interface ReportDue {
  dueAt: number;
  /** The local date (jurisdiction's zone) by whose end the report is due; absent for hour clocks. */
  dueDate?: string;
  /** A work-day count ran over days the business calendar does not cover: show a warning. */
  beyondCoverage: boolean;
}

const HOUR_MS = 3_600_000;

function endOfLocalDate(timeZone: string, date: string): number {
  return startOfLocalDateInZone(timeZone, addCalendarDays(date, 1)) - 1;
}

/**
 * When a report under `rule` is due, counting from `day0` (the awareness instant, or for 803.56 the
 * receipt of the new information). Undefined for a rule without a clock (EU Art. 88).
 */
export function reportDue(rule: ReportingRule, day0: number, calendars: RegulatoryCalendars): ReportDue | undefined {
  checkInstant(day0, 'day0');
  const clock = rule.clock;
  if (clock.unit === 'none') return undefined;
  if (!Number.isInteger(clock.amount) || clock.amount < 0) throw new RangeError(`Rule ${rule.id}: clock amount must be an integer >= 0`);
  const timeZone = JURISDICTION_TIME_ZONE[rule.jurisdiction];
  switch (clock.unit) {
    case 'hours':
      return { dueAt: day0 + clock.amount * HOUR_MS, beyondCoverage: false };
    case 'calendarDays': {
      const dueDate = addCalendarDays(localDateInZone(timeZone, day0), clock.amount);
      return { dueAt: endOfLocalDate(timeZone, dueDate), dueDate, beyondCoverage: false };
    }
    case 'workDays': {
      if (rule.jurisdiction === 'EU') throw new RangeError(`Rule ${rule.id}: no EU business calendar for a work-day clock`);
      const calendar = calendars?.[rule.jurisdiction];
      if (!calendar) throw new RangeError(`Rule ${rule.id}: the ${rule.jurisdiction} business calendar is missing`);
      const { date, beyondCoverage } = addWorkDays(calendar, localDateInZone(timeZone, day0), clock.amount);
      return { dueAt: endOfLocalDate(timeZone, date), dueDate: date, beyondCoverage };
    }
  }
}

/** 21 CFR 803.56: the supplemental report is due 30 calendar days after the new information arrived. */
export function supplementalReportDue(newInformationAt: number, calendars: RegulatoryCalendars): ReportDue {
  return reportDue(reportingRule('us.803.56'), newInformationAt, calendars)!;
}
