/**
 * Intake (受理): the complaint on file with its first clocks, the three verifications (the
 * complainant, the item, the first contact), the written acknowledgement, and intake completed.
 */
import { REFUSAL, type ComplaintState } from '../contract.js';
import type { Actor, Channel } from '../model.js';
import { begin, currentClock, defaultExpectedResolution, meet } from './clocks.js';
import { missingText, refused, transition, type Context, type Outcome } from './change.js';
import type { Transitions } from './registry.js';

/** The intake card is filed: the complaint has its number, and the first-contact and acknowledgement clocks run from receipt. */
export function received(state: ComplaintState, ctx: Context, by: Actor, number: string, channel: Channel): Outcome {
  return transition(state, ctx, (c) => {
    c.emit(by, 'complaint.received', { number, channel, policy: c.state.policy });
    begin(c, 'firstContact', c.state.receivedAt);
    begin(c, 'acknowledgement', c.state.receivedAt);
  });
}

export const intake = {
  verifyComplainant: {
    check: (_s, a) => missingText(a.method, 'method'),
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        c.state.intake.complainantVerified = { by: a.actor, at: ctx.at, method: a.method, note: a.note };
        c.emit(a.actor, 'complainant.verified', { method: a.method, note: a.note });
      }),
  },
  verifyItem: {
    check: (_s, a) => (!a.checks || typeof a.checks !== 'object' ? refused(REFUSAL.invalid, 'checks are required') : undefined),
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        c.state.intake.itemVerified = { by: a.actor, at: ctx.at, checks: a.checks, note: a.note };
        c.emit(a.actor, 'item.verified', { checks: a.checks, note: a.note });
      }),
  },
  recordContact: {
    check: (_s, a) => missingText(a.summary, 'summary'),
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        c.emit(a.actor, 'complainant.contacted', { channel: a.channel, summary: a.summary });
        if (c.state.intake.firstContactAt === undefined) {
          c.state.intake.firstContactAt = ctx.at;
          meet(c, 'firstContact', ctx.at);
        }
      }),
  },
  acknowledge: {
    check: (s, a) => {
      if (s.intake.acknowledgedAt !== undefined) return refused(REFUSAL.illegalTransition, 'the acknowledgement was already sent');
      if (a.expectedResolutionBy !== undefined && !(a.expectedResolutionBy > s.receivedAt)) {
        return refused(REFUSAL.invalid, 'expectedResolutionBy must be after the receipt');
      }
      return undefined;
    },
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        const expected = a.expectedResolutionBy ?? currentClock(c.state, 'resolution')?.dueAt ?? defaultExpectedResolution(c.state, ctx);
        c.state.intake.acknowledgedAt = ctx.at;
        c.state.intake.expectedResolutionBy = expected;
        c.emit(a.actor, 'complainant.acknowledged', { channel: a.channel, expectedResolutionBy: expected });
        meet(c, 'acknowledgement', ctx.at);
      }),
  },
  completeIntake: {
    check: (s) => {
      const missing: string[] = [];
      if (!s.intake.complainantVerified) missing.push('complainant verification');
      if (!s.intake.itemVerified) missing.push('item verification');
      if (s.intake.firstContactAt === undefined) missing.push('first contact with the complainant');
      return missing.length ? refused(REFUSAL.illegalTransition, `intake is not complete: missing ${missing.join(', ')}`) : undefined;
    },
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        c.state.intake.completedAt = ctx.at;
        c.moveTo('assessment', a.actor);
      }),
  },
} satisfies Transitions;
