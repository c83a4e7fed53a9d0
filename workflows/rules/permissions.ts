/**
 * Who may do what, in which stage. One table, so the refusal reasons are consistent and a test
 * can walk every cell. Supervisors can do any desk work; admins manage reference data, not cases.
 */
import type { Role, Stage } from '../model.js';

export const ACTIONS = [
  'verifyComplainant',
  'verifyItem',
  'recordContact',
  'acknowledge',
  'completeIntake',
  'assess',
  'reassess',
  'respond',
  'recordFinding',
  'setRootCause',
  'waiveInvestigation',
  'awaitCustomer',
  'customerResponded',
  'completeInvestigation',
  'proposeRemedy',
  'approveRemedy',
  'recordCustomerDecision',
  'recordFeedback',
  'recordRevisit',
  'withdraw',
  'reassign',
  'addNote',
  'escalate',
  'answerBreach',
  'decideReportability',
  'closeLegalRoute',
] as const;
export type Action = (typeof ACTIONS)[number];

const OPEN_STAGES: Stage[] = ['intake', 'assessment', 'investigation', 'resolution', 'mediation', 'legal', 'feedback', 'revisit'];

interface ActionRule {
  stages: Stage[];
  roles: Role[];
}

const DESK: Role[] = ['agent', 'supervisor'];
const INVESTIGATORS: Role[] = ['handler', 'qa', 'supervisor'];

export const ACTION_RULES: Record<Action, ActionRule> = {
  verifyComplainant: { stages: ['intake'], roles: DESK },
  verifyItem: { stages: ['intake'], roles: DESK },
  recordContact: { stages: OPEN_STAGES, roles: ['agent', 'handler', 'supervisor'] },
  acknowledge: { stages: ['intake', 'assessment', 'investigation'], roles: DESK },
  completeIntake: { stages: ['intake'], roles: DESK },
  assess: { stages: ['assessment'], roles: DESK },
  // Re-classifying a running case moves its clocks: a supervisor's call.
  reassess: { stages: ['investigation', 'resolution'], roles: ['supervisor'] },
  respond: { stages: ['intake', 'assessment', 'investigation', 'resolution'], roles: ['agent', 'handler', 'supervisor'] },
  recordFinding: { stages: ['investigation'], roles: INVESTIGATORS },
  setRootCause: { stages: ['investigation'], roles: INVESTIGATORS },
  // ISO 13485 / FDA allow skipping an investigation only with a recorded reason and decider.
  waiveInvestigation: { stages: ['investigation'], roles: ['supervisor', 'qa'] },
  awaitCustomer: { stages: ['investigation', 'resolution'], roles: ['agent', 'handler', 'supervisor'] },
  customerResponded: { stages: ['investigation', 'resolution'], roles: ['agent', 'handler', 'supervisor'] },
  completeInvestigation: { stages: ['investigation'], roles: INVESTIGATORS },
  proposeRemedy: { stages: ['resolution'], roles: ['agent', 'handler', 'supervisor'] },
  // Nobody promises the customer a remedy before the supervisor agrees to it.
  approveRemedy: { stages: ['resolution'], roles: ['supervisor'] },
  recordCustomerDecision: { stages: ['resolution'], roles: DESK },
  recordFeedback: { stages: ['feedback'], roles: DESK },
  recordRevisit: { stages: ['revisit'], roles: DESK },
  withdraw: { stages: OPEN_STAGES, roles: DESK },
  reassign: { stages: OPEN_STAGES, roles: ['supervisor'] },
  addNote: { stages: OPEN_STAGES, roles: ['agent', 'handler', 'supervisor', 'qa'] },
  escalate: { stages: OPEN_STAGES, roles: ['supervisor'] },
  answerBreach: { stages: OPEN_STAGES, roles: ['supervisor'] },
  // Reportability is QA's call, from assessment on; new facts may come at any later open stage.
  decideReportability: { stages: ['assessment', 'investigation', 'resolution', 'mediation', 'legal', 'feedback', 'revisit'], roles: ['qa'] },
  closeLegalRoute: { stages: ['legal'], roles: ['supervisor'] },
};

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
