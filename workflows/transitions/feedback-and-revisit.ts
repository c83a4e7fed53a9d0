/**
 * Feedback (反馈) and revisit (回访): satisfied goes on to the revisit (for the share of cases the
 * category samples) or closes; dissatisfied reopens the investigation with a new resolution clock.
 * The revisit's outcome closes the case.
 */
import { REFUSAL } from '../contract.js';
import type { Actor } from '../model.js';
import { isSampledForRevisit } from '../rules/sla-policy.js';
import { close } from './any-stage.js';
import { begin } from './clocks.js';
import { DAY, badScore, refused, transition, type Change } from './change.js';
import type { Transitions } from './registry.js';

/** Back to investigation: a new cycle, whose resolution clock starts now; the earlier ones keep their outcome on file. */
function reopen(c: Change, actor: Actor, at: number): void {
  const state = c.state;
  state.reopenCount++;
  state.investigation.completedAt = undefined;
  state.resolution.proposal = undefined;
  state.resolution.agreed = undefined;
  c.moveTo('investigation', actor, { reopen: state.reopenCount });
  begin(c, 'resolution', at, state.reopenCount + 1);
}

export const feedbackAndRevisit = {
  recordFeedback: {
    check: (_s, a) => badScore(a.score),
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        const state = c.state;
        const at = ctx.at;
        state.feedback.push({ by: a.actor, at, satisfied: a.satisfied, score: a.score, comment: a.comment });
        c.emit(a.actor, 'feedback.recorded', { satisfied: a.satisfied, score: a.score, comment: a.comment });
        if (!a.satisfied) {
          reopen(c, a.actor, at);
          return;
        }
        const rule = ctx.policy.categories[state.assessment!.category].revisit;
        const sampled = isSampledForRevisit(state.complaintId, rule.share);
        if (sampled) {
          state.revisit = { sampled, due: false, dueAt: at + rule.afterDays * DAY };
          c.moveTo('revisit', a.actor, { revisitDueAt: state.revisit.dueAt });
        } else {
          state.revisit = { sampled, due: false };
          close(c, a.actor, at, 'not sampled for a revisit');
        }
      }),
  },
  recordRevisit: {
    check: (s, a) => badScore(a.score) ?? (s.revisit?.due ? undefined : refused(REFUSAL.illegalTransition, 'the revisit is not due yet')),
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        c.state.revisit!.outcome = {
          by: a.actor,
          at: ctx.at,
          deviceWorking: a.deviceWorking,
          solvedAtRoot: a.solvedAtRoot,
          score: a.score,
          note: a.note,
        };
        c.emit(a.actor, 'revisit.recorded', {
          deviceWorking: a.deviceWorking,
          solvedAtRoot: a.solvedAtRoot,
          score: a.score,
          note: a.note,
        });
        close(c, a.actor, ctx.at, 'revisit done');
      }),
  },
} satisfies Transitions;
