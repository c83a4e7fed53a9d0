/**
 * Possible group (cluster) adverse events: one long-running workflow per device model and lot
 * (`cluster-watch:<MODEL>:<LOT>`) keeps the complaints reported on that lot and flags a possible
 * group event when enough patient-harm complaints fall within the policy's window
 * (`clusterDetection: { windowDays, threshold }`). QA then confirms or dismisses it.
 *
 * - Complaints arrive by `complaintReported` (signal-with-start from the `reportToClusterWatch`
 *   activity). Each complaint counts once, whatever the number of signals (deduplicated by ID).
 * - An alert is raised once: written to PostgreSQL by an activity (its ID derived from the
 *   workflow ID and the alert's sequence number, so a retry writes nothing twice), then every member
 *   complaint's workflow is signalled `clusterFlagged` (workflow-to-workflow signals: recorded in
 *   history, so each is sent exactly once, also across worker restarts). Complaints whose workflow
 *   has completed are skipped and the skip is recorded.
 * - A later harm complaint within the window of an open (or confirmed) alert joins it instead of
 *   raising another (the window reaches `windowDays` before the earliest and after the latest
 *   member's receipt). Members of an alert QA dismissed do not count again.
 * - QA's confirmation (`confirmGroupEvent`) marks the alert confirmed, signals `groupEventConfirmed`
 *   (day 0 = when the alert was raised: the company's awareness of the cluster) to every member,
 *   and starts the group-event regulatory reports as child workflows.
 * - The workflow continues as new before its history grows large, carrying only the complaints
 *   still inside the window and the alerts still relevant.
 *
 * No I/O here; time is the workflow's own clock; the window is measured on the complaints' receipt.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { ClusterActivities } from '../activities/clusters.js';
import {
  GROUP_EVENT_REPORT_RULES,
  clusterStateQuery,
  complaintReportedSignal,
  confirmGroupEventUpdate,
  dismissGroupEventUpdate,
  groupEventReportInput,
  type CarriedState,
  type ClusterAlertEvent,
  type ClusterAlertView,
  type ClusterWatchInput,
  type ClusterWatchState,
  type ClusterWatchWorkflow,
  type ComplaintReported,
  type GroupEventDecision,
  type GroupEventReportRule,
  type ReportedComplaint,
} from './cluster-watch-contract.js';
import {
  REFUSAL,
  clusterFlaggedSignal,
  groupEventConfirmedSignal,
  type ClusterFlagged,
  type GroupEventConfirmed,
} from './contract.js';
import { clusterAlertId, groupEventReportId } from './ids.js';
import { ROLES, SYSTEM_ACTOR, type Actor } from './model.js';
import type { RegulatoryReportWorkflow } from './regulatory-report-contract.js';

const DAY = 24 * 60 * 60 * 1000;

/**
 * Starts the group-event reports (12-hour notice, 7-day investigation) as abandoned children, so
 * they outlive this run (continue-as-new) and run their own clocks. Workflow code only.
 */
export async function startGroupEventReports(
  alert: Pick<ClusterAlertView, 'id' | 'flaggedAt'>,
  actor: Actor,
  reason: string,
): Promise<Array<{ ruleId: GroupEventReportRule; workflowId: string; started: boolean }>> {
  const started: Array<{ ruleId: GroupEventReportRule; workflowId: string; started: boolean }> = [];
  for (const ruleId of GROUP_EVENT_REPORT_RULES) {
    const workflowId = groupEventReportId(alert.id, ruleId);
    try {
      await startChild<RegulatoryReportWorkflow>('regulatoryReport', {
        workflowId,
        args: [groupEventReportInput(alert, ruleId, actor, reason)],
        parentClosePolicy: 'ABANDON',
      });
      started.push({ ruleId, workflowId, started: true });
    } catch (err) {
      // Already running (started before a reset): the report is on its way; nothing to add.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      started.push({ ruleId, workflowId, started: false });
    }
  }
  return started;
}

// ---- The workflow --------------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEFAULT_SETTINGS = { windowDays: 30, threshold: 3 };
const DEFAULT_MAX_REPORTS_PER_RUN = 500;
const MAX_HISTORY_EVENTS = 10_000;

export async function clusterWatch(input: ClusterWatchInput): Promise<void> {
  // Database writes retry until the database is back: an alert must never be dropped.
  const { loadClusterAlerts, recordClusterAlert } = proxyActivities<ClusterActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
  });

  const watchId = workflowInfo().workflowId;
  const carried = input.carried;
  const state: CarriedState = carried
    ? clone(carried)
    : {
        entries: [],
        alerts: [],
        nextAlertSeq: 1,
        settings: { ...DEFAULT_SETTINGS },
        watermark: 0,
        latestReceivedAt: 0,
        reportsReceived: 0,
        reportsCounted: 0,
      };
  const maxReports = input.maxReportsPerRun ?? DEFAULT_MAX_REPORTS_PER_RUN;
  const inbox: ComplaintReported[] = [];
  let reportsThisRun = 0;
  let seeded = carried !== undefined;
  let busy = false;
  const outbox = new Map<string, ClusterAlertEvent[]>();

  const now = () => Date.now();

  /** One piece of work at a time: reports, QA's decisions and their side effects never interleave. */
  async function exclusively<T>(fn: () => Promise<T>): Promise<T> {
    await condition(() => !busy);
    busy = true;
    try {
      return await fn();
    } finally {
      busy = false;
    }
  }

  function refuse(type: string, message: string): never {
    throw ApplicationFailure.create({ type, message, nonRetryable: true });
  }

  function emit(alert: ClusterAlertView, actor: Actor, action: string, data: Record<string, unknown> = {}): void {
    const event: ClusterAlertEvent = { seq: alert.lastSeq + 1, at: now(), actor, action, data };
    alert.lastSeq = event.seq;
    const pending = outbox.get(alert.id) ?? [];
    pending.push(event);
    outbox.set(alert.id, pending);
  }

  async function persist(alert: ClusterAlertView): Promise<void> {
    const events = outbox.get(alert.id) ?? [];
    outbox.delete(alert.id);
    await recordClusterAlert({ alert, events });
  }

  function alertOf(complaintId: string): ClusterAlertView | undefined {
    return state.alerts.find((a) => a.members.some((m) => m.complaintId === complaintId));
  }

  // ---- Counting ----------------------------------------------------------------------------
  /** Takes one report in; answers whether anything changed. Repeats change nothing. */
  function take(report: ComplaintReported): boolean {
    if (!report || typeof report.complaintId !== 'string' || !UUID.test(report.complaintId)) return false;
    if (typeof report.receivedAt !== 'number' || !Number.isFinite(report.receivedAt)) return false;
    if (Number.isInteger(report.windowDays) && report.windowDays > 0 && Number.isInteger(report.threshold) && report.threshold > 1) {
      state.settings = { windowDays: report.windowDays, threshold: report.threshold };
    }
    const id = report.complaintId.toLowerCase();
    if (alertOf(id)) return false; // already a member: counted
    const known = state.entries.find((e) => e.complaintId === id);
    if (known) {
      // The same complaint again: only harm newly found (e.g. on re-assessment) changes anything.
      if (known.patientHarmed || !report.patientHarmed) return false;
      known.patientHarmed = true;
      return true;
    }
    if (report.receivedAt < state.watermark) return false; // pruned long ago: a repeat
    state.entries.push({
      complaintId: id,
      number: typeof report.number === 'string' ? report.number : '',
      receivedAt: report.receivedAt,
      patientHarmed: report.patientHarmed === true,
    });
    state.latestReceivedAt = Math.max(state.latestReceivedAt, report.receivedAt);
    state.reportsCounted++;
    return true;
  }

  const eligible = () =>
    state.entries.filter((e) => e.patientHarmed && !e.alertId).sort((a, b) => a.receivedAt - b.receivedAt || cmp(a.complaintId, b.complaintId));

  /** The live alert (open first, then confirmed) whose window covers this receipt. */
  function coveringAlert(receivedAt: number): ClusterAlertView | undefined {
    const covering = state.alerts.filter((a) => {
      if (a.status === 'dismissed') return false;
      const w = a.windowDays * DAY;
      return receivedAt >= a.firstReceivedAt - w && receivedAt <= a.lastReceivedAt + w;
    });
    return covering.find((a) => a.status === 'open') ?? covering[covering.length - 1];
  }

  interface Changes {
    raised: ClusterAlertView[];
    joined: Map<ClusterAlertView, ReportedComplaint[]>;
  }

  function addMember(alert: ClusterAlertView, entry: ReportedComplaint, at: number): void {
    entry.alertId = alert.id;
    alert.members.push({ complaintId: entry.complaintId, number: entry.number, receivedAt: entry.receivedAt, joinedAt: at });
    alert.firstReceivedAt = Math.min(alert.firstReceivedAt, entry.receivedAt);
    alert.lastReceivedAt = Math.max(alert.lastReceivedAt, entry.receivedAt);
  }

  /** Applies the rules until nothing more follows: joins to live alerts, then new alerts. */
  function evaluate(changes: Changes): void {
    const at = now();
    for (let progress = true; progress; ) {
      progress = false;
      for (const entry of eligible()) {
        const alert = coveringAlert(entry.receivedAt);
        if (!alert) continue;
        addMember(alert, entry, at);
        const list = changes.joined.get(alert) ?? [];
        list.push(entry);
        changes.joined.set(alert, list);
        progress = true;
      }
      if (progress) continue;
      const cluster = densestWindow(eligible(), state.settings.windowDays * DAY);
      if (cluster.length >= state.settings.threshold) {
        changes.raised.push(raise(cluster, at));
        progress = true;
      }
    }
  }

  function raise(cluster: ReportedComplaint[], at: number): ClusterAlertView {
    const seq = state.nextAlertSeq++;
    const alert: ClusterAlertView = {
      id: clusterAlertId(watchId, seq),
      seq,
      watchId,
      model: input.model,
      lot: input.lot,
      productName: input.productName,
      status: 'open',
      flaggedAt: at,
      windowDays: state.settings.windowDays,
      threshold: state.settings.threshold,
      members: [],
      firstReceivedAt: cluster[0].receivedAt,
      lastReceivedAt: cluster[cluster.length - 1].receivedAt,
      notified: [],
      skipped: [],
      lastSeq: 0,
    };
    for (const entry of cluster) addMember(alert, entry, at);
    state.alerts.push(alert);
    emit(alert, SYSTEM_ACTOR, 'alert.raised', {
      model: alert.model,
      lot: alert.lot,
      windowDays: alert.windowDays,
      threshold: alert.threshold,
      complaints: alert.members.map(memberFact),
      notify: ['qa', 'supervisor'],
    });
    return alert;
  }

  // ---- Telling the complaints ---------------------------------------------------------------
  /**
   * Signals each complaint's workflow (in parallel; per complaint in the given order). A workflow
   * that has completed (or never ran here) cannot be signalled: it is skipped, not retried.
   */
  async function tell(complaintIds: string[], signals: (id: string) => Array<() => Promise<void>>) {
    const outcomes = await Promise.all(
      complaintIds.map(async (id) => {
        try {
          for (const send of signals(id)) await send();
          return { id, ok: true };
        } catch {
          return { id, ok: false };
        }
      }),
    );
    return { told: outcomes.filter((o) => o.ok).map((o) => o.id), skipped: outcomes.filter((o) => !o.ok).map((o) => o.id) };
  }

  function flaggedPayload(alert: ClusterAlertView): ClusterFlagged {
    return {
      clusterAlertId: alert.id,
      model: alert.model,
      lot: alert.lot,
      complaintCount: alert.members.length,
      windowDays: alert.windowDays,
      flaggedAt: alert.flaggedAt,
    };
  }

  /** Day 0 is when the company became aware of the cluster: its flagging (`day0` for late joiners). */
  function confirmedPayload(alert: ClusterAlertView, day0 = alert.flaggedAt): GroupEventConfirmed {
    const c = alert.confirmed!;
    return { clusterAlertId: alert.id, confirmedAt: c.at, confirmedBy: c.by, day0 };
  }

  /**
   * Newly flagged members hear `clusterFlagged`. One joining an already confirmed group event also
   * hears `groupEventConfirmed`, its day 0 being its joining: the company could not know before.
   */
  async function flagMembers(alert: ClusterAlertView, complaintIds: string[]): Promise<void> {
    const flagged = flaggedPayload(alert);
    const { told, skipped } = await tell(complaintIds, (id) => {
      const handle = getExternalWorkflowHandle(id);
      const sends = [() => handle.signal(clusterFlaggedSignal, flagged)];
      if (alert.status === 'confirmed') {
        const joinedAt = alert.members.find((m) => m.complaintId === id)?.joinedAt ?? alert.flaggedAt;
        sends.push(() => handle.signal(groupEventConfirmedSignal, confirmedPayload(alert, Math.max(alert.flaggedAt, joinedAt))));
      }
      return sends;
    });
    alert.notified.push(...told);
    alert.skipped.push(...skipped);
    emit(alert, SYSTEM_ACTOR, 'members.flagged', {
      signal: alert.status === 'confirmed' ? ['clusterFlagged', 'groupEventConfirmed'] : ['clusterFlagged'],
      told,
      skipped,
      skippedBecause: skipped.length ? 'complaint workflow completed or not found' : undefined,
    });
  }

  async function processInbox(): Promise<void> {
    const changes: Changes = { raised: [], joined: new Map() };
    while (inbox.length > 0) {
      const report = inbox.shift()!;
      reportsThisRun++;
      state.reportsReceived++;
      if (take(report)) evaluate(changes);
    }
    for (const [alert, newcomers] of changes.joined) {
      emit(alert, SYSTEM_ACTOR, 'members.joined', {
        complaints: newcomers.map(memberFact),
        complaintCount: alert.members.length,
      });
    }
    // Written first, then told: a complaint never hears of an alert that is not on file.
    const affected = [...new Set([...changes.raised, ...changes.joined.keys()])];
    for (const alert of affected) await persist(alert);
    for (const alert of affected) {
      const ids = changes.raised.includes(alert)
        ? alert.members.map((m) => m.complaintId)
        : (changes.joined.get(alert) ?? []).map((e) => e.complaintId);
      await flagMembers(alert, ids);
      await persist(alert);
    }
  }

  // ---- QA's decisions --------------------------------------------------------------------------
  function checkDecision(args: GroupEventDecision, verb: string, afterSeed: boolean): ClusterAlertView | undefined {
    const actor = args?.actor;
    if (!actor || typeof actor.id !== 'string' || actor.id.trim() === '' || !ROLES.includes(actor.role)) {
      refuse(REFUSAL.invalid, 'actor must have an id and one of the roles ' + ROLES.join(', '));
    }
    if (actor.role !== 'qa') refuse(REFUSAL.forbidden, `only QA may ${verb} a group event`);
    if (typeof args.reason !== 'string' || args.reason.trim() === '') refuse(REFUSAL.invalid, 'reason is required');
    if (!afterSeed) return undefined; // the alerts are not loaded yet: the handler checks again
    const open = state.alerts.filter((a) => a.status === 'open');
    if (args.alertId !== undefined) {
      const alert = state.alerts.find((a) => a.id === args.alertId);
      if (!alert) refuse(REFUSAL.illegalTransition, `no alert ${args.alertId} is kept on this model and lot`);
      if (alert.status !== 'open') refuse(REFUSAL.illegalTransition, `the alert is ${alert.status} already`);
      return alert;
    }
    if (open.length === 0) refuse(REFUSAL.illegalTransition, 'there is no open alert on this model and lot');
    if (open.length > 1) refuse(REFUSAL.invalid, 'several alerts are open: name the alert (alertId)');
    return open[0];
  }

  function onDecision(
    update: typeof confirmGroupEventUpdate,
    verb: 'confirm' | 'dismiss',
    apply: (alert: ClusterAlertView, args: GroupEventDecision) => Promise<void>,
  ): void {
    setHandler(
      update,
      async (args) => {
        await condition(() => seeded);
        return exclusively(async () => {
          const alert = checkDecision(args, verb, true)!; // things may have moved since the validator ran
          await apply(alert, args);
          return clone(alert);
        });
      },
      { validator: (args) => void checkDecision(args, verb, seeded) },
    );
  }

  onDecision(confirmGroupEventUpdate, 'confirm', async (alert, args) => {
    const actor = { id: args.actor.id, role: args.actor.role };
    const reason = args.reason.trim();
    alert.status = 'confirmed';
    alert.confirmed = { by: actor, at: now(), reason };
    emit(alert, actor, 'alert.confirmed', { reason, day0: alert.flaggedAt });
    await persist(alert);
    const confirmed = confirmedPayload(alert);
    const { told, skipped } = await tell(
      alert.members.map((m) => m.complaintId),
      (id) => [() => getExternalWorkflowHandle(id).signal(groupEventConfirmedSignal, confirmed)],
    );
    const reports = await startGroupEventReports(alert, actor, reason);
    emit(alert, SYSTEM_ACTOR, 'group_event.reports_started', {
      signal: 'groupEventConfirmed',
      told,
      skipped,
      day0: alert.flaggedAt,
      reports,
    });
    await persist(alert);
  });

  onDecision(dismissGroupEventUpdate, 'dismiss', async (alert, args) => {
    const actor = { id: args.actor.id, role: args.actor.role };
    const reason = args.reason.trim();
    alert.status = 'dismissed';
    alert.dismissed = { by: actor, at: now(), reason };
    emit(alert, actor, 'alert.dismissed', { reason });
    await persist(alert);
  });

  setHandler(complaintReportedSignal, (report) => {
    inbox.push(report);
  });

  setHandler(clusterStateQuery, (): ClusterWatchState => ({
    ...clone(state),
    watchId,
    model: input.model,
    lot: input.lot,
    productName: input.productName,
    reportsThisRun,
  }));

  // ---- The watch ---------------------------------------------------------------------------------
  if (!seeded) {
    // A new chain (first report, or a watch restarted by ops): alerts already on file stay in force.
    const seed = await loadClusterAlerts({ watchId });
    state.nextAlertSeq = Math.max(state.nextAlertSeq, seed.maxSeq + 1);
    for (const alert of seed.alerts) {
      if (!state.alerts.some((a) => a.id === alert.id)) state.alerts.push(alert);
    }
    seeded = true;
  }

  const shouldContinueAsNew = () =>
    reportsThisRun >= maxReports || workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS;

  while (true) {
    await condition(() => (inbox.length > 0 && !busy) || (shouldContinueAsNew() && !busy));
    if (inbox.length > 0) {
      await exclusively(processInbox);
      continue;
    }
    // Let QA's decisions in flight finish, then hand on only what can still matter.
    await condition(() => !busy && allHandlersFinished());
    if (inbox.length > 0) continue;
    await continueAsNew<typeof clusterWatch>({ ...input, carried: carryOver() });
  }

  function carryOver(): CarriedState {
    const windowMs = state.settings.windowDays * DAY;
    const watermark = Math.max(state.watermark, state.latestReceivedAt - windowMs);
    const alerts = state.alerts.filter((a) => a.status === 'open' || a.lastReceivedAt + a.windowDays * DAY >= watermark);
    const kept = new Set(alerts.map((a) => a.id));
    return {
      ...state,
      watermark,
      alerts,
      // Members of alerts still kept are counted through their alert; the rest only if recent.
      entries: state.entries.filter((e) => (e.alertId ? kept.has(e.alertId) && e.receivedAt >= watermark : e.receivedAt >= watermark)),
    };
  }
}

/** The largest set of entries (sorted by receipt) within `windowMs` of each other; the earliest on ties. */
export function densestWindow<T extends { receivedAt: number }>(sorted: T[], windowMs: number): T[] {
  let best: [number, number] = [0, 0];
  for (let start = 0, end = 0; start < sorted.length; start++) {
    if (end < start) end = start;
    while (end + 1 < sorted.length && sorted[end + 1].receivedAt - sorted[start].receivedAt <= windowMs) end++;
    if (end - start + 1 > best[1] - best[0]) best = [start, end + 1];
  }
  return sorted.slice(best[0], best[1]);
}

function memberFact(m: { complaintId: string; number: string; receivedAt: number }) {
  return { complaintId: m.complaintId, number: m.number, receivedAt: m.receivedAt };
}

/** A deep copy (workflow state is plain JSON data). */
function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// The signature clients start it by (the contract's) is this workflow's.
clusterWatch satisfies ClusterWatchWorkflow;
