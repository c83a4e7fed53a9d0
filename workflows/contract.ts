/**
 * The complaint workflow's public contract: every update (agent and supervisor actions that are
 * accepted or refused at once), signal (escalations, reference-data corrections) and query,
 * with their payloads. The API imports these very objects, so both sides speak one language.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ReportabilityFactsInput } from './reportability-facts.js';
import type {
  Actor,
  Category,
  Channel,
  Department,
  EscalationTarget,
  IntakeRecord,
  Remedy,
  RootCause,
  Severity,
  Stage,
} from './model.js';
import type { BusinessCalendar } from './rules/calendar.js';
import type { EventOutcome, Jurisdiction, ReporterRole } from './rules/regulatory.js';
import type { SlaClock } from './rules/clocks.js';

export const TASK_QUEUE = 'complaints';

/** What starts a complaint workflow. The workflow ID is the complaint ID. */
export interface ComplaintInput {
  complaintId: string;
  intake: IntakeRecord;
  /** Receipt instant (epoch ms): day 0 of every clock. */
  receivedAt: number;
  receivedBy: Actor;
  /** Hash of the create request, so a reused Idempotency-Key with another body is caught. */
  fingerprint: string;
  /** Unique per HTTP request: tells the request that started the workflow from its replays. */
  requestId: string;
  idempotencyKey?: string;
  /** SLA policy to run under; the active default when absent. */
  policyId?: string;
}

/** What a complaint's workflow returns when the case has ended (and no report is owed any more). */
export interface ComplaintOutcome {
  complaintId: string;
  number: string;
  stage: Stage;
  reopenCount: number;
  breached: boolean;
}

/** The complaint workflow's signature: what the API and the tests start by name. */
export type ComplaintWorkflow = (input: ComplaintInput) => Promise<ComplaintOutcome>;

/** Failure types the workflow refuses actions with; the API maps them to HTTP statuses. */
export const REFUSAL = {
  illegalTransition: 'IllegalTransition', // 409: not allowed in this stage or state
  forbidden: 'Forbidden', // 403: not allowed for this role
  invalid: 'InvalidRequest', // 422: payload fails the workflow's own checks
} as const;

export interface ComplaintEvent {
  seq: number;
  at: number;
  actor: Actor;
  action: string;
  data: Record<string, unknown>;
}

export interface Signature {
  by: Actor;
  at: number;
}

export interface Finding extends Signature {
  department: Department;
  summary: string;
  evidenceRefs: string[];
}

export interface Assessment extends Signature {
  category: Category;
  severity: Severity;
  patientSafety: boolean;
  suspectedAdverseEvent: boolean;
  reasonable: boolean;
  department: Department;
  ownerId: string;
  rationale?: string;
  /** Patient safety or a suspected adverse event: handled first, whatever the category. */
  priority: 'highest' | 'normal';
}

export interface RemedyProposal extends Signature {
  remedy: Remedy;
  details: string;
  approval?: Signature & { approved: boolean; note?: string };
}

export interface FeedbackRecord extends Signature {
  satisfied: boolean;
  score: number;
  comment?: string;
}

export interface RevisitOutcome extends Signature {
  deviceWorking: boolean;
  solvedAtRoot: boolean;
  score: number;
  note?: string;
}

export interface Escalation extends Signature {
  target: EscalationTarget;
  reason: string;
  /** Who must act on it: the supervisor, QA, or management (a crisis, or a breach left unanswered). */
  level: EscalationLevel;
}

export const ESCALATION_LEVELS = ['supervisor', 'qa', 'management'] as const;
export type EscalationLevel = (typeof ESCALATION_LEVELS)[number];

/** The facts the reportability rules need come as QA sends them; awareness from the complaint's own record. */
export type { ReportabilityFactsInput };

export interface JurisdictionDecision {
  jurisdiction: Jurisdiction;
  reportable: boolean;
  /** The rule the report runs under (its clock); the proposal's tightest when not given. */
  ruleId?: string;
  /** Required when the officer departs from the rules' proposal. */
  reason?: string;
}

export interface ReportabilityDecision extends Signature {
  facts: ReportabilityFactsInput;
  day0: number;
  proposed: Array<{ jurisdiction: Jurisdiction; reportable: boolean; ruleIds: string[]; rationale: string }>;
  decided: Array<JurisdictionDecision & { overridden: boolean }>;
  note?: string;
}

export interface RegulatoryReportSummary {
  reportId: string;
  ruleId: string;
  jurisdiction: Jurisdiction;
  status: 'starting' | 'open' | 'overdue' | 'submitted';
  dueAt?: number;
  submittedAt?: number;
  reference?: string;
}

/** The live state of one complaint, as the query returns it and the API shows it. */
export interface ComplaintState {
  complaintId: string;
  number?: string;
  stage: Stage;
  receivedAt: number;
  receivedBy: Actor;
  owner: { id: string; department?: Department };
  policy?: { id: string; version: number; calendarId: string };
  intake: {
    complainantVerified?: Signature & { method: string; note?: string };
    itemVerified?: Signature & { checks: ItemChecks; note?: string };
    firstContactAt?: number;
    acknowledgedAt?: number;
    expectedResolutionBy?: number;
    completedAt?: number;
  };
  firstResponseAt?: number;
  assessment?: Assessment;
  investigation: {
    findings: Finding[];
    rootCause?: Signature & { cause: RootCause; note?: string };
    waiver?: Signature & { reason: string };
    completedAt?: number;
  };
  resolution: {
    proposal?: RemedyProposal;
    /** The remedy the customer accepted: the case's resolution. */
    agreed?: RemedyProposal & { acceptedAt: number };
    customerRejections: number;
  };
  feedback: FeedbackRecord[];
  revisit?: { sampled: boolean; dueAt?: number; due: boolean; outcome?: RevisitOutcome };
  awaitingCustomer?: Signature & { reason: string };
  escalations: Escalation[];
  regulatory: { decisions: ReportabilityDecision[]; reports: RegulatoryReportSummary[] };
  cluster?: ClusterFlagged & { confirmedAt?: number };
  productHolds: Array<{ holdId: string; model: string; lot: string; status: 'active' | 'released'; decision?: string }>;
  /** Breaches waiting for the supervisor's answer; unanswered, they go up to management. */
  breachFollowUps: Array<{ clockId: string; escalateAt: number; answeredAt?: number; escalatedAt?: number }>;
  /** Marks on the case that later steps (mediation, regulator reports) act on. */
  marks: { mediation: boolean; regulator: boolean; crisis: boolean; legal: boolean };
  /** The current (or last) third-party mediation. */
  mediation?: {
    mediationId: string;
    body: string;
    startedAt: number;
    deadlineAt: number;
    sessions: number;
    outcome?: 'settled' | 'failed' | 'timed_out';
  };
  legal?: { since: number; outcome?: string; note?: string; closedBy?: Actor; closedAt?: number };
  reopenCount: number;
  clocks: SlaClock[];
  breached: boolean;
  /** What the case waits for next, in plain words, for the agent's desk. */
  awaiting: string[];
  withdrawal?: Signature & { reason: string };
  closedAt?: number;
  /** Sequence number of the last event. */
  lastSeq: number;
}

export interface ComplaintView extends ComplaintState {
  history: ComplaintEvent[];
}

export interface ItemChecks {
  product: boolean;
  specification: boolean;
  lot: boolean;
  expiry: boolean;
  manufacturer: boolean;
}

/** Every action names its actor; the workflow checks the role against the action. */
export interface Acting {
  actor: Actor;
}

export interface FiledReceipt {
  complaintId: string;
  number: string;
  fingerprint: string;
  receivedAt: number;
  requestId: string;
}

/**
 * The actions people take (their payloads, updates and the escalation signal) are declared in
 * workflows/actions.ts, one entry each; the messages below are the workflow's own.
 */
export const filedUpdate = defineUpdate<FiledReceipt>('filed');

/** An admin corrected a business calendar: open clocks on it are recomputed from their start. */
export type CalendarCorrected = Acting & { calendar: BusinessCalendar; reason: string };
export const calendarCorrectedSignal = defineSignal<[CalendarCorrected]>('calendarCorrected');

export const stateQuery = defineQuery<ComplaintView>('state');

// ---- Messages from the other workflows and from QA's tools -----------------------------------

/** The cluster watch of this complaint's model and lot flagged a possible group event. */
export interface ClusterFlagged {
  clusterAlertId: string;
  model: string;
  lot: string;
  complaintCount: number;
  windowDays: number;
  flaggedAt: number;
}
export const clusterFlaggedSignal = defineSignal<[ClusterFlagged]>('clusterFlagged');

/** QA confirmed the cluster as a group adverse event: the complaint's own 24-hour report starts. */
export interface GroupEventConfirmed {
  clusterAlertId: string;
  confirmedAt: number;
  confirmedBy: Actor;
  /** Day 0 of the group-event clocks: when the company became aware of the cluster. */
  day0: number;
}
export const groupEventConfirmedSignal = defineSignal<[GroupEventConfirmed]>('groupEventConfirmed');

/** QA released the product hold on this complaint's lot. */
export interface ProductHoldReleased {
  holdId: string;
  decision: string;
  reason: string;
  by: Actor;
  at: number;
}
export const productHoldReleasedSignal = defineSignal<[ProductHoldReleased]>('productHoldReleased');
