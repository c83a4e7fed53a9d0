/**
 * Regulatory reporting clocks, one case (at least) per row of regulatory.md's adverse-event table.
 * Every expected value below was worked out by hand from that table and the calendar facts in the
 * domain brief, never copied from the code's output.
 *
 * Facts used: 2026 weekdays Jan 1 Thu, Feb 1 Sun, Mar 1 Sun, Nov 1 Sun, Dec 1 Tue; 2027-01-01 Fri;
 * 2027-12-28 Tue. February 2026 has 28 days. US DST 2026: Mar 8 to Nov 1 (EDT -04:00, else EST
 * -05:00). EU DST 2026: Mar 29 to Oct 25 (CEST +02:00, else CET +01:00). China: +08:00, no DST.
 * US federal holidays used: 2026-11-26, 2026-12-25, 2027-01-01, 2027-12-31 (observed).
 */
import { describe, expect, it } from 'vitest';
import { CHINA_MAINLAND, US_FEDERAL } from '../../db/reference/calendars.js';
import {
  REPORTING_RULES,
  awarenessDay0,
  proposeReportability,
  reportDue,
  reportingRule,
  supplementalReportDue,
  tightenedRule,
  type ProposedDecision,
  type ReportabilityFacts,
  type ReportingClock,
} from '../../workflows/rules/regulatory.js';

const calendars = { CN: CHINA_MAINLAND, US: US_FEDERAL };
const t = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test instant ${iso}`);
  return ms;
};
/** Compare as ISO strings so a failure shows readable instants. */
const iso = (ms: number): string => new Date(ms).toISOString();

function facts(overrides: Partial<ReportabilityFacts>): ReportabilityFacts {
  return {
    eventCountry: 'CN',
    outcome: 'serious_injury',
    marketedIn: ['CN', 'US', 'EU'],
    reporterRole: 'manufacturer',
    remedialActionNeeded: false,
    companyAwareAt: t('2026-03-02T10:00:00+08:00'),
    ...overrides,
  };
}

function byJurisdiction(decisions: ProposedDecision[]): Record<string, ProposedDecision> {
  return Object.fromEntries(decisions.map((d) => [d.jurisdiction, d]));
}

const ids = (d: ProposedDecision): string[] => d.rules.map((r) => r.id);

describe('REPORTING_RULES: every row of the table as data', () => {
  it.each<[string, 'CN' | 'US' | 'EU', string, ReportingClock]>([
    ['cn.death', 'CN', '2018 Order No. 1', { unit: 'calendarDays', amount: 7 }],
    ['cn.serious', 'CN', '2018 Order No. 1', { unit: 'calendarDays', amount: 20 }],
    ['cn.overseas', 'CN', '2018 Order No. 1', { unit: 'calendarDays', amount: 30 }],
    ['cn.group.notice', 'CN', 'group', { unit: 'hours', amount: 12 }],
    ['cn.group.individual', 'CN', 'group', { unit: 'hours', amount: 24 }],
    ['cn.group.investigation', 'CN', 'group', { unit: 'calendarDays', amount: 7 }],
    ['us.803.50', 'US', '21 CFR 803.50', { unit: 'calendarDays', amount: 30 }],
    ['us.803.53', 'US', '21 CFR 803.53', { unit: 'workDays', amount: 5 }],
    ['us.803.56', 'US', '21 CFR 803.56', { unit: 'calendarDays', amount: 30 }],
    ['us.803.10a', 'US', '21 CFR 803.10(a)', { unit: 'workDays', amount: 10 }],
    ['us.803.10b', 'US', '21 CFR 803.10(b)', { unit: 'calendarDays', amount: 30 }],
    ['eu.87.3', 'EU', 'Art. 87(3)', { unit: 'calendarDays', amount: 15 }],
    ['eu.87.5', 'EU', 'Art. 87(5)', { unit: 'calendarDays', amount: 10 }],
    ['eu.87.4', 'EU', 'Art. 87(4)', { unit: 'calendarDays', amount: 2 }],
    ['eu.88', 'EU', 'Art. 88', { unit: 'none' }],
  ])('%s: %s, %s', (id, jurisdiction, citation, clock) => {
    const rule = reportingRule(id);
    expect(rule.jurisdiction).toBe(jurisdiction);
    expect(rule.citation).toContain(citation);
    expect(rule.clock).toEqual(clock);
    expect(rule.description.length).toBeGreaterThan(10);
  });

  it('holds exactly those 15 rules, with unique ids', () => {
    expect(REPORTING_RULES).toHaveLength(15);
    expect(new Set(REPORTING_RULES.map((r) => r.id)).size).toBe(15);
    expect(reportingRule('us.803.56').countsFrom).toBe('newInformation');
    expect(() => reportingRule('nope')).toThrow(/Unknown reporting rule/);
  });
});

describe('reportDue: one case per row, day 0 explicit', () => {
  it.each<[string, string, string, string, string | undefined]>([
    // CN (Asia/Shanghai, +08:00)
    ['CN death: Mar 10 + 7', 'cn.death', '2026-03-10T15:00:00+08:00', '2026-03-17T23:59:59.999+08:00', '2026-03-17'],
    // 20:00 UTC on Mar 10 is already 04:00 on Mar 11 in Shanghai: day 0 is Mar 11.
    ['CN death: day 0 is the Shanghai date', 'cn.death', '2026-03-10T20:00:00Z', '2026-03-18T23:59:59.999+08:00', '2026-03-18'],
    // Sep 20 + 20 = Oct 10 (Sep has 30 days); calendar days run straight through National Day.
    ['CN serious injury: 20 days', 'cn.serious', '2026-09-20T10:00:00+08:00', '2026-10-10T23:59:59.999+08:00', '2026-10-10'],
    // Jan 15 + 30 = Feb 14 (Jan has 31 days).
    ['CN overseas: 30 days', 'cn.overseas', '2026-01-15T09:00:00+08:00', '2026-02-14T23:59:59.999+08:00', '2026-02-14'],
    ['CN group: 12-hour phone/fax report', 'cn.group.notice', '2026-05-01T22:30:00+08:00', '2026-05-02T10:30:00+08:00', undefined],
    ['CN group: individual reports within 24 hours', 'cn.group.individual', '2026-05-01T22:30:00+08:00', '2026-05-02T22:30:00+08:00', undefined],
    ['CN group: investigation report in 7 days', 'cn.group.investigation', '2026-05-01T22:30:00+08:00', '2026-05-08T23:59:59.999+08:00', '2026-05-08'],
    // US (America/New_York). Feb 20 + 30 = Mar 22 (Feb has 28 days), after DST began on Mar 8.
    ['US 803.50: 30 calendar days across the DST change', 'us.803.50', '2026-02-20T16:00:00-05:00', '2026-03-22T23:59:59.999-04:00', '2026-03-22'],
    // 02:00 UTC on Jun 1 is 22:00 on May 31 in New York: May 31 + 30 = Jun 30.
    ['US 803.50: day 0 is the New York date', 'us.803.50', '2026-06-01T02:00:00Z', '2026-06-30T23:59:59.999-04:00', '2026-06-30'],
    // Wed Nov 25; Thanksgiving Thu 26 off; Fri 27 = 1, Mon 30 = 2, Tue Dec 1 = 3, Wed 2 = 4, Thu 3 = 5.
    ['US 803.53: 5 work days across Thanksgiving and a weekend', 'us.803.53', '2026-11-25T10:00:00-05:00', '2026-12-03T23:59:59.999-05:00', '2026-12-03'],
    // Apr 2 + 30 = May 2 (Apr has 30 days).
    ['US 803.56: 30 days from the new information', 'us.803.56', '2026-04-02T11:00:00-04:00', '2026-05-02T23:59:59.999-04:00', '2026-05-02'],
    // Tue Dec 22: Wed 23 = 1, Thu 24 = 2, Christmas Fri 25 off, Mon 28 = 3, Tue 29 = 4, Wed 30 = 5,
    // Thu 31 = 6, New Year Fri Jan 1 off, Mon Jan 4 = 7, Tue 5 = 8, Wed 6 = 9, Thu 7 = 10.
    ['US 803.10(a): 10 work days across Christmas and New Year', 'us.803.10a', '2026-12-22T09:00:00-05:00', '2027-01-07T23:59:59.999-05:00', '2027-01-07'],
    // Oct 20 + 30 = Nov 19 (Oct has 31 days), after DST ended on Nov 1.
    ['US 803.10(b): importer, 30 calendar days', 'us.803.10b', '2026-10-20T12:00:00-04:00', '2026-11-19T23:59:59.999-05:00', '2026-11-19'],
    // EU (Europe/Brussels). Mar 20 + 15 = Apr 4, after DST began on Mar 29.
    ['EU 87(3): 15 days', 'eu.87.3', '2026-03-20T10:00:00+01:00', '2026-04-04T23:59:59.999+02:00', '2026-04-04'],
    // 23:30 UTC on Jul 1 is 01:30 on Jul 2 in Brussels: Jul 2 + 10 = Jul 12.
    ['EU 87(5): 10 days, day 0 is the Brussels date', 'eu.87.5', '2026-07-01T23:30:00Z', '2026-07-12T23:59:59.999+02:00', '2026-07-12'],
    // Oct 24 + 2 = Oct 26, after DST ended on Oct 25.
    ['EU 87(4): 2 days', 'eu.87.4', '2026-10-24T18:00:00+02:00', '2026-10-26T23:59:59.999+01:00', '2026-10-26'],
  ])('%s', (_name, id, day0, due, dueDate) => {
    const result = reportDue(reportingRule(id), t(day0), calendars);
    expect(result).toBeDefined();
    expect(iso(result!.dueAt)).toBe(iso(t(due)));
    expect(result!.dueDate).toBe(dueDate);
    expect(result!.beyondCoverage).toBe(false);
  });

  it('EU Art. 88 trend report: no fixed clock', () => {
    expect(reportDue(reportingRule('eu.88'), t('2026-03-20T10:00:00+01:00'), calendars)).toBeUndefined();
  });

  it('a work-day clock past the US calendar’s coverage says so', () => {
    // Tue 2027-12-28: Wed 29 = 1, Thu 30 = 2, Fri 31 observed holiday, Mon 2028-01-03 = 3 (uncovered),
    // Tue 4 = 4, Wed 5 = 5.
    const result = reportDue(reportingRule('us.803.53'), t('2027-12-28T10:00:00-05:00'), calendars)!;
    expect(iso(result.dueAt)).toBe(iso(t('2028-01-05T23:59:59.999-05:00')));
    expect(result.dueDate).toBe('2028-01-05');
    expect(result.beyondCoverage).toBe(true);
  });

  it('supplementalReportDue: 803.56, 30 days from receiving the new information', () => {
    // New information on Dec 10 (first report long filed): Dec 10 + 30 = Jan 9, 2027.
    const result = supplementalReportDue(t('2026-12-10T15:00:00-05:00'), calendars);
    expect(iso(result.dueAt)).toBe(iso(t('2027-01-09T23:59:59.999-05:00')));
    expect(result.dueDate).toBe('2027-01-09');
  });
});

describe('day 0 = the earlier of company and distributor awareness', () => {
  it('the distributor knew first: its awareness is day 0', () => {
    const f = facts({
      outcome: 'death',
      companyAwareAt: t('2026-03-12T09:00:00+08:00'),
      distributorAwareAt: t('2026-03-09T16:00:00+08:00'),
    });
    const day0 = awarenessDay0(f);
    expect(iso(day0)).toBe(iso(t('2026-03-09T16:00:00+08:00')));
    // CN death: Mar 9 + 7 = Mar 16, not Mar 19.
    expect(iso(reportDue(reportingRule('cn.death'), day0, calendars)!.dueAt)).toBe(iso(t('2026-03-16T23:59:59.999+08:00')));
  });

  it('the company knew first, or no distributor: the company’s awareness', () => {
    expect(awarenessDay0({ companyAwareAt: t('2026-03-09T16:00:00+08:00'), distributorAwareAt: t('2026-03-12T09:00:00+08:00') })).toBe(
      t('2026-03-09T16:00:00+08:00'),
    );
    expect(awarenessDay0({ companyAwareAt: t('2026-03-09T16:00:00+08:00') })).toBe(t('2026-03-09T16:00:00+08:00'));
    expect(() => awarenessDay0({ companyAwareAt: Number.NaN })).toThrow(RangeError);
  });
});

describe('proposeReportability', () => {
  it('event in CN, serious injury, marketed in CN/US/EU: CN 20 days, US 803.50, EU none (event outside the EU/EEA)', () => {
    const d = byJurisdiction(proposeReportability(facts({ eventCountry: 'CN', outcome: 'serious_injury' })));
    expect(proposeReportability(facts({})).map((x) => x.jurisdiction)).toEqual(['CN', 'US', 'EU']);
    expect(d.CN.reportable).toBe(true);
    expect(ids(d.CN)).toEqual(['cn.serious']);
    expect(d.CN.rationale).toMatch(/event in CN/);
    expect(d.CN.rationale).toMatch(/serious injury/);
    expect(d.US.reportable).toBe(true);
    expect(ids(d.US)).toEqual(['us.803.50']);
    expect(d.US.rationale).toMatch(/event in CN \(device marketed in US\) with a serious injury/);
    expect(d.EU.reportable).toBe(false);
    expect(d.EU.rules).toEqual([]);
    expect(d.EU.rationale).toMatch(/event in CN with a serious injury, outside the EU\/EEA/);
  });

  it('event in CN with a death: CN 7 days', () => {
    const d = byJurisdiction(proposeReportability(facts({ outcome: 'death' })));
    expect(ids(d.CN)).toEqual(['cn.death']);
    expect(d.CN.rationale).toMatch(/a death/);
  });

  it('event in CN that could cause serious injury or death: CN 20 days, US 803.50 (malfunction)', () => {
    const d = byJurisdiction(proposeReportability(facts({ outcome: 'could_cause_serious_injury_or_death' })));
    expect(ids(d.CN)).toEqual(['cn.serious']);
    expect(ids(d.US)).toEqual(['us.803.50']);
  });

  it('event in the US, death, needing remedial action, not marketed in CN: 5-day report first, then 30 days', () => {
    const d = byJurisdiction(
      proposeReportability(facts({ eventCountry: 'US', outcome: 'death', marketedIn: ['US', 'EU'], remedialActionNeeded: true })),
    );
    expect(d.CN.reportable).toBe(false);
    expect(d.CN.rationale).toBe('event in US and product not marketed in CN');
    expect(ids(d.US)).toEqual(['us.803.53', 'us.803.50']);
    expect(d.US.rationale).toMatch(/event in US with a death/);
    expect(d.US.rationale).toMatch(/remedial action/);
    expect(d.EU.reportable).toBe(false);
    expect(d.EU.rationale).toMatch(/event in US with a death, outside the EU\/EEA/);
  });

  it('FDA asked in writing for 5-day reports: 803.53 without remedial action', () => {
    const d = byJurisdiction(
      proposeReportability(facts({ eventCountry: 'US', outcome: 'serious_injury', fdaRequestedFiveDayReport: true })),
    );
    expect(ids(d.US)).toEqual(['us.803.53', 'us.803.50']);
    expect(d.US.rationale).toMatch(/FDA asked in writing/);
  });

  it('event in DE with a death, marketed in CN and EU: CN overseas 30 days, no US, EU 10 then 15 days', () => {
    const d = byJurisdiction(proposeReportability(facts({ eventCountry: 'DE', outcome: 'death', marketedIn: ['CN', 'EU'] })));
    expect(ids(d.CN)).toEqual(['cn.overseas']);
    expect(d.CN.rationale).toMatch(/overseas event in DE with a death, product also marketed in CN/);
    expect(d.US.reportable).toBe(false);
    expect(d.US.rationale).toBe('event in DE and product not marketed in US');
    expect(ids(d.EU)).toEqual(['eu.87.5', 'eu.87.3']);
    expect(d.EU.rationale).toMatch(/event in DE \(EU\/EEA\) with a death/);
  });

  it('event in DE, product not marketed in CN: the reason says so', () => {
    const d = byJurisdiction(proposeReportability(facts({ eventCountry: 'de', outcome: 'serious_injury', marketedIn: ['EU'] })));
    expect(d.CN.reportable).toBe(false);
    expect(d.CN.rationale).toBe('event in DE and product not marketed in CN');
    expect(ids(d.EU)).toEqual(['eu.87.3']);
  });

  it('overseas event that only could cause harm: the CN overseas rule covers deaths and serious injuries only', () => {
    const d = byJurisdiction(proposeReportability(facts({ eventCountry: 'FR', outcome: 'could_cause_serious_injury_or_death' })));
    expect(d.CN.reportable).toBe(false);
    expect(d.CN.rationale).toMatch(/only deaths and serious injuries/);
    expect(ids(d.EU)).toEqual(['eu.87.3']);
  });

  it('Hong Kong counts as overseas for China', () => {
    const d = byJurisdiction(proposeReportability(facts({ eventCountry: 'HK', outcome: 'serious_injury' })));
    expect(ids(d.CN)).toEqual(['cn.overseas']);
  });

  it('a non-serious event: nothing reportable anywhere, each with its reason', () => {
    for (const country of ['CN', 'US', 'DE']) {
      const decisions = proposeReportability(facts({ eventCountry: country, outcome: 'non_serious', remedialActionNeeded: true }));
      expect(decisions.map((d) => d.reportable)).toEqual([false, false, false]);
      for (const d of decisions) {
        expect(d.rules).toEqual([]);
        expect(d.rationale).toMatch(/non-serious/);
      }
    }
  });

  it('a confirmed group event in CN: three clocks, 12 h, 24 h, 7 days', () => {
    const d = byJurisdiction(proposeReportability(facts({ outcome: 'serious_injury', groupEvent: true })));
    expect(ids(d.CN)).toEqual(['cn.group.notice', 'cn.group.individual', 'cn.group.investigation']);
    expect(d.CN.rationale).toMatch(/group/);
    // Hand-worked dues from day 0 = Mar 2 10:00 Shanghai.
    const dues = d.CN.rules.map((r) => iso(reportDue(r, t('2026-03-02T10:00:00+08:00'), calendars)!.dueAt));
    expect(dues).toEqual([
      iso(t('2026-03-02T22:00:00+08:00')),
      iso(t('2026-03-03T10:00:00+08:00')),
      iso(t('2026-03-09T23:59:59.999+08:00')),
    ]);
  });

  it('US user facility: serious injury 10 work days; a malfunction is not its to report', () => {
    const injury = byJurisdiction(proposeReportability(facts({ eventCountry: 'US', reporterRole: 'user_facility' })));
    expect(ids(injury.US)).toEqual(['us.803.10a']);
    expect(injury.US.rationale).toMatch(/to the manufacturer/);
    const death = byJurisdiction(proposeReportability(facts({ eventCountry: 'US', outcome: 'death', reporterRole: 'user_facility' })));
    expect(death.US.rationale).toMatch(/to FDA and the manufacturer/);
    const malfunction = byJurisdiction(
      proposeReportability(facts({ eventCountry: 'US', outcome: 'could_cause_serious_injury_or_death', reporterRole: 'user_facility' })),
    );
    expect(malfunction.US.reportable).toBe(false);
    expect(malfunction.US.rationale).toMatch(/only deaths and serious injuries/);
  });

  it('US importer: death 30 days (803.10(b)), even with remedial action (803.53 is the manufacturer’s)', () => {
    const d = byJurisdiction(
      proposeReportability(facts({ eventCountry: 'US', outcome: 'death', reporterRole: 'importer', remedialActionNeeded: true })),
    );
    expect(ids(d.US)).toEqual(['us.803.10b']);
  });

  it('EU: unanticipated serious deterioration 10 days; public health threat 2 days; both with a death', () => {
    const unanticipated = byJurisdiction(
      proposeReportability(facts({ eventCountry: 'FR', unanticipatedSeriousDeterioration: true })),
    );
    expect(ids(unanticipated.EU)).toEqual(['eu.87.5', 'eu.87.3']);
    expect(unanticipated.EU.rationale).toMatch(/unanticipated serious deterioration/);
    const threat = byJurisdiction(proposeReportability(facts({ eventCountry: 'FR', outcome: 'public_health_threat' })));
    expect(ids(threat.EU)).toEqual(['eu.87.4', 'eu.87.3']);
    expect(threat.EU.rationale).toMatch(/public health threat/);
    const deadlyThreat = byJurisdiction(
      proposeReportability(facts({ eventCountry: 'IT', outcome: 'death', publicHealthThreat: true })),
    );
    expect(ids(deadlyThreat.EU)).toEqual(['eu.87.4', 'eu.87.5', 'eu.87.3']);
  });

  it('EU trend: a flagged rise of non-serious incidents proposes Art. 88, with no clock', () => {
    const d = byJurisdiction(proposeReportability(facts({ eventCountry: 'NL', outcome: 'non_serious', trendIncrease: true })));
    expect(d.EU.reportable).toBe(true);
    expect(ids(d.EU)).toEqual(['eu.88']);
    expect(d.EU.rationale).toMatch(/trend report/);
  });

  it('refuses facts it cannot judge', () => {
    expect(() => proposeReportability(facts({ eventCountry: 'Germany' }))).toThrow(/alpha-2/);
    expect(() => proposeReportability(facts({ companyAwareAt: Number.NaN }))).toThrow(RangeError);
  });
});

describe('tightenedRule: facts change, the clock tightens from the ORIGINAL day 0', () => {
  it('a CN serious injury (20 days) found to be a death: 7 days from the original day 0', () => {
    const original = facts({ outcome: 'serious_injury', companyAwareAt: t('2026-03-02T10:00:00+08:00') });
    const current = proposeReportability(original)[0].rules[0];
    expect(current.id).toBe('cn.serious');
    expect(iso(reportDue(current, awarenessDay0(original), calendars)!.dueAt)).toBe(iso(t('2026-03-22T23:59:59.999+08:00')));
    // The death is learned on Mar 12; day 0 stays Mar 2: Mar 2 + 7 = Mar 9, already past.
    const later = { ...original, outcome: 'death' as const };
    const tighter = tightenedRule(current, later);
    expect(tighter?.id).toBe('cn.death');
    expect(iso(reportDue(tighter!, awarenessDay0(later), calendars)!.dueAt)).toBe(iso(t('2026-03-09T23:59:59.999+08:00')));
  });

  it('an EU serious incident (15 days) that became a public health threat: 2 days', () => {
    const original = facts({ eventCountry: 'FR', companyAwareAt: t('2026-06-10T08:00:00+02:00') });
    const current = reportingRule('eu.87.3');
    const tighter = tightenedRule(current, { ...original, outcome: 'public_health_threat' });
    expect(tighter?.id).toBe('eu.87.4');
    // Jun 10 + 2 = Jun 12, Brussels summer time.
    expect(iso(reportDue(tighter!, awarenessDay0(original), calendars)!.dueAt)).toBe(iso(t('2026-06-12T23:59:59.999+02:00')));
  });

  it('a US malfunction (30 days) that turns out to need remedial action: 5 work days', () => {
    const original = facts({ eventCountry: 'US', outcome: 'could_cause_serious_injury_or_death', companyAwareAt: t('2026-11-25T10:00:00-05:00') });
    const tighter = tightenedRule(reportingRule('us.803.50'), { ...original, remedialActionNeeded: true });
    expect(tighter?.id).toBe('us.803.53');
    expect(iso(reportDue(tighter!, awarenessDay0(original), calendars)!.dueAt)).toBe(iso(t('2026-12-03T23:59:59.999-05:00')));
  });

  it('a CN serious injury that turns out to be part of a cluster: the 12-hour report', () => {
    expect(tightenedRule(reportingRule('cn.serious'), facts({ groupEvent: true }))?.id).toBe('cn.group.notice');
  });

  it('no tightening when the new rule would be looser, or nothing applies any more', () => {
    // CN death (7 days) reclassified as a serious injury (20 days): stays at 7.
    expect(tightenedRule(reportingRule('cn.death'), facts({ outcome: 'serious_injury' }))).toBeUndefined();
    // EU public health threat (2 days) with a death (10 days): stays at 2.
    expect(tightenedRule(reportingRule('eu.87.4'), facts({ eventCountry: 'FR', outcome: 'death' }))).toBeUndefined();
    // US 5-day report, then a death without remedial action (803.50, 30 days): stays at 5 work days.
    expect(tightenedRule(reportingRule('us.803.53'), facts({ eventCountry: 'US', outcome: 'death' }))).toBeUndefined();
    // Same rule again: nothing tighter.
    expect(tightenedRule(reportingRule('eu.87.3'), facts({ eventCountry: 'FR' }))).toBeUndefined();
    // Found non-serious: no looser or tighter rule replaces the one running.
    expect(tightenedRule(reportingRule('cn.serious'), facts({ outcome: 'non_serious' }))).toBeUndefined();
    // A supplemental report counts from the new information, never from day 0.
    expect(tightenedRule(reportingRule('us.803.56'), facts({ eventCountry: 'US', outcome: 'death', remedialActionNeeded: true }))).toBeUndefined();
  });
});
