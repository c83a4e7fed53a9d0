/**
 * Investigation (调查): the departments' findings with their evidence, the root cause, or a recorded
 * waiver; the customer awaited (the service clocks pause) and answering; the investigation
 * completed once it has what it needs.
 */
import { REFUSAL } from '../contract.js';
import type { Actor } from '../model.js';
import { cancelOpenClocks, meet, pauseServiceClocks, resumeServiceClocks } from './clocks.js';
import { missingText, refused, transition, type Change } from './change.js';
import type { Transitions } from './registry.js';

/** The customer answered: the paused clocks run again, their due times moved by the pause. */
export function customerAnswered(c: Change, actor: Actor, note: string | undefined, at: number): void {
  const resumedClocks = resumeServiceClocks(c, at);
  c.state.awaitingCustomer = undefined;
  c.emit(actor, 'customer.responded', { note, resumedClocks });
}

export const investigation = {
  recordFinding: {
    check: (_s, a) => missingText(a.summary, 'summary') ?? missingText(a.department, 'department'),
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        const evidenceRefs = Array.isArray(a.evidenceRefs) ? a.evidenceRefs : [];
        c.state.investigation.findings.push({ by: a.actor, at: ctx.at, department: a.department, summary: a.summary, evidenceRefs });
        c.emit(a.actor, 'finding.recorded', { department: a.department, summary: a.summary, evidenceRefs });
        meet(c, 'preliminaryVerification', ctx.at);
      }),
  },
  setRootCause: {
    check: (_s, a) => missingText(a.cause, 'cause'),
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        c.state.investigation.rootCause = { by: a.actor, at: ctx.at, cause: a.cause, note: a.note };
        c.emit(a.actor, 'root_cause.set', { cause: a.cause, note: a.note });
      }),
  },
  waiveInvestigation: {
    check: (s, a) => missingText(a.reason, 'reason') ?? (s.investigation.waiver ? refused(REFUSAL.illegalTransition, 'the investigation is already waived') : undefined),
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        c.state.investigation.waiver = { by: a.actor, at: ctx.at, reason: a.reason };
        c.emit(a.actor, 'investigation.waived', { reason: a.reason });
        cancelOpenClocks(c, 'investigation waived', 'preliminaryVerification');
      }),
  },
  awaitCustomer: {
    check: (s, a) => missingText(a.reason, 'reason') ?? (s.awaitingCustomer ? refused(REFUSAL.illegalTransition, 'the customer is already awaited') : undefined),
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        c.state.awaitingCustomer = { by: a.actor, at: ctx.at, reason: a.reason };
        c.emit(a.actor, 'customer.awaited', { reason: a.reason, pausedClocks: pauseServiceClocks(c, ctx.at) });
      }),
  },
  customerResponded: {
    check: (s) => (s.awaitingCustomer ? undefined : refused(REFUSAL.illegalTransition, 'the customer is not being awaited')),
    apply: (s, a, ctx) => transition(s, ctx, (c) => customerAnswered(c, a.actor, a.note, ctx.at)),
  },
  completeInvestigation: {
    check: (s) => {
      const inv = s.investigation;
      if (s.awaitingCustomer) return refused(REFUSAL.illegalTransition, 'the customer is still awaited');
      if (!inv.waiver && (inv.findings.length === 0 || !inv.rootCause)) {
        return refused(REFUSAL.illegalTransition, 'the investigation needs at least one finding and a root cause, or a waiver');
      }
      return undefined;
    },
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        c.state.investigation.completedAt = ctx.at;
        c.moveTo('resolution', a.actor);
      }),
  },
} satisfies Transitions;
