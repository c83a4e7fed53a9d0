/**
 * Every update action of the action table with its transition: its preconditions (beyond the
 * table's stages and roles) and its effect. Typed so that an update action without a transition
 * fails the typecheck: adding an action is one entry in workflows/actions.ts plus its transition.
 */
import { ruleFor, updates, type ActionArgs } from '../actions.js';
import { REFUSAL, type ComplaintState } from '../contract.js';
import { ROLES, type IntakeRecord } from '../model.js';
import { refusalFor, type Action } from '../rules/permissions.js';
import { anyStage } from './any-stage.js';
import { assessment } from './assessment.js';
import { refused, type Context, type Outcome, type Refused } from './change.js';
import { feedbackAndRevisit } from './feedback-and-revisit.js';
import { intake } from './intake.js';
import { investigation } from './investigation.js';
import { legalRoute } from './mediation-and-legal.js';
import { regulatory } from './regulatory.js';
import { resolution } from './resolution.js';

/** The actions that arrive as Temporal updates (escalate is a signal: see any-stage.ts). */
export type UpdateAction = keyof typeof updates;

export interface Transition<N extends UpdateAction> {
  /** The refusal when the complaint's state does not allow it (what is missing), or undefined. */
  check: (state: Readonly<ComplaintState>, args: ActionArgs<N>, intake: IntakeRecord) => Refused | undefined;
  /** The new state with the events the action causes, and any work for the workflow. */
  apply: (state: Readonly<ComplaintState>, args: ActionArgs<N>, ctx: Context) => Outcome;
}

/** Some of the transitions: what each part of the life declares. */
export type Transitions = { [N in UpdateAction]?: Transition<N> };

export const TRANSITIONS: { readonly [N in UpdateAction]: Transition<N> } = {
  ...intake,
  ...assessment,
  ...investigation,
  ...resolution,
  ...feedbackAndRevisit,
  ...legalRoute,
  ...anyStage,
  ...regulatory,
};

export const UPDATE_ACTIONS = Object.keys(updates) as UpdateAction[];

/**
 * Why the workflow refuses an action now, or undefined: the actor, then the table's rule for the
 * stage (stage before role), then the transition's own preconditions.
 */
export function refusalOf<N extends UpdateAction>(name: N, state: Readonly<ComplaintState>, args: ActionArgs<N>, intake: IntakeRecord): Refused | undefined {
  const actor = args?.actor;
  if (!actor || typeof actor.id !== 'string' || actor.id.trim() === '' || !ROLES.includes(actor.role)) {
    return refused(REFUSAL.invalid, 'actor must have an id and one of the roles ' + ROLES.join(', '));
  }
  const refusal = refusalFor(ruleFor(name, state.stage).name as Action, state.stage, actor.role);
  if (refusal) return refused(refusal.kind === 'stage' ? REFUSAL.illegalTransition : REFUSAL.forbidden, refusal.reason);
  return TRANSITIONS[name].check(state, args, intake);
}
