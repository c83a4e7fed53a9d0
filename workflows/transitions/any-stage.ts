/**
 * What may happen at any open stage: the complaint withdrawn (every open clock stops), reassigned,
 * annotated; a breach answered; the supervisor's escalation; the case closed; a product hold
 * placed or released.
 */
import { REFUSAL, type ComplaintState, type ProductHoldReleased } from '../contract.js';
import type { ActionArgs } from '../actions.js';
import { FINAL_STAGES, SYSTEM_ACTOR, type Actor } from '../model.js';
import { reportingRule } from '../rules/regulatory.js';
import { answerBreach, cancelOpenClocks } from './clocks.js';
import { DAY, missingText, refused, transition, type Change, type Context, type Outcome } from './change.js';
import { isKnownRule, openReport, reportDay0 } from './regulatory.js';
import type { Transitions } from './registry.js';

/** Closed: every open clock stops. */
export function close(c: Change, actor: Actor, at: number, reason: string): void {
  cancelOpenClocks(c, 'complaint closed');
  c.state.closedAt = at;
  c.moveTo('closed', actor, { reason });
}

export const anyStage = {
  withdraw: {
    check: (_s, a) => missingText(a.reason, 'reason'),
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        c.state.withdrawal = { by: a.actor, at: ctx.at, reason: a.reason };
        cancelOpenClocks(c, 'complaint withdrawn');
        c.state.awaitingCustomer = undefined;
        c.state.closedAt = ctx.at;
        c.moveTo('withdrawn', a.actor, { reason: a.reason });
      }),
  },
  reassign: {
    check: (_s, a) => missingText(a.ownerId, 'ownerId') ?? missingText(a.reason, 'reason'),
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        const from = c.state.owner;
        c.state.owner = { id: a.ownerId, department: a.department ?? c.state.owner.department };
        c.emit(a.actor, 'reassigned', { from, to: c.state.owner, reason: a.reason });
      }),
  },
  addNote: {
    check: (_s, a) => missingText(a.text, 'text'),
    apply: (s, a, ctx) => transition(s, ctx, (c) => c.emit(a.actor, 'note.added', { text: a.text })),
  },
  answerBreach: {
    check: (s, a) => {
      const missing = missingText(a.response, 'response');
      if (missing) return missing;
      const open = s.breachFollowUps.some((f) => f.clockId === a.clockId && f.answeredAt === undefined && f.escalatedAt === undefined);
      return open ? undefined : refused(REFUSAL.illegalTransition, `no unanswered breach of ${a.clockId}`);
    },
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        answerBreach(c.state, a.clockId, ctx.at);
        c.emit(a.actor, 'breach.answered', { clockId: a.clockId, response: a.response });
      }),
  },
} satisfies Transitions;

/**
 * The supervisor's escalation (a signal: recorded, never refused, except on a closed case where it
 * changes nothing). To mediation in resolution or feedback, a third party is asked at once; to a
 * regulator under a named rule, that report starts at once (otherwise QA decides).
 */
export function escalated(state: ComplaintState, ctx: Context, e: ActionArgs<'escalate'>): Outcome {
  return transition(state, ctx, (c) => {
    if (FINAL_STAGES.includes(c.state.stage)) return;
    if (e.target === 'mediation') c.state.marks.mediation = true;
    if (e.target === 'regulator') c.state.marks.regulator = true;
    c.escalate(e.actor, e.target === 'regulator' ? 'qa' : 'supervisor', e.target, e.reason, e.ruleId ? { ruleId: e.ruleId } : {});
    // When the customer and the company cannot agree on a remedy, a third party mediates.
    if (e.target === 'mediation' && (c.state.stage === 'resolution' || c.state.stage === 'feedback')) {
      const deadlineAt = ctx.at + (e.deadlineDays ?? 30) * DAY;
      c.work.push({ kind: 'startMediation', actor: e.actor, reason: e.reason, body: e.mediator ?? 'mediation body to be named', deadlineAt });
    }
    if (e.target === 'regulator' && e.ruleId && isKnownRule(e.ruleId) && reportingRule(e.ruleId).clock.unit !== 'none') {
      openReport(c, e.ruleId, reportDay0(c.state, ctx.intake), e.actor, `supervisor's escalation: ${e.reason}`);
    }
  });
}

/** The hold on the lot is on file (placed now, or an existing one on the same lot linked). */
export function holdPlaced(state: ComplaintState, ctx: Context, hold: { holdId: string; status: 'active' | 'released'; created: boolean }, model: string, lot: string): Outcome {
  return transition(state, ctx, (c) => {
    if (!c.state.productHolds.some((h) => h.holdId === hold.holdId)) {
      c.state.productHolds.push({ holdId: hold.holdId, model, lot, status: hold.status });
    }
    c.emit(SYSTEM_ACTOR, hold.created ? 'product.hold_placed' : 'product.hold_linked', { holdId: hold.holdId, model, lot, status: hold.status });
  });
}

/** QA released the hold on the lot. */
export function holdReleased(state: ComplaintState, ctx: Context, r: ProductHoldReleased): Outcome {
  return transition(state, ctx, (c) => {
    const hold = c.state.productHolds.find((h) => h.holdId === r.holdId);
    if (hold) {
      hold.status = 'released';
      hold.decision = r.decision;
    }
    c.emit(r.by, 'product.hold_released', { holdId: r.holdId, decision: r.decision, reason: r.reason });
  });
}
