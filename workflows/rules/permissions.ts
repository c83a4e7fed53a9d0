/**
 * Who may do what, in which stage: the rules of the action table (workflows/actions.ts), flattened
 * by rule name, so the refusal reasons are consistent and a test can walk every cell. Supervisors
 * can do any desk work; admins manage reference data, not cases.
 */
import { ACTION_TABLE, type ActionRule, type RuleName } from '../actions.js';
import type { Role, Stage } from '../model.js';

export type Action = RuleName;

export const ACTION_RULES: Readonly<Record<Action, ActionRule>> = Object.fromEntries(
  ACTION_TABLE.flatMap((a) => a.rules.map((r) => [r.name, r])),
) as Record<Action, ActionRule>;


export type Refusal = { kind: 'stage' | 'role'; reason: string } | undefined;

/** Why `role` may not take `action` in `stage`, or undefined when it may. Stage is checked first. */
export function refusalFor(action: Action, stage: Stage, role: Role): Refusal {
  const rule = ACTION_RULES[action];
  if (!rule.stages.includes(stage)) {
    return {
      kind: 'stage',
      reason: `${action} is not allowed in stage ${stage} (allowed in: ${rule.stages.join(', ')})`,
    };
  }
  if (!rule.roles.includes(role)) {
    return { kind: 'role', reason: `${action} needs the role ${rule.roles.join(' or ')}; you act as ${role}` };
  }
  return undefined;
}
