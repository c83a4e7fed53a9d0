/**
 * Shared by the transition tables: a context on the China calendar under the default policy, a
 * body that works for every update action, and a complaint driven by the transitions themselves
 * into each of the ten stages (no worker: the transitions are pure).
 */
import { expect } from 'vitest';
import { CHINA_MAINLAND } from '../../db/reference/calendars.js';
import type { ActionArgs } from '../../workflows/actions.js';
import { openingState } from '../../workflows/complaint-state.js';
import type { ComplaintState } from '../../workflows/contract.js';
import type { Actor, Stage } from '../../workflows/model.js';
import { DEFAULT_POLICY } from '../../workflows/rules/sla-policy.js';
import type { Context, Outcome } from '../../workflows/transitions/change.js';
import { deadlinesAsOf } from '../../workflows/transitions/clocks.js';
import { received } from '../../workflows/transitions/intake.js';
import { mediationBegan, mediationEnded } from '../../workflows/transitions/mediation-and-legal.js';
import { TRANSITIONS, refusalOf, type UpdateAction } from '../../workflows/transitions/registry.js';
import { SAMPLE_INTAKE } from '../support/intake.js';

export const t = (iso: string) => Date.parse(iso);
export const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** Monday 9 March 2026, 09:30 in Shanghai: a working day, no holiday near. */
export const RECEIVED = t('2026-03-09T09:30:00+08:00');

export const agent: Actor = { id: 'agent-li', role: 'agent' };
export const handler: Actor = { id: 'handler-chen', role: 'handler' };
export const supervisor: Actor = { id: 'supervisor-wu', role: 'supervisor' };
export const qa: Actor = { id: 'qa-zhou', role: 'qa' };

export function context(at: number | string): Context {
  return { at: typeof at === 'string' ? t(at) : at, policy: DEFAULT_POLICY, calendar: CHINA_MAINLAND, intake: SAMPLE_INTAKE };
}

export const assessment = {
  category: 'product_performance',
  severity: 'general',
  patientSafety: false,
  suspectedAdverseEvent: false,
  reasonable: true,
  department: 'quality',
  ownerId: handler.id,
} as const;

/** A body each update action accepts (the API's parse applied: defaults filled in). */
export const BODIES: { [N in UpdateAction]: Omit<ActionArgs<N>, 'actor'> } = {
  verifyComplainant: { method: 'called back on the hospital switchboard' },
  verifyItem: { checks: { product: true, specification: true, lot: true, expiry: true, manufacturer: true } },
  recordContact: { channel: 'phone', summary: 'explained the next steps' },
  acknowledge: { channel: 'email' },
  completeIntake: {},
  assess: assessment,
  respond: { channel: 'phone', summary: 'advised a workaround' },
  recordFinding: { department: 'quality', summary: 'occlusion sensor drift', evidenceRefs: ['lab-77'] },
  setRootCause: { cause: 'manufacturing' },
  waiveInvestigation: { reason: 'known issue, field action under way' },
  awaitCustomer: { reason: 'waiting for the device to be returned' },
  customerResponded: { note: 'device returned' },
  completeInvestigation: {},
  proposeRemedy: { remedy: 'replacement', details: 'replace the pump' },
  approveRemedy: { approved: true },
  recordCustomerDecision: { accepted: true },
  recordFeedback: { satisfied: true, score: 5 },
  recordRevisit: { deviceWorking: true, solvedAtRoot: true, score: 5 },
  withdraw: { reason: 'the complainant withdrew' },
  reassign: { ownerId: 'handler-sun', reason: 'holiday cover' },
  addNote: { text: 'called the ward sister' },
  answerBreach: { clockId: 'firstContact', response: 'the desk was short-staffed; two more agents on the phones' },
  decideReportability: {
    facts: { eventCountry: 'CN', outcome: 'non_serious', marketedIn: ['CN'], reporterRole: 'manufacturer', remedialActionNeeded: false },
  },
  closeLegalRoute: { outcome: 'settled in court' },
};

export const args = <N extends UpdateAction>(name: N, actor: Actor, body: Partial<Omit<ActionArgs<N>, 'actor'>> = {}): ActionArgs<N> =>
  ({ ...BODIES[name], ...body, actor }) as unknown as ActionArgs<N>;

/** Applies an action without the checks. */
export function apply<N extends UpdateAction>(name: N, state: ComplaintState, a: ActionArgs<N>, at: number | string): Outcome {
  return TRANSITIONS[name].apply(state, a, context(at));
}

/** Applies an action that must be allowed; the state given is left as it was. */
export function act<N extends UpdateAction>(state: ComplaintState, name: N, a: ActionArgs<N>, at: number | string): Outcome {
  const before = JSON.stringify(state);
  expect(refusalOf(name, state, a, SAMPLE_INTAKE)).toBeUndefined();
  const outcome = TRANSITIONS[name].apply(state, a, context(at));
  expect(JSON.stringify(state)).toBe(before);
  return outcome;
}

/** The events' actions, in order. */
export const actions = (o: Outcome) => o.events.map((e) => e.action);

/** A complaint filed at RECEIVED under the default policy. */
export function filed(): ComplaintState {
  const state = openingState({
    complaintId: '0b7c6d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e',
    intake: SAMPLE_INTAKE,
    receivedAt: RECEIVED,
    receivedBy: agent,
    fingerprint: 'f',
    requestId: 'r',
  });
  state.policy = { id: DEFAULT_POLICY.id, version: DEFAULT_POLICY.version, calendarId: CHINA_MAINLAND.id };
  state.number = 'CMP-2026-000001';
  return received(state, context(RECEIVED), agent, state.number, 'phone').state;
}

const step = <N extends UpdateAction>(state: ComplaintState, name: N, actor: Actor, at: string, body: Partial<Omit<ActionArgs<N>, 'actor'>> = {}) =>
  act(state, name, args(name, actor, body), at).state;

/** The complaint driven into each stage, every step in working hours of that first week. */
export function complaintIn(stage: Stage): ComplaintState {
  let s = filed();
  if (stage === 'withdrawn') return step(s, 'withdraw', agent, '2026-03-09T09:40:00+08:00');
  if (stage === 'intake') return s;
  s = step(s, 'verifyComplainant', agent, '2026-03-09T09:40:00+08:00');
  s = step(s, 'verifyItem', agent, '2026-03-09T09:45:00+08:00');
  s = step(s, 'recordContact', agent, '2026-03-09T09:50:00+08:00');
  s = step(s, 'acknowledge', agent, '2026-03-09T09:55:00+08:00');
  s = step(s, 'completeIntake', agent, '2026-03-09T10:00:00+08:00');
  if (stage === 'assessment') return s;
  s = step(s, 'assess', agent, '2026-03-09T11:00:00+08:00');
  if (stage === 'investigation') return s;
  s = step(s, 'respond', handler, '2026-03-09T11:10:00+08:00');
  s = step(s, 'recordFinding', handler, '2026-03-09T14:00:00+08:00');
  s = step(s, 'setRootCause', handler, '2026-03-09T14:10:00+08:00');
  s = step(s, 'completeInvestigation', handler, '2026-03-09T14:20:00+08:00');
  if (stage === 'resolution') return s;
  if (stage === 'mediation' || stage === 'legal') {
    const m = { mediationId: `${s.complaintId}:mediation:1`, body: 'consumer association', startedAt: t('2026-03-09T15:00:00+08:00'), deadlineAt: t('2026-04-08T15:00:00+08:00') };
    s = mediationBegan(s, context(m.startedAt), m, supervisor).state;
    if (stage === 'mediation') return s;
    const ended = { mediationId: m.mediationId, complaintId: s.complaintId, body: m.body, startedAt: m.startedAt, deadlineAt: m.deadlineAt, sessions: [], outcome: 'failed' as const, decidedBy: supervisor };
    return mediationEnded(s, context('2026-03-20T10:00:00+08:00'), ended).state;
  }
  s = step(s, 'proposeRemedy', agent, '2026-03-09T15:00:00+08:00');
  s = step(s, 'approveRemedy', supervisor, '2026-03-09T15:10:00+08:00');
  s = step(s, 'recordCustomerDecision', agent, '2026-03-09T15:20:00+08:00');
  if (stage === 'feedback') return s;
  s = step(s, 'recordFeedback', agent, '2026-03-10T10:00:00+08:00');
  if (stage === 'revisit') return s;
  // Seven days later the revisit falls due; its outcome closes the case.
  s = deadlinesAsOf(s, context('2026-03-17T10:00:00+08:00')).state;
  return step(s, 'recordRevisit', agent, '2026-03-17T11:00:00+08:00');
}
