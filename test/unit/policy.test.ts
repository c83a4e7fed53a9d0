import { describe, expect, it } from 'vitest';
import { CATEGORIES, ROLES, STAGES, type Role, type Stage } from '../../workflows/model.js';
import { ACTION_RULES, refusalFor, type Action } from '../../workflows/rules/permissions.js';
import {
  DEFAULT_POLICY,
  isSampledForRevisit,
  resolutionSpecs,
  validatePolicy,
  warningFractionsOf,
  type ClockSpec,
} from '../../workflows/rules/sla-policy.js';
import { effectiveSeverity, triagePriority } from '../../workflows/rules/triage.js';

describe('default service levels (domain.md)', () => {
  it.each<[string, ClockSpec]>([
    ['product_performance', { basis: 'working', minutes: 120 }],
    ['after_sales_service', { basis: 'working', minutes: 60 }],
    ['communication', { basis: 'endOfWorkingDay' }],
    ['order_logistics', { basis: 'working', minutes: 30 }],
    ['other', { basis: 'endOfWorkingDay' }],
  ])('first response for %s', (category, spec) => {
    expect(DEFAULT_POLICY.categories[category as (typeof CATEGORIES)[number]].firstResponse).toEqual(spec);
  });

  it.each<[string, string, ClockSpec[]]>([
    ['product_performance', 'general', [{ basis: 'calendar', minutes: 1440 }, { basis: 'workingDays', days: 5 }]],
    ['after_sales_service', 'major', [{ basis: 'workingDays', days: 2 }, { basis: 'workingDays', days: 3 }]],
    ['order_logistics', 'general', [{ basis: 'workingDays', days: 5 }]], // "reasonable time": the tier alone
    ['other', 'major', [{ basis: 'workingDays', days: 3 }]],
  ])('resolution for %s / %s: the category’s target and the severity tier', (category, severity, specs) => {
    expect(resolutionSpecs(DEFAULT_POLICY, category as never, severity as never)).toEqual(specs);
  });

  it('general clocks: contact in 4 working hours, receipt within 24 h, preliminary verification in 3 working days', () => {
    expect(DEFAULT_POLICY.general).toEqual({
      firstContact: { basis: 'working', minutes: 240 },
      acknowledgement: { basis: 'calendar', minutes: 1440 },
      preliminaryVerification: { basis: 'workingDays', days: 3 },
    });
    expect(validatePolicy(DEFAULT_POLICY)).toEqual([]);
  });

  it('catches a broken policy, naming the field', () => {
    const broken = structuredClone(DEFAULT_POLICY);
    broken.general.firstContact = { basis: 'working', minutes: -5 };
    broken.categories.other.revisit.share = 1.5;
    broken.warningFractions = [0.5, 1];
    expect(validatePolicy(broken)).toEqual([
      'general.firstContact.minutes must be a number >= 0',
      'categories.other.revisit.share must be between 0 and 1',
      'warningFractions must be fractions between 0 and 1',
    ]);
  });
});

describe('policies written before several warnings', () => {
  it('read their single warningAt as one fraction; new ones their list; neither means the default', () => {
    const { warningFractions: _, ...legacy } = DEFAULT_POLICY;
    expect(warningFractionsOf({ ...legacy, warningAt: 0.75 } as never)).toEqual([0.75]);
    expect(warningFractionsOf({ ...DEFAULT_POLICY, warningFractions: [0.25, 0.5] })).toEqual([0.25, 0.5]);
    expect(warningFractionsOf(legacy as never)).toEqual(DEFAULT_POLICY.warningFractions);
  });
});

describe('revisit sampling', () => {
  it('every case at share 1, none at 0, about half at 0.5, and always the same answer for a case', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    expect(ids.every((id) => isSampledForRevisit(id, 1))).toBe(true);
    expect(ids.some((id) => isSampledForRevisit(id, 0))).toBe(false);
    const half = ids.filter((id) => isSampledForRevisit(id, 0.5)).length;
    expect(half).toBeGreaterThan(850);
    expect(half).toBeLessThan(1150);
    expect(ids.map((id) => isSampledForRevisit(id, 0.3))).toEqual(ids.map((id) => isSampledForRevisit(id, 0.3)));
  });
});

describe('triage', () => {
  it.each<[boolean, boolean, string, string]>([
    [false, false, 'general', 'general'],
    [true, false, 'general', 'major'],
    [false, true, 'general', 'major'],
    [true, true, 'crisis', 'crisis'],
    [false, false, 'major', 'major'],
  ])('patient safety %s, suspected adverse event %s: %s runs as %s', (safety, adverse, severity, effective) => {
    expect(effectiveSeverity(severity as never, safety, adverse)).toBe(effective);
    expect(triagePriority(safety, adverse)).toBe(safety || adverse ? 'highest' : 'normal');
  });
});

describe('who may do what, where', () => {
  // Spot checks of the table's intent, then every cell against the table.
  it.each<[Action, Stage, Role, string | undefined]>([
    ['approveRemedy', 'resolution', 'supervisor', undefined],
    ['approveRemedy', 'resolution', 'agent', 'role'],
    ['approveRemedy', 'investigation', 'supervisor', 'stage'],
    ['waiveInvestigation', 'investigation', 'qa', undefined],
    ['waiveInvestigation', 'investigation', 'handler', 'role'],
    ['recordFinding', 'investigation', 'handler', undefined],
    ['recordFinding', 'intake', 'handler', 'stage'],
    ['withdraw', 'closed', 'supervisor', 'stage'],
    ['withdraw', 'revisit', 'agent', undefined],
    ['reassess', 'investigation', 'agent', 'role'],
    ['escalate', 'feedback', 'supervisor', undefined],
    ['escalate', 'withdrawn', 'supervisor', 'stage'],
    ['addNote', 'intake', 'admin', 'role'],
  ])('%s in %s as %s → %s', (action, stage, role, kind) => {
    expect(refusalFor(action, stage, role)?.kind).toBe(kind);
  });

  it('nothing is allowed on a closed or withdrawn complaint', () => {
    for (const action of Object.keys(ACTION_RULES) as Action[]) {
      for (const role of ROLES) {
        expect(refusalFor(action, 'closed', role)?.kind).toBe('stage');
        expect(refusalFor(action, 'withdrawn', role)?.kind).toBe('stage');
      }
    }
  });

  it('every refusal names what would be allowed', () => {
    for (const action of Object.keys(ACTION_RULES) as Action[]) {
      for (const stage of STAGES) {
        for (const role of ROLES) {
          const refusal = refusalFor(action, stage, role);
          const rule = ACTION_RULES[action];
          expect(refusal === undefined).toBe(rule.stages.includes(stage) && rule.roles.includes(role));
          if (refusal?.kind === 'stage') expect(refusal.reason).toContain(rule.stages.join(', '));
          if (refusal?.kind === 'role') expect(refusal.reason).toContain(role);
        }
      }
    }
  });
});
