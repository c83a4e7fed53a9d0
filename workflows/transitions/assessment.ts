/**
 * Assessment (评估): category, severity, patient safety, department and owner. The first one starts
 * the category's clocks from receipt and moves the case to investigation; a supervisor's
 * re-assessment later on recomputes the open clocks. Responses to the complainant, any time
 * before the remedy is agreed, meet the first-response clock.
 */
import { triagePriority } from '../rules/triage.js';
import { begin, meet, recomputeOpenClocks } from './clocks.js';
import { missingText, transition } from './change.js';
import type { Transitions } from './registry.js';

export const assessment = {
  assess: {
    check: (_s, a) => missingText(a.ownerId, 'ownerId') ?? missingText(a.category, 'category') ?? missingText(a.severity, 'severity') ?? missingText(a.department, 'department'),
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        const state = c.state;
        const at = ctx.at;
        const first = state.assessment === undefined;
        const previous = state.assessment;
        // The classification as given, in the order the record and the event have always listed it.
        const classification = {
          category: a.category,
          severity: a.severity,
          patientSafety: a.patientSafety,
          suspectedAdverseEvent: a.suspectedAdverseEvent,
          reasonable: a.reasonable,
          department: a.department,
          ownerId: a.ownerId,
        };
        const priority = triagePriority(a.patientSafety, a.suspectedAdverseEvent);
        state.assessment = { by: a.actor, at, ...classification, rationale: a.rationale, priority };
        state.owner = { id: a.ownerId, department: a.department };
        const crisisNow = a.severity === 'crisis' && !state.marks.crisis;
        if (a.severity === 'crisis') state.marks.crisis = true;
        c.emit(a.actor, first ? 'assessed' : 'reassessed', {
          ...classification,
          priority,
          rationale: a.rationale,
          ...(previous ? { previous: { category: previous.category, severity: previous.severity } } : {}),
        });
        // A crisis (media, a severe conflict) goes straight to management's crisis team.
        if (crisisNow) c.escalate(a.actor, 'management', 'supervisor', 'crisis: ' + (a.rationale ?? 'assessed as a crisis'));
        // A quality complaint puts its model and lot on hold (not to be shipped) until QA releases it.
        const { productName, model, lot } = ctx.intake.device;
        if (first && a.category === 'product_performance' && model && lot) c.work.push({ kind: 'holdTheLot', actor: a.actor, at, productName, model, lot });
        if (first) {
          // The category's clocks count from receipt: the time spent classifying is the company's.
          begin(c, 'firstResponse', state.receivedAt);
          if (state.firstResponseAt !== undefined) meet(c, 'firstResponse', state.firstResponseAt);
          begin(c, 'resolution', state.receivedAt);
          begin(c, 'preliminaryVerification', at);
          c.moveTo('investigation', a.actor);
        } else {
          recomputeOpenClocks(c, 'reassessed', a.actor, ['firstResponse', 'resolution']);
        }
      }),
  },
  respond: {
    check: (_s, a) => missingText(a.summary, 'summary'),
    apply: (s, a, ctx) =>
      transition(s, ctx, (c) => {
        c.emit(a.actor, 'complainant.responded', { channel: a.channel, summary: a.summary });
        if (c.state.firstResponseAt === undefined) {
          c.state.firstResponseAt = ctx.at;
          meet(c, 'firstResponse', ctx.at);
        }
      }),
  },
} satisfies Transitions;
