/**
 * The regulatory report's public contract (workflows/regulatory-report.ts): its input and state,
 * QA's submission (update), a tighter rule (signal), the query, and the progress signal the
 * complaint hears. The complaint and cluster-watch workflows, the activities, the API and the tests
 * import these very objects.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor } from './model.js';
import type { Jurisdiction } from './rules/regulatory.js';

/** The workflow's signature, for clients that start it by name ('regulatoryReport'). */
export type RegulatoryReportWorkflow = (input: RegulatoryReportInput) => Promise<RegulatoryReportState>;

export interface RegulatoryReportInput {
  /** Also the workflow ID: `<complaint or cluster alert id>:report:<rule id>`. */
  reportId: string;
  subject: { complaintId?: string; clusterAlertId?: string };
  ruleId: string;
  /** Day 0: when the company (or its distributor) became aware, or 803.56's new information. */
  day0: number;
  startedBy: Actor;
  reason: string;
  /** The complaint workflow told of every step, so it is on the complaint's own record. */
  notifyWorkflowId?: string;
  /** When to remind: fractions of the time, and hours before the due time (defaults: ½, and 24 h). */
  reminders?: { fractions: number[]; hoursBeforeDue: number[] };
}

export const REPORT_STATUSES = ['open', 'overdue', 'submitted'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

export interface ReportEvent {
  seq: number;
  at: number;
  actor: Actor;
  action: 'started' | 'reminder' | 'breached' | 'tightened' | 'submitted';
  data: Record<string, unknown>;
}

export interface RegulatoryReportState {
  reportId: string;
  subject: { complaintId?: string; clusterAlertId?: string };
  ruleId: string;
  jurisdiction: Jurisdiction;
  citation: string;
  description: string;
  day0: number;
  /** Undefined for a rule without a fixed clock (EU trend report). */
  dueAt?: number;
  dueDate?: string;
  beyondCoverage: boolean;
  status: ReportStatus;
  reminders: Array<{ at: number; sentAt?: number }>;
  breachedAt?: number;
  submission?: { reference: string; submittedAt: number; by: Actor; recordedAt: number };
  events: ReportEvent[];
}

export type RecordSubmission = { actor: Actor; reference: string; submittedAt?: number };
export const recordSubmissionUpdate = defineUpdate<RegulatoryReportState, [RecordSubmission]>('recordSubmission');

/** New facts call for a tighter rule of the same jurisdiction: the due time is recomputed from day 0. */
export type TightenReport = { actor: Actor; ruleId: string; reason: string };
export const tightenReportSignal = defineSignal<[TightenReport]>('tightenReport');

export const reportStateQuery = defineQuery<RegulatoryReportState>('reportState');

/** What the complaint hears from its reports. */
export interface ReportProgress {
  reportId: string;
  ruleId: string;
  jurisdiction: Jurisdiction;
  status: ReportStatus;
  dueAt?: number;
  event: ReportEvent;
}
export const regulatoryReportProgressSignal = defineSignal<[ReportProgress]>('regulatoryReportProgress');
