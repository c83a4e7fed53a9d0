/**
 * The mediation's public contract (workflows/mediation.ts): its input and state, the updates that
 * record a session and the outcome, the query, and the signal that tells the complaint of each
 * session. The complaint workflow, the API and the tests import these very objects.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor, Remedy } from './model.js';

/** The workflow's signature, for clients that start it by name ('mediation'). */
export type MediationWorkflow = (input: MediationInput) => Promise<MediationState>;

export interface MediationInput {
  mediationId: string;
  complaintId: string;
  /** The mediation body: a consumer association, an industry mediation committee, a court mediator. */
  body: string;
  deadlineAt: number;
  startedBy: Actor;
  reason: string;
}

export const MEDIATION_OUTCOMES = ['settled', 'failed', 'timed_out'] as const;
export type MediationOutcome = (typeof MEDIATION_OUTCOMES)[number];

export interface MediationSession {
  heldAt: number;
  summary: string;
  by: Actor;
  recordedAt: number;
}

export interface MediationState {
  mediationId: string;
  complaintId: string;
  body: string;
  startedAt: number;
  deadlineAt: number;
  sessions: MediationSession[];
  outcome?: MediationOutcome;
  agreedRemedy?: { remedy: Remedy; details: string };
  note?: string;
  decidedBy?: Actor;
  decidedAt?: number;
}

export type RecordSession = { actor: Actor; heldAt: number; summary: string };
export const recordSessionUpdate = defineUpdate<MediationState, [RecordSession]>('recordSession');

export type RecordMediationOutcome = {
  actor: Actor;
  outcome: 'settled' | 'failed';
  agreedRemedy?: { remedy: Remedy; details: string };
  note?: string;
};
export const recordMediationOutcomeUpdate = defineUpdate<MediationState, [RecordMediationOutcome]>('recordMediationOutcome');

export const mediationStateQuery = defineQuery<MediationState>('mediationState');

/** What the complaint hears of each session, so it is on the complaint's record as it happens. */
export const mediationSessionSignal = defineSignal<[{ mediationId: string; session: MediationSession }]>('mediationSession');
