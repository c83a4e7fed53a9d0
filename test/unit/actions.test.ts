/**
 * The action table (workflows/actions.ts): every action declared once, and the checks read from it
 * the same way by the API (its bodies), the edge (its roles) and the workflow's validators (payloadProblem).
 */
import { describe, expect, it } from 'vitest';
import { ACTION_TABLE, ACTIONS, payloadProblem, rolesFor, ruleFor, stagesFor, toWorkflowArgs } from '../../workflows/actions.js';
import { ROLES, STAGES } from '../../workflows/model.js';
import { ACTION_RULES } from '../../workflows/rules/permissions.js';

const agent = { id: 'agent-li', role: 'agent' } as const;

describe('the action table', () => {
  it('declares each action, path and rule once', () => {
    const names = ACTION_TABLE.map((a) => a.name);
    const paths = ACTION_TABLE.map((a) => a.path);
    const rules = ACTION_TABLE.flatMap((a) => a.rules.map((r) => r.name));
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(paths).size).toBe(paths.length);
    expect(new Set(rules).size).toBe(rules.length);
    expect(Object.keys(ACTION_RULES).sort()).toEqual([...rules].sort());
  });

  it('gives every action a label and help in English and Chinese', () => {
    for (const a of ACTION_TABLE) {
      for (const words of [a.label, a.help]) {
        expect(words.en.trim(), a.name).not.toBe('');
        expect(words.zh, a.name).toMatch(/[\u4e00-\u9fff]/);
      }
    }
  });

  it('lets no role act on a closed or withdrawn complaint, and no admin act on a case', () => {
    for (const a of ACTION_TABLE) {
      expect(stagesFor(a.name)).not.toContain('closed');
      expect(stagesFor(a.name)).not.toContain('withdrawn');
      expect(rolesFor(a.name)).not.toContain('admin');
    }
  });

  it.each([
    ['assess', 'assessment', 'assess'],
    ['assess', 'investigation', 'reassess'],
    ['assess', 'resolution', 'reassess'],
    // Outside both, the last rule answers, so the refusal names where a re-assessment is allowed.
    ['assess', 'intake', 'reassess'],
    ['withdraw', 'revisit', 'withdraw'],
  ] as const)('%s in %s is judged by the rule %s', (action, stage, rule) => {
    expect(ruleFor(action, stage).name).toBe(rule);
  });

  it('every rule names real stages and roles', () => {
    for (const rule of Object.values(ACTION_RULES)) {
      for (const s of rule.stages) expect(STAGES).toContain(s);
      for (const r of rule.roles) expect(ROLES).toContain(r);
    }
  });
});

describe('payloads, as the workflow checks them', () => {
  it('accepts every published example as the API would send it', () => {
    for (const a of ACTION_TABLE) {
      if (!('example' in a)) continue;
      const parsed = a.body.parse(a.example);
      expect(payloadProblem(a.name, toWorkflowArgs(a.name, parsed, agent)), a.name).toBeUndefined();
    }
  });

  it('turns ISO instants into epoch milliseconds for the workflow, and checks them back as instants', () => {
    const args = toWorkflowArgs('acknowledge', { channel: 'email', expectedResolutionBy: '2026-12-10T09:00:00+08:00' }, agent);
    expect(args).toEqual({ channel: 'email', expectedResolutionBy: Date.parse('2026-12-10T01:00:00Z'), actor: agent });
    expect(payloadProblem('acknowledge', args)).toBeUndefined();
  });

  it.each([
    ['recordContact', { channel: 'pigeon', summary: 'x' }, /^channel: /],
    ['recordFeedback', { satisfied: true, score: 7 }, /^score: from 1 to 5$/],
    ['recordFeedback', { satisfied: true, score: 2.5 }, /^score: must be a whole number$/],
    ['verifyItem', { checks: { product: true } }, /^checks\.specification: /],
    ['addNote', { text: 'x', colour: 'red' }, /colour/],
    ['assess', { category: 'product_performance' }, /^severity: /],
    ['decideReportability', { facts: { eventCountry: 'china', outcome: 'death', marketedIn: ['CN'] } }, /^facts\.eventCountry: must be an ISO 3166/],
  ] as const)('%s refuses %j, naming the field', (action, body, message) => {
    expect(payloadProblem(action, { ...body, actor: agent })).toMatch(message);
  });

  it('knows every action by its name', () => {
    for (const a of ACTION_TABLE) expect(ACTIONS[a.name]).toBe(a);
  });
});
