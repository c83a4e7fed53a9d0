/**
 * Every update action in every stage, without a worker: allowed where the action table's rule
 * for the stage allows it (for a role it names), refused otherwise with the kind of refusal the
 * API maps to its status (409 for the stage, 403 for the role), the stage checked before the role.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ruleFor } from '../../workflows/actions.js';
import type { ComplaintState } from '../../workflows/contract.js';
import { REFUSAL } from '../../workflows/contract.js';
import { ROLES, STAGES, type Actor, type Stage } from '../../workflows/model.js';
import { TRANSITIONS, UPDATE_ACTIONS, refusalOf } from '../../workflows/transitions/registry.js';
import { SAMPLE_INTAKE } from '../support/intake.js';
import { apply, args, complaintIn } from './transitions-support.js';

const cells = UPDATE_ACTIONS.flatMap((name) => STAGES.map((stage) => [name, stage] as const));
const states = {} as Record<Stage, ComplaintState>;
beforeAll(() => {
  for (const stage of STAGES) states[stage] = complaintIn(stage);
});

describe('the complaints the table is walked with', () => {
  it.each(STAGES)('one in %s', (stage) => {
    expect(states[stage].stage).toBe(stage);
  });
});

describe('every update action has its transition', () => {
  it('one per update action of the table, and no other', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...UPDATE_ACTIONS].sort());
    expect(UPDATE_ACTIONS).toHaveLength(24);
  });
});

describe.each(cells)('%s in %s', (name, stage) => {
  const rule = () => ruleFor(name, stage);
  const may = (): Actor => ({ id: 'someone', role: rule().roles[0] });
  const mayNot = (): Actor => ({ id: 'someone else', role: ROLES.find((r) => !rule().roles.includes(r))! });
  const allowedHere = () => rule().stages.includes(stage);

  it('a role the rule names: allowed in its stages (the preconditions aside), refused with 409 elsewhere', () => {
    const state = states[stage];
    const refusal = refusalOf(name, state, args(name, may()), SAMPLE_INTAKE);
    if (allowedHere()) {
      // Allowed by the table; what remains is the action's own preconditions on this state.
      if (refusal) expect(refusal.message).not.toMatch(/is not allowed in stage|needs the role/);
      else expect(apply(name, state, args(name, may()), state.receivedAt + 14 * 86_400_000).events.length).toBeGreaterThan(0);
    } else {
      expect(refusal).toEqual({ type: REFUSAL.illegalTransition, message: expect.stringContaining(`${rule().name} is not allowed in stage ${stage}`) });
    }
  });

  it('a role it does not name: refused with 403 in its stages, with 409 elsewhere (the stage first)', () => {
    const refusal = refusalOf(name, states[stage], args(name, mayNot()), SAMPLE_INTAKE);
    if (allowedHere()) {
      expect(refusal).toEqual({ type: REFUSAL.forbidden, message: `${rule().name} needs the role ${rule().roles.join(' or ')}; you act as ${mayNot().role}` });
    } else {
      expect(refusal?.type).toBe(REFUSAL.illegalTransition);
    }
  });

  it('an actor without an id or a role: refused as invalid', () => {
    expect(refusalOf(name, states[stage], args(name, { id: ' ', role: 'agent' }), SAMPLE_INTAKE)?.type).toBe(REFUSAL.invalid);
    expect(refusalOf(name, states[stage], args(name, { id: 'x', role: 'nobody' } as never), SAMPLE_INTAKE)?.type).toBe(REFUSAL.invalid);
  });
});

describe('the rule that applies', () => {
  it('assess in assessment, reassess (a supervisor) in investigation and resolution', () => {
    const assessor: Actor = { id: 'agent-li', role: 'agent' };
    expect(refusalOf('assess', states.assessment, args('assess', assessor), SAMPLE_INTAKE)).toBeUndefined();
    expect(refusalOf('assess', states.investigation, args('assess', assessor), SAMPLE_INTAKE)).toEqual({
      type: REFUSAL.forbidden,
      message: 'reassess needs the role supervisor; you act as agent',
    });
    expect(refusalOf('assess', states.resolution, args('assess', { id: 'supervisor-wu', role: 'supervisor' }), SAMPLE_INTAKE)).toBeUndefined();
    expect(refusalOf('assess', states.feedback, args('assess', { id: 'supervisor-wu', role: 'supervisor' }), SAMPLE_INTAKE)).toEqual({
      type: REFUSAL.illegalTransition,
      message: 'reassess is not allowed in stage feedback (allowed in: investigation, resolution)',
    });
  });
});
