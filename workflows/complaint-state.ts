/**
 * The complaint's state at its start, the snapshot of it the complaint file in PostgreSQL keeps
 * (the row the lists and reports read), and the view the API answers with. Pure.
 */
import type { ComplaintInput, ComplaintState } from './contract.js';
import { whatIsAwaited } from './awaiting.js';

export function openingState(input: ComplaintInput): ComplaintState {
  return {
    complaintId: input.complaintId,
    stage: 'intake',
    receivedAt: input.receivedAt,
    receivedBy: input.receivedBy,
    // First-contact responsibility (首问负责制): whoever received it owns it until assigned.
    owner: { id: input.receivedBy.id },
    intake: {},
    investigation: { findings: [] },
    resolution: { customerRejections: 0 },
    feedback: [],
    escalations: [],
    marks: { mediation: false, regulator: false, crisis: false, legal: false },
    reopenCount: 0,
    clocks: [],
    breached: false,
    awaiting: [],
    lastSeq: 0,
    regulatory: { decisions: [], reports: [] },
    productHolds: [],
    breachFollowUps: [],
  };
}

/** The complaint row's columns, written with every batch of events. */
export function snapshotOf(state: ComplaintState) {
  const a = state.assessment;
  return {
    stage: state.stage,
    lastSeq: state.lastSeq,
    category: a?.category ?? null,
    severity: a?.severity ?? null,
    priority: a?.priority ?? null,
    patientSafety: a?.patientSafety ?? null,
    suspectedAdverseEvent: a?.suspectedAdverseEvent ?? null,
    reasonable: a?.reasonable ?? null,
    ownerId: state.owner.id,
    department: state.owner.department ?? null,
    reopenCount: state.reopenCount,
    breached: state.breached,
    rootCause: state.investigation.rootCause?.cause ?? null,
    investigationWaivedReason: state.investigation.waiver?.reason ?? null,
    remedy: state.resolution.agreed?.remedy ?? null,
    satisfactionScore: state.feedback[state.feedback.length - 1]?.score ?? null,
    markedForMediation: state.marks.mediation,
    markedForRegulator: state.marks.regulator,
    closedAt: state.closedAt ?? null,
    withdrawnReason: state.withdrawal?.reason ?? null,
    clocks: state.clocks,
  };
}

/** The state as the API shows it: with what it waits for next. */
export function viewOf(state: ComplaintState): ComplaintState {
  return { ...state, awaiting: whatIsAwaited(state) };
}
