/**
 * Third-party mediation (ISO 10003) and the legal route: the mediation begun (the company's
 * service clocks wait while an outside body decides), its sessions, its outcome (settled: the
 * agreed remedy is the resolution, on to feedback; failed or out of time: the legal route, where
 * the service clocks no longer apply), and the legal route closed by a supervisor.
 */
import type { ComplaintState } from '../contract.js';
import type { MediationSession, MediationState } from '../mediation-contract.js';
import { FINAL_STAGES, SYSTEM_ACTOR, type Actor } from '../model.js';
import { close } from './any-stage.js';
import { cancelOpenClocks, meet, pauseServiceClocks, resumeServiceClocks } from './clocks.js';
import { missingText, transition, type Context, type Outcome } from './change.js';
import type { Transitions } from './registry.js';

export interface MediationBegun {
  mediationId: string;
  body: string;
  /** When the escalation asked for it (the workflow starts the mediation a moment later). */
  startedAt: number;
  deadlineAt: number;
}

/** The mediation's workflow exists: the stage moves, so whoever sees `mediation` can reach it. */
export function mediationBegan(state: ComplaintState, ctx: Context, m: MediationBegun, actor: Actor): Outcome {
  return transition(state, ctx, (c) => {
    c.state.mediation = { mediationId: m.mediationId, body: m.body, startedAt: m.startedAt, deadlineAt: m.deadlineAt, sessions: 0 };
    const pausedClocks = pauseServiceClocks(c, ctx.at);
    c.moveTo('mediation', actor, { mediationId: m.mediationId, body: m.body, deadlineAt: m.deadlineAt, pausedClocks });
  });
}

export function mediationSession(state: ComplaintState, ctx: Context, mediationId: string, session: MediationSession): Outcome {
  return transition(state, ctx, (c) => {
    if (c.state.mediation?.mediationId !== mediationId) return;
    c.state.mediation.sessions++;
    c.emit(session.by, 'mediation.session', { mediationId, heldAt: session.heldAt, summary: session.summary });
  });
}

/** The mediation's workflow ended; a late result (the case moved on, another mediation) changes nothing. */
export function mediationEnded(state: ComplaintState, ctx: Context, result: MediationState): Outcome {
  return transition(state, ctx, (c) => {
    const s = c.state;
    if (FINAL_STAGES.includes(s.stage) || s.stage !== 'mediation' || s.mediation?.mediationId !== result.mediationId) return;
    const at = ctx.at;
    const actor = result.decidedBy ?? SYSTEM_ACTOR;
    s.mediation.outcome = result.outcome;
    c.emit(actor, `mediation.${result.outcome}`, { mediationId: result.mediationId, agreedRemedy: result.agreedRemedy, note: result.note, sessions: result.sessions.length });
    if (result.outcome === 'settled' && result.agreedRemedy) {
      const resumedClocks = resumeServiceClocks(c, at);
      if (resumedClocks.length) c.emit(actor, 'clocks.resumed', { reason: 'mediation settled', resumedClocks });
      const agreed = { by: actor, at, remedy: result.agreedRemedy.remedy, details: result.agreedRemedy.details };
      s.resolution.agreed = { ...agreed, approval: { by: actor, at, approved: true, note: 'agreed in mediation' }, acceptedAt: at };
      meet(c, 'resolution', at);
      c.moveTo('feedback', actor, { via: 'mediation' });
    } else {
      cancelOpenClocks(c, 'mediation ' + result.outcome + ': legal route');
      s.marks.legal = true;
      s.legal = { since: at };
      c.moveTo('legal', actor, { mediationOutcome: result.outcome });
    }
  });
}

export const legalRoute = {
  closeLegalRoute: {
    check: (_s, a) => missingText(a.outcome, 'outcome'),
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        c.state.legal = { ...(c.state.legal ?? { since: ctx.at }), outcome: a.outcome, note: a.note, closedBy: a.actor, closedAt: ctx.at };
        c.emit(a.actor, 'legal.closed', { outcome: a.outcome, note: a.note });
        close(c, a.actor, ctx.at, 'legal route closed');
      }),
  },
} satisfies Transitions;
