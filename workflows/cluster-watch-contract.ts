/**
 * The cluster watch's public contract (workflows/cluster-watch.ts): its input, state, the signal
 * complaints arrive by, QA's decisions (updates) and the query, with their payloads, and the input
 * of the group-event reports it starts. The activity that reports complaints, the API and the tests
 * import these very objects; the IDs they are keyed by are in ids.ts.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { groupEventReportId } from './ids.js';
import type { Actor } from './model.js';

/** The workflow's signature, for clients that start or signal it by name ('clusterWatch'). */
export type ClusterWatchWorkflow = (input: ClusterWatchInput) => Promise<void>;

export interface ClusterWatchInput {
  model: string;
  lot: string;
  productName?: string;
  /** Set by continue-as-new only: what the previous run hands on. */
  carried?: CarriedState;
  /** Continue as new after this many reports in one run (default 500; tests set it lower). */
  maxReportsPerRun?: number;
}

/** One complaint on this model and lot, as the complaint workflow (through an activity) reports it. */
export interface ComplaintReported {
  complaintId: string;
  number: string;
  /** Receipt instant (epoch ms): the window is measured on it. */
  receivedAt: number;
  patientHarmed: boolean;
  /** The complaint's policy's `clusterDetection`; the latest report's values apply. */
  windowDays: number;
  threshold: number;
}
export const complaintReportedSignal = defineSignal<[ComplaintReported]>('complaintReported');

/** QA's decision on an alert. `alertId` names it; it may be left out when only one alert is open. */
export interface GroupEventDecision {
  actor: Actor;
  reason: string;
  alertId?: string;
}
export const confirmGroupEventUpdate = defineUpdate<ClusterAlertView, [GroupEventDecision]>('confirmGroupEvent');
export const dismissGroupEventUpdate = defineUpdate<ClusterAlertView, [GroupEventDecision]>('dismissGroupEvent');

export const clusterStateQuery = defineQuery<ClusterWatchState>('clusterState');

export const CLUSTER_ALERT_STATUSES = ['open', 'confirmed', 'dismissed'] as const;
export type ClusterAlertStatus = (typeof CLUSTER_ALERT_STATUSES)[number];

export interface ClusterMember {
  complaintId: string;
  number: string;
  receivedAt: number;
  /** When it became a member (the alert's raising, or a later join). */
  joinedAt: number;
}

export interface ClusterDecisionRecord {
  by: Actor;
  at: number;
  reason: string;
}

export interface ClusterAlertEvent {
  seq: number;
  at: number;
  actor: Actor;
  action: string;
  data: Record<string, unknown>;
}

export interface ClusterAlertView {
  id: string;
  /** The alert's sequence number within this watch (1, 2, …). */
  seq: number;
  watchId: string;
  model: string;
  lot: string;
  productName?: string;
  status: ClusterAlertStatus;
  flaggedAt: number;
  windowDays: number;
  threshold: number;
  members: ClusterMember[];
  /** Earliest and latest receipt among the members. */
  firstReceivedAt: number;
  lastReceivedAt: number;
  confirmed?: ClusterDecisionRecord;
  dismissed?: ClusterDecisionRecord;
  /** Members whose workflow was told (`clusterFlagged`); those skipped had completed. */
  notified: string[];
  skipped: string[];
  /** Sequence number of the alert's last event. */
  lastSeq: number;
}

export interface ReportedComplaint {
  complaintId: string;
  number: string;
  receivedAt: number;
  patientHarmed: boolean;
  /** The alert it belongs to, once it does. */
  alertId?: string;
}

export interface CarriedState {
  entries: ReportedComplaint[];
  alerts: ClusterAlertView[];
  nextAlertSeq: number;
  settings: { windowDays: number; threshold: number };
  /** Reports of complaints received before this are stale repeats of pruned ones: ignored. */
  watermark: number;
  latestReceivedAt: number;
  /** Reports taken in since the watch began (repeats included), and complaints counted. */
  reportsReceived: number;
  reportsCounted: number;
}

export interface ClusterWatchState extends CarriedState {
  watchId: string;
  model: string;
  lot: string;
  productName?: string;
  reportsThisRun: number;
}

/** The rules of the group-event reports that QA's confirmation starts (China, 2018 Order No. 1). */
export const GROUP_EVENT_REPORT_RULES = ['cn.group.notice', 'cn.group.investigation'] as const;
export type GroupEventReportRule = (typeof GROUP_EVENT_REPORT_RULES)[number];

/** The input of a `regulatoryReport` child workflow for a group event (its RegulatoryReportInput). */
export interface GroupEventReportInput {
  /** Also the child's workflow ID: `<alert id>:report:<rule id>`. */
  reportId: string;
  subject: { clusterAlertId: string };
  ruleId: GroupEventReportRule;
  /** When the company became aware of the cluster: the alert's flagging. */
  day0: number;
  startedBy: Actor;
  reason: string;
}

/** Input of the `regulatoryReport` child for one rule (kept apart so its shape can change in one place). */
export function groupEventReportInput(
  alert: Pick<ClusterAlertView, 'id' | 'flaggedAt'>,
  ruleId: GroupEventReportRule,
  actor: Actor,
  reason: string,
): GroupEventReportInput {
  return {
    reportId: groupEventReportId(alert.id, ruleId),
    subject: { clusterAlertId: alert.id },
    ruleId,
    day0: alert.flaggedAt,
    startedBy: actor,
    reason,
  };
}
