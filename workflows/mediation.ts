/**
 * Third-party mediation (ISO 10003's external dispute resolution): a body the parties agree on,
 * its sessions, a deadline, and an outcome. Settled, the agreed remedy becomes the complaint's
 * resolution; failed or out of time, the complaint takes the legal route. A child of the complaint.
 */
import { ApplicationFailure, allHandlersFinished, condition, getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import { REFUSAL } from './contract.js';
import {
  mediationSessionSignal,
  mediationStateQuery,
  recordMediationOutcomeUpdate,
  recordSessionUpdate,
  type MediationInput,
  type MediationSession,
  type MediationState,
  type MediationWorkflow,
} from './mediation-contract.js';
import type { Actor } from './model.js';
import { REMEDIES } from './model.js';

function refuse(type: string, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

export async function mediation(input: MediationInput): Promise<MediationState> {
  const state: MediationState = {
    mediationId: input.mediationId,
    complaintId: input.complaintId,
    body: input.body,
    startedAt: Date.now(),
    deadlineAt: input.deadlineAt,
    sessions: [],
  };
  const notices: MediationSession[] = [];

  const open = () => {
    if (state.outcome) refuse(REFUSAL.illegalTransition, `the mediation has ended (${state.outcome})`);
  };
  const role = (actor: Actor | undefined, roles: string[]) => {
    if (!actor || !roles.includes(actor.role)) refuse(REFUSAL.forbidden, `this needs the role ${roles.join(' or ')}`);
  };

  setHandler(mediationStateQuery, () => state);
  setHandler(
    recordSessionUpdate,
    (s) => {
      const session = { heldAt: s.heldAt, summary: s.summary.trim(), by: s.actor, recordedAt: Date.now() };
      state.sessions.push(session);
      notices.push(session);
      return state;
    },
    {
      validator: (s) => {
        role(s?.actor, ['agent', 'supervisor']);
        open();
        if (typeof s.summary !== 'string' || s.summary.trim() === '') refuse(REFUSAL.invalid, 'summary is required');
        if (typeof s.heldAt !== 'number' || s.heldAt > Date.now() || s.heldAt < state.startedAt - 86_400_000) {
          refuse(REFUSAL.invalid, 'heldAt must be a time since the mediation began, not in the future');
        }
      },
    },
  );
  setHandler(
    recordMediationOutcomeUpdate,
    (o) => {
      state.outcome = o.outcome;
      state.agreedRemedy = o.outcome === 'settled' ? o.agreedRemedy : undefined;
      state.note = o.note;
      state.decidedBy = o.actor;
      state.decidedAt = Date.now();
      return state;
    },
    {
      validator: (o) => {
        role(o?.actor, ['supervisor']);
        open();
        if (o.outcome !== 'settled' && o.outcome !== 'failed') refuse(REFUSAL.invalid, 'outcome must be settled or failed');
        if (o.outcome === 'settled') {
          if (!o.agreedRemedy || !REMEDIES.includes(o.agreedRemedy.remedy) || !o.agreedRemedy.details?.trim()) {
            refuse(REFUSAL.invalid, 'a settlement needs the agreed remedy (remedy and details)');
          }
        }
      },
    },
  );

  // Sessions reach the complaint's record as they are held; the outcome is the workflow's result.
  while (!state.outcome) {
    const decided = await condition(() => state.outcome !== undefined || notices.length > 0, Math.max(state.deadlineAt - Date.now(), 1));
    for (const session of notices.splice(0)) {
      try {
        await getExternalWorkflowHandle(input.complaintId).signal(mediationSessionSignal, { mediationId: state.mediationId, session });
      } catch {
        // The complaint has ended (withdrawn): the session stays in the mediation's own state.
      }
    }
    if (!decided && !state.outcome && Date.now() >= state.deadlineAt) {
      state.outcome = 'timed_out';
      state.decidedAt = state.deadlineAt;
    }
  }
  await condition(allHandlersFinished);
  return state;
}

// The signature clients start it by (the contract's) is this workflow's.
mediation satisfies MediationWorkflow;
