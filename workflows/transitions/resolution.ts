/**
 * Resolution (处理): a remedy proposed, approved by the supervisor (which meets the resolution
 * clock) and put to the customer, who accepts it (on to feedback) or rejects it (a new proposal,
 * or mediation).
 */
import { REFUSAL } from '../contract.js';
import { meet } from './clocks.js';
import { missingText, refused, transition } from './change.js';
import { customerAnswered } from './investigation.js';
import type { Transitions } from './registry.js';

export const resolution = {
  proposeRemedy: {
    check: (s, a) => {
      const missing = missingText(a.remedy, 'remedy') ?? missingText(a.details, 'details');
      if (missing) return missing;
      if (s.resolution.proposal?.approval?.approved) {
        return refused(REFUSAL.illegalTransition, 'an approved remedy is with the customer: record their decision first');
      }
      return undefined;
    },
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        c.state.resolution.proposal = { by: a.actor, at: ctx.at, remedy: a.remedy, details: a.details };
        c.emit(a.actor, 'remedy.proposed', { remedy: a.remedy, details: a.details });
      }),
  },
  approveRemedy: {
    check: (s) => {
      const proposal = s.resolution.proposal;
      if (!proposal) return refused(REFUSAL.illegalTransition, 'there is no proposed remedy to approve');
      if (proposal.approval) return refused(REFUSAL.illegalTransition, 'the proposed remedy was already decided');
      return undefined;
    },
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        const proposal = c.state.resolution.proposal!;
        proposal.approval = { by: a.actor, at: ctx.at, approved: a.approved, note: a.note };
        c.emit(a.actor, a.approved ? 'remedy.approved' : 'remedy.declined', { remedy: proposal.remedy, note: a.note });
        if (a.approved) meet(c, 'resolution', ctx.at);
        else c.state.resolution.proposal = undefined;
      }),
  },
  recordCustomerDecision: {
    check: (s) =>
      s.resolution.proposal?.approval?.approved ? undefined : refused(REFUSAL.illegalTransition, 'no approved remedy has been put to the customer'),
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        const state = c.state;
        const at = ctx.at;
        if (state.awaitingCustomer) customerAnswered(c, a.actor, 'the customer answered with a decision', at);
        const proposal = state.resolution.proposal!;
        // Putting the remedy to the customer was a reply to them, if none was recorded before.
        if (state.firstResponseAt === undefined) {
          state.firstResponseAt = at;
          meet(c, 'firstResponse', at);
        }
        if (a.accepted) {
          state.resolution.agreed = { ...proposal, acceptedAt: at };
          c.emit(a.actor, 'remedy.accepted_by_customer', { remedy: proposal.remedy, note: a.note });
          c.moveTo('feedback', a.actor);
        } else {
          state.resolution.customerRejections++;
          state.resolution.proposal = undefined;
          c.emit(a.actor, 'remedy.rejected_by_customer', { remedy: proposal.remedy, note: a.note });
        }
      }),
  },
} satisfies Transitions;
