/**
 * The pieces of an audit export that need no database and no server: the canonical JSON and its
 * SHA-256 digest, and the clock evidence read out of a Temporal workflow history (timers, signals,
 * updates, activities, child workflows), each timer tied to the deadline it was set for.
 *
 * Payloads in the history (update and signal arguments) hold personal data; only the actor is ever
 * taken out of them, through the decoder the caller passes (the client's data converter).
 */
import { createHash } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { Actor } from '../workflows/model.js';

export type WorkflowHistory = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
export type HistoryEvent = NonNullable<WorkflowHistory['events']>[number];
type Payloads = NonNullable<NonNullable<HistoryEvent['workflowExecutionSignaledEventAttributes']>['input']>;

// ---- Canonical JSON and digest -----------------------------------------------------------------

/**
 * RFC 8785 (JSON Canonicalization Scheme) for JSON data: object keys sorted by UTF-16 code units,
 * no whitespace, numbers and strings as ECMAScript's JSON.stringify writes them. Properties whose
 * value is undefined are left out (as JSON.stringify does), so a value and its JSON round trip give
 * the same text.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return canonicalJson((value as { toJSON(): unknown }).toJSON());
  if (Array.isArray(value)) return '[' + value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',') + ']';
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return '{' + entries.map(([k, v]) => JSON.stringify(k) + ':' + canonicalJson(v)).join(',') + '}';
}

export const DIGEST_FIELDS_EXCLUDED = ['generatedAt', 'generatedBy', 'digest'] as const;

export interface ExportDigest {
  algorithm: 'SHA-256';
  canonicalization: 'RFC 8785 (JCS)';
  /** What the digest covers, in words, so a reader can recompute it. */
  covers: string;
  value: string;
}

/**
 * The digest of an export's content: every top-level field except when and by whom it was
 * generated (and the digest itself), so two exports of unchanged data, or a printed copy and a
 * later JSON export, carry the same digest.
 */
export function digestOf(body: Record<string, unknown>): ExportDigest {
  const content = Object.fromEntries(Object.entries(body).filter(([k]) => !(DIGEST_FIELDS_EXCLUDED as readonly string[]).includes(k)));
  return {
    algorithm: 'SHA-256',
    canonicalization: 'RFC 8785 (JCS)',
    covers: `every top-level field of the export except ${DIGEST_FIELDS_EXCLUDED.join(', ')}`,
    value: createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex'),
  };
}

// ---- Workflow history → clock evidence -----------------------------------------------------------

/** A deadline a timer may have been set for: a clock's due time or warning, a revisit, a follow-up. */
export interface Deadline {
  at: number;
  point: 'due' | 'warning' | 'revisit' | 'breachFollowUp';
  clockId?: string;
  reportId?: string;
  /** The trail event that names this deadline, if any (e.g. the breach recorded for it). */
  seq?: number;
  action?: string;
}

export interface TimerEvidence {
  timerId: string;
  startedEventId: number;
  /** When the server recorded the TimerStarted event. */
  startedAt: string;
  /**
   * The workflow's own clock when it set the timer (Date.now() inside the workflow): the start of
   * the workflow task that issued it. The workflow computes its deadlines on this clock.
   */
  workflowTime?: string;
  durationMs: number;
  /** workflowTime + duration: the instant the timer was set to fire, to the millisecond. */
  firesAt: string;
  status: 'fired' | 'canceled' | 'pending';
  firedAt?: string;
  firedEventId?: number;
  canceledAt?: string;
  canceledEventId?: number;
  /** The deadlines (clocks, trail events) due exactly at firesAt. */
  explains: Array<Omit<Deadline, 'at'>>;
}

export interface SignalEvidence {
  eventId: number;
  name: string;
  at: string;
  actor?: Actor;
}

export interface UpdateEvidence {
  updateId: string;
  name: string;
  acceptedEventId: number;
  /** When the server recorded the acceptance (at the end of the workflow task that accepted it). */
  acceptedAt: string;
  /**
   * The workflow's own clock in the task that accepted the update (its Date.now()): the time the
   * workflow gives the trail entries the update writes.
   */
  workflowTime?: string;
  completedEventId?: number;
  completedAt?: string;
  outcome: 'completed' | 'failed' | 'pending';
  /** The failure's type (e.g. IllegalTransition), never its message. */
  failureType?: string;
  actor?: Actor;
}

export interface ActivityEvidence {
  activityId: string;
  type: string;
  /** Run by the worker inside a workflow task (recorded as a marker), not dispatched through a task queue. */
  local?: boolean;
  scheduledEventId: number;
  scheduledAt: string;
  startedAt?: string;
  attempt?: number;
  closedAt?: string;
  outcome: 'completed' | 'failed' | 'timedOut' | 'canceled' | 'pending';
}

export interface ChildWorkflowEvidence {
  workflowId: string;
  workflowType: string;
  initiatedEventId: number;
  initiatedAt: string;
  startedAt?: string;
  closedAt?: string;
  outcome: 'initiated' | 'startFailed' | 'running' | 'completed' | 'failed' | 'canceled' | 'timedOut' | 'terminated';
}

export type WorkflowEvidence =
  | {
      workflowId: string;
      historyAvailable: true;
      workflowType?: string;
      runId?: string;
      taskQueue?: string;
      startedAt?: string;
      closed?: { at: string; status: 'completed' | 'failed' | 'canceled' | 'terminated' | 'timedOut' | 'continuedAsNew' };
      historyLength: number;
      timers: TimerEvidence[];
      signals: SignalEvidence[];
      updates: UpdateEvidence[];
      activities: ActivityEvidence[];
      childWorkflows: ChildWorkflowEvidence[];
    }
  | { workflowId: string; historyAvailable: false; reason: string };

/** Decodes one payload with the client's data converter (codecs, then the payload converter). */
export type DecodePayload = (payloads: Payloads | null | undefined) => Promise<unknown>;

type LongLike = number | { toNumber(): number } | string | null | undefined;

export function toNumber(value: LongLike): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  return value.toNumber();
}

/** Protobuf Timestamp or Duration → milliseconds (as the SDK does: whole milliseconds, rounded down). */
export function protoMs(value: { seconds?: LongLike; nanos?: number | null } | null | undefined): number | undefined {
  if (!value) return undefined;
  return toNumber(value.seconds) * 1000 + Math.floor((value.nanos ?? 0) / 1_000_000);
}

const iso = (ms: number) => new Date(ms).toISOString();

function actorOf(value: unknown): Actor | undefined {
  const candidate = (value as { actor?: unknown } | null)?.actor;
  if (!candidate || typeof candidate !== 'object') return undefined;
  const { id, role } = candidate as Record<string, unknown>;
  return typeof id === 'string' && typeof role === 'string' ? ({ id, role } as Actor) : undefined;
}

async function decodedActor(decode: DecodePayload | undefined, payloads: Payloads | null | undefined): Promise<Actor | undefined> {
  if (!decode || !payloads?.payloads?.length) return undefined;
  try {
    return actorOf(await decode(payloads));
  } catch {
    return undefined; // a payload this converter cannot read: the name and time still stand
  }
}

/**
 * Reads a workflow history into clock evidence. `deadlines` are matched against each timer's
 * firesAt, so the export shows which clock (and which recorded breach) a timer was set for.
 */
export async function summarizeHistory(
  workflowId: string,
  history: WorkflowHistory,
  options: { decode?: DecodePayload; deadlines?: Deadline[] } = {},
): Promise<WorkflowEvidence> {
  const events = history.events ?? [];
  const byId = new Map<number, HistoryEvent>();
  for (const e of events) byId.set(toNumber(e.eventId), e);
  const at = (e: HistoryEvent | undefined) => (e ? protoMs(e.eventTime) ?? 0 : 0);

  /** The workflow's clock for a command: the start of the workflow task whose completion issued it. */
  const workflowTimeOf = (completedEventId: LongLike): number | undefined => {
    const completed = byId.get(toNumber(completedEventId))?.workflowTaskCompletedEventAttributes;
    const started = completed ? byId.get(toNumber(completed.startedEventId)) : undefined;
    return started?.workflowTaskStartedEventAttributes ? at(started) : undefined;
  };

  /** The workflow time of the last completed workflow task: messages it answered are written after it. */
  let lastTaskTime: number | undefined;
  /** The workflow's time after the last local activity of the task whose commands are being read. */
  let localActivityTime: number | undefined;
  const deadlines = options.deadlines ?? [];
  const summary: Extract<WorkflowEvidence, { historyAvailable: true }> = {
    workflowId,
    historyAvailable: true,
    historyLength: events.length,
    timers: [],
    signals: [],
    updates: [],
    activities: [],
    childWorkflows: [],
  };
  const timers = new Map<string, TimerEvidence>();
  const updates = new Map<string, UpdateEvidence>();
  const activities = new Map<number, ActivityEvidence>();
  const children = new Map<number, ChildWorkflowEvidence>();
  const child = (initiatedEventId: LongLike) => children.get(toNumber(initiatedEventId));

  for (const e of events) {
    const eventId = toNumber(e.eventId);
    const time = at(e);
    if (e.workflowTaskCompletedEventAttributes) {
      lastTaskTime = workflowTimeOf(eventId);
      localActivityTime = undefined;
    } else if (e.workflowExecutionStartedEventAttributes) {
      const a = e.workflowExecutionStartedEventAttributes;
      summary.workflowType = a.workflowType?.name ?? undefined;
      summary.runId = a.firstExecutionRunId || a.originalExecutionRunId || undefined;
      summary.taskQueue = a.taskQueue?.name ?? undefined;
      summary.startedAt = iso(time);
    } else if (e.timerStartedEventAttributes) {
      const a = e.timerStartedEventAttributes;
      const durationMs = protoMs(a.startToFireTimeout) ?? 0;
      // After a local activity in the same task, the workflow's clock had moved on to its completion.
      const workflowTime = localActivityTime ?? workflowTimeOf(a.workflowTaskCompletedEventId);
      const firesAt = (workflowTime ?? time) + durationMs;
      const timer: TimerEvidence = {
        timerId: a.timerId ?? '',
        startedEventId: eventId,
        startedAt: iso(time),
        workflowTime: workflowTime === undefined ? undefined : iso(workflowTime),
        durationMs,
        firesAt: iso(firesAt),
        status: 'pending',
        explains: explainedBy(deadlines, firesAt),
      };
      timers.set(timer.timerId, timer);
      summary.timers.push(timer);
    } else if (e.timerFiredEventAttributes) {
      const timer = timers.get(e.timerFiredEventAttributes.timerId ?? '');
      if (timer) Object.assign(timer, { status: 'fired', firedAt: iso(time), firedEventId: eventId });
    } else if (e.timerCanceledEventAttributes) {
      const timer = timers.get(e.timerCanceledEventAttributes.timerId ?? '');
      if (timer) Object.assign(timer, { status: 'canceled', canceledAt: iso(time), canceledEventId: eventId });
    } else if (e.workflowExecutionSignaledEventAttributes) {
      const a = e.workflowExecutionSignaledEventAttributes;
      summary.signals.push({ eventId, name: a.signalName ?? '', at: iso(time), actor: await decodedActor(options.decode, a.input) });
    } else if (e.workflowExecutionUpdateAcceptedEventAttributes) {
      const a = e.workflowExecutionUpdateAcceptedEventAttributes;
      const request = a.acceptedRequest;
      const update: UpdateEvidence = {
        updateId: request?.meta?.updateId ?? a.protocolInstanceId ?? '',
        name: request?.input?.name ?? '',
        acceptedEventId: eventId,
        acceptedAt: iso(time),
        workflowTime: lastTaskTime === undefined ? undefined : iso(lastTaskTime),
        outcome: 'pending',
        actor: await decodedActor(options.decode, request?.input?.args),
      };
      updates.set(update.updateId, update);
      summary.updates.push(update);
    } else if (e.workflowExecutionUpdateCompletedEventAttributes) {
      const a = e.workflowExecutionUpdateCompletedEventAttributes;
      const update = updates.get(a.meta?.updateId ?? '');
      if (update) {
        const failure = a.outcome?.failure;
        Object.assign(update, {
          completedEventId: eventId,
          completedAt: iso(time),
          outcome: failure ? 'failed' : 'completed',
          failureType: failure ? failure.applicationFailureInfo?.type || 'failure' : undefined,
        });
      }
    } else if (e.activityTaskScheduledEventAttributes) {
      const a = e.activityTaskScheduledEventAttributes;
      const activity: ActivityEvidence = {
        activityId: a.activityId ?? '',
        type: a.activityType?.name ?? '',
        scheduledEventId: eventId,
        scheduledAt: iso(time),
        outcome: 'pending',
      };
      activities.set(eventId, activity);
      summary.activities.push(activity);
    } else if (e.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER) {
      // A local activity (the complaint file's reads and writes) leaves one marker when it is done,
      // in the workflow task that ran it.
      // Its completion moves the workflow's clock on: what the workflow does next in the same task
      // (e.g. set a timer for a clock) happens at that time.
      const a = e.markerRecordedEventAttributes;
      const meta = localActivityMeta(a.details?.data?.payloads?.[0]?.data);
      const scheduledAt = localActivityTime ?? lastTaskTime ?? time;
      localActivityTime = meta.completedAt ?? localActivityTime;
      lastTaskTime = localActivityTime ?? lastTaskTime;
      summary.activities.push({
        activityId: meta.activityId,
        type: meta.type,
        local: true,
        scheduledEventId: eventId,
        scheduledAt: iso(scheduledAt),
        attempt: meta.attempt,
        closedAt: iso(localActivityTime ?? time),
        outcome: a.failure ? 'failed' : 'completed',
      });
    } else if (e.activityTaskStartedEventAttributes) {
      const a = e.activityTaskStartedEventAttributes;
      const activity = activities.get(toNumber(a.scheduledEventId));
      if (activity) Object.assign(activity, { startedAt: iso(time), attempt: a.attempt ?? undefined });
    } else if (e.activityTaskCompletedEventAttributes) {
      closeActivity(activities, e.activityTaskCompletedEventAttributes.scheduledEventId, time, 'completed');
    } else if (e.activityTaskFailedEventAttributes) {
      closeActivity(activities, e.activityTaskFailedEventAttributes.scheduledEventId, time, 'failed');
    } else if (e.activityTaskTimedOutEventAttributes) {
      closeActivity(activities, e.activityTaskTimedOutEventAttributes.scheduledEventId, time, 'timedOut');
    } else if (e.activityTaskCanceledEventAttributes) {
      closeActivity(activities, e.activityTaskCanceledEventAttributes.scheduledEventId, time, 'canceled');
    } else if (e.startChildWorkflowExecutionInitiatedEventAttributes) {
      const a = e.startChildWorkflowExecutionInitiatedEventAttributes;
      const c: ChildWorkflowEvidence = {
        workflowId: a.workflowId ?? '',
        workflowType: a.workflowType?.name ?? '',
        initiatedEventId: eventId,
        initiatedAt: iso(time),
        outcome: 'initiated',
      };
      children.set(eventId, c);
      summary.childWorkflows.push(c);
    } else if (e.startChildWorkflowExecutionFailedEventAttributes) {
      const c = child(e.startChildWorkflowExecutionFailedEventAttributes.initiatedEventId);
      if (c) Object.assign(c, { closedAt: iso(time), outcome: 'startFailed' });
    } else if (e.childWorkflowExecutionStartedEventAttributes) {
      const c = child(e.childWorkflowExecutionStartedEventAttributes.initiatedEventId);
      if (c) Object.assign(c, { startedAt: iso(time), outcome: 'running' });
    } else if (e.childWorkflowExecutionCompletedEventAttributes) {
      closeChild(child(e.childWorkflowExecutionCompletedEventAttributes.initiatedEventId), time, 'completed');
    } else if (e.childWorkflowExecutionFailedEventAttributes) {
      closeChild(child(e.childWorkflowExecutionFailedEventAttributes.initiatedEventId), time, 'failed');
    } else if (e.childWorkflowExecutionCanceledEventAttributes) {
      closeChild(child(e.childWorkflowExecutionCanceledEventAttributes.initiatedEventId), time, 'canceled');
    } else if (e.childWorkflowExecutionTimedOutEventAttributes) {
      closeChild(child(e.childWorkflowExecutionTimedOutEventAttributes.initiatedEventId), time, 'timedOut');
    } else if (e.childWorkflowExecutionTerminatedEventAttributes) {
      closeChild(child(e.childWorkflowExecutionTerminatedEventAttributes.initiatedEventId), time, 'terminated');
    } else if (e.workflowExecutionCompletedEventAttributes) {
      summary.closed = { at: iso(time), status: 'completed' };
    } else if (e.workflowExecutionFailedEventAttributes) {
      summary.closed = { at: iso(time), status: 'failed' };
    } else if (e.workflowExecutionCanceledEventAttributes) {
      summary.closed = { at: iso(time), status: 'canceled' };
    } else if (e.workflowExecutionTerminatedEventAttributes) {
      summary.closed = { at: iso(time), status: 'terminated' };
    } else if (e.workflowExecutionTimedOutEventAttributes) {
      summary.closed = { at: iso(time), status: 'timedOut' };
    } else if (e.workflowExecutionContinuedAsNewEventAttributes) {
      summary.closed = { at: iso(time), status: 'continuedAsNew' };
    }
  }
  return summary;
}

/** The SDK core's marker for a completed local activity. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/**
 * The core's bookkeeping in a local-activity marker (plain JSON: type, id, attempt, times; the
 * activity's input is not in the history and its result is a separate, encrypted payload).
 */
function localActivityMeta(data: Uint8Array | null | undefined): { activityId: string; type: string; attempt?: number; completedAt?: number } {
  let raw: Record<string, unknown> = {};
  try {
    raw = JSON.parse(Buffer.from(data ?? []).toString('utf8')) as Record<string, unknown>;
  } catch {
    // Unreadable bookkeeping: the marker still counts, without its details.
  }
  return {
    activityId: String(raw.activity_id ?? raw.activityId ?? ''),
    type: String(raw.activity_type ?? raw.activityType ?? ''),
    attempt: typeof raw.attempt === 'number' ? raw.attempt : undefined,
    // The workflow's time when it completed (the core's clock for the task), not the worker's wall clock.
    completedAt: protoMs((raw.complete_time ?? raw.completeTime) as Parameters<typeof protoMs>[0]),
  };
}

function closeActivity(activities: Map<number, ActivityEvidence>, scheduledEventId: LongLike, time: number, outcome: ActivityEvidence['outcome']) {
  const activity = activities.get(toNumber(scheduledEventId));
  if (activity) Object.assign(activity, { closedAt: iso(time), outcome });
}

function closeChild(c: ChildWorkflowEvidence | undefined, time: number, outcome: ChildWorkflowEvidence['outcome']) {
  if (c) Object.assign(c, { closedAt: iso(time), outcome });
}

function explainedBy(deadlines: Deadline[], firesAt: number): TimerEvidence['explains'] {
  const seen = new Set<string>();
  const out: TimerEvidence['explains'] = [];
  for (const { at, ...rest } of deadlines) {
    if (at !== firesAt) continue;
    const key = JSON.stringify([rest.point, rest.clockId, rest.reportId, rest.seq]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(rest);
  }
  return out;
}

// ---- Deadlines of a complaint, from its stored clocks and its trail -------------------------------

const instant = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
};

/**
 * Every instant the complaint's workflow may have set a timer for: the stored clocks' due times and
 * next warnings, and the due times named on the trail (clock started, recomputed, resumed, breached,
 * a breach's follow-up, the revisit). Trail entries carry their sequence number.
 */
export function complaintDeadlines(
  clocks: Array<{ clock_id: string; due_at: Date | string; warn_at: Date | string }>,
  events: Array<{ seq: number; action: string; data: Record<string, unknown> }>,
): Deadline[] {
  const out: Deadline[] = [];
  const push = (at: unknown, d: Omit<Deadline, 'at'>) => {
    const ms = instant(at);
    if (ms !== undefined) out.push({ at: ms, ...d });
  };
  for (const clock of clocks) {
    push(clock.due_at, { point: 'due', clockId: clock.clock_id });
    if (instant(clock.warn_at) !== instant(clock.due_at)) push(clock.warn_at, { point: 'warning', clockId: clock.clock_id });
  }
  for (const { seq, action, data } of events) {
    const clockId = typeof data.clockId === 'string' ? data.clockId : undefined;
    switch (action) {
      case 'clock.started':
      case 'clock.breached':
        push(data.dueAt, { point: 'due', clockId, seq, action });
        if (action === 'clock.breached') push(data.unansweredEscalatesAt, { point: 'breachFollowUp', clockId, seq, action });
        break;
      case 'clocks.recomputed':
      case 'clocks.resumed':
      case 'customer.responded':
        for (const change of (Array.isArray(data.changed) ? data.changed : Array.isArray(data.resumedClocks) ? data.resumedClocks : []) as Array<Record<string, unknown>>) {
          push(change.to ?? change.dueAt, { point: 'due', clockId: typeof change.clockId === 'string' ? change.clockId : undefined, seq, action });
        }
        break;
      case 'stage.changed':
        push(data.revisitDueAt, { point: 'revisit', seq, action });
        break;
      case 'revisit.due':
        push(data.dueAt, { point: 'revisit', seq, action });
        break;
    }
  }
  return out;
}

/** The deadlines of a regulatory report workflow: its due time, and the trail entries naming it. */
export function reportDeadlines(reportId: string, dueAt: Date | string | null, events: unknown[]): Deadline[] {
  const out: Deadline[] = [];
  const due = instant(dueAt);
  if (due !== undefined) out.push({ at: due, point: 'due', reportId });
  for (const event of events as Array<{ seq?: number; action?: string; data?: Record<string, unknown> }>) {
    const at = instant(event?.data?.dueAt);
    if (at !== undefined && (event.action === 'started' || event.action === 'tightened' || event.action === 'breached')) {
      out.push({ at, point: 'due', reportId, seq: event.seq, action: event.action });
    }
  }
  return out;
}
