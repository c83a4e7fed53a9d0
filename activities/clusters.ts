/**
 * The cluster watch's side effects: reporting a complaint to the watch of its model and lot
 * (signal-with-start), loading the alerts already on file, and writing an alert with its events.
 * Every write is idempotent (the alert's deterministic ID, its events' sequence numbers and the
 * alert's last sequence are the keys), so a retried activity writes nothing twice.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'kysely';
import type { ClusterAlertsTable } from '../db/schema.js';
import type { Db } from '../db/connect.js';
import { appendToTrail } from '../db/trails.js';
import {
  complaintReportedSignal,
  type ClusterAlertEvent,
  type ClusterAlertView,
  type ClusterWatchInput,
  type ClusterWatchWorkflow,
  type ComplaintReported,
} from '../workflows/cluster-watch-contract.js';
import { clusterWatchId, normaliseLotKey } from '../workflows/ids.js';
import { TASK_QUEUE } from '../workflows/contract.js';
import type { ActivityDeps } from './index.js';

/** What the complaint workflow reports: the complaint as the watch hears of it, and which watch. */
export type ReportToClusterWatchInput = ComplaintReported & { model: string; lot: string; productName?: string };

export interface RecordClusterAlertInput {
  /** The alert as the workflow holds it now. */
  alert: ClusterAlertView;
  /** Its events not yet on file (in order). */
  events: ClusterAlertEvent[];
}

export interface LoadedClusterAlerts {
  /** Highest alert sequence number on file for this watch (0: none). */
  maxSeq: number;
  /** Alerts that still count: every open or confirmed one, and the recent dismissed ones. */
  alerts: ClusterAlertView[];
}

const at = (ms: number | undefined): Date | null => (ms === undefined ? null : new Date(ms));

/** Task queue of the running activity (its workflow's), or the default outside an activity. */
function currentTaskQueue(): string {
  try {
    return Context.current().info.taskQueue;
  } catch {
    return TASK_QUEUE;
  }
}

export function createClusterActivities({ db, temporal }: ActivityDeps) {
  return {
    /**
     * Tells the watch of the complaint's model and lot about it, starting the watch if it is not
     * running. Safe to repeat: the watch counts each complaint once. Complaints without a model or
     * a lot cannot form a cluster: nothing is sent.
     */
    async reportToClusterWatch(input: ReportToClusterWatchInput): Promise<{ watchId: string | null }> {
      if (!temporal) throw ApplicationFailure.nonRetryable('the cluster activities need a Temporal client', 'Misconfigured');
      if (!normaliseLotKey(input.model ?? '') || !normaliseLotKey(input.lot ?? '')) return { watchId: null };
      const watchId = clusterWatchId(input.model, input.lot);
      const report: ComplaintReported = {
        complaintId: input.complaintId,
        number: input.number,
        receivedAt: input.receivedAt,
        patientHarmed: input.patientHarmed,
        windowDays: input.windowDays,
        threshold: input.threshold,
      };
      const start: ClusterWatchInput = { model: input.model.trim(), lot: input.lot.trim(), productName: input.productName };
      await temporal.workflow.signalWithStart<ClusterWatchWorkflow, [ComplaintReported]>('clusterWatch', {
        workflowId: watchId,
        taskQueue: currentTaskQueue(),
        args: [start],
        signal: complaintReportedSignal,
        signalArgs: [report],
      });
      return { watchId };
    },

    /** The alerts on file for a watch, so a watch started afresh keeps them in force. */
    async loadClusterAlerts({ watchId }: { watchId: string }): Promise<LoadedClusterAlerts> {
      const max = await db
        .selectFrom('cluster_alerts')
        .select((eb) => eb.fn.max<number | null>('seq').as('max'))
        .where('watch_id', '=', watchId)
        .executeTakeFirst();
      const rows = await db
        .selectFrom('cluster_alerts')
        .selectAll()
        .where('watch_id', '=', watchId)
        .where((eb) =>
          eb.or([
            eb('status', 'in', ['open', 'confirmed']),
            // Dismissed: only while its members could still be counted again.
            eb('last_received_at', '>', sql<Date>`now() - make_interval(days => 2 * window_days)`),
          ]),
        )
        .orderBy('seq')
        .execute();
      const ids = [...new Set(rows.flatMap((r) => r.complaint_ids))];
      const complaints = ids.length
        ? await db.selectFrom('complaints').select(['id', 'number', 'received_at']).where('id', 'in', ids).execute()
        : [];
      const byId = new Map(complaints.map((c) => [c.id, c]));
      const decisions = await db
        .selectFrom('cluster_alert_events')
        .select(['alert_id', 'actor_id', 'actor_role', 'action', 'at', 'data'])
        .where('alert_id', 'in', rows.length ? rows.map((r) => r.id) : ['00000000-0000-0000-0000-000000000000'])
        .where('action', 'in', ['alert.confirmed', 'alert.dismissed'])
        .execute();
      return {
        maxSeq: Number(max?.max ?? 0),
        alerts: rows.map((r) => {
          const decision = (action: string) => {
            const e = decisions.find((d) => d.alert_id === r.id && d.action === action);
            return e
              ? { by: { id: e.actor_id, role: e.actor_role }, at: new Date(e.at).getTime(), reason: r.decision_reason ?? '' }
              : undefined;
          };
          return {
            id: r.id,
            seq: r.seq,
            watchId: r.watch_id,
            model: r.model,
            lot: r.lot,
            productName: r.product_name ?? undefined,
            status: r.status,
            flaggedAt: new Date(r.flagged_at).getTime(),
            windowDays: r.window_days,
            threshold: r.threshold,
            members: r.complaint_ids.map((id) => {
              const c = byId.get(id);
              return {
                complaintId: id,
                number: c?.number ?? '',
                receivedAt: c ? new Date(c.received_at).getTime() : new Date(r.first_received_at).getTime(),
                joinedAt: new Date(r.flagged_at).getTime(),
              };
            }),
            firstReceivedAt: new Date(r.first_received_at).getTime(),
            lastReceivedAt: new Date(r.last_received_at).getTime(),
            confirmed: r.status === 'confirmed' ? decision('alert.confirmed') : undefined,
            dismissed: r.status === 'dismissed' ? decision('alert.dismissed') : undefined,
            // On file means the members were told when it was raised or joined.
            notified: [...r.complaint_ids],
            skipped: [],
            lastSeq: r.last_seq,
          } satisfies ClusterAlertView;
        }),
      };
    },

    /** Files the alert (once), appends its events (each once) and brings its row up to the alert. */
    async recordClusterAlert({ alert: a, events }: RecordClusterAlertInput): Promise<void> {
      const decision = a.confirmed ?? a.dismissed;
      const row = {
        status: a.status,
        window_days: a.windowDays,
        threshold: a.threshold,
        complaint_ids: a.members.map((m) => m.complaintId),
        first_received_at: new Date(a.firstReceivedAt),
        last_received_at: new Date(a.lastReceivedAt),
        confirmed_at: at(a.confirmed?.at),
        confirmed_by: a.confirmed?.by.id ?? null,
        dismissed_at: at(a.dismissed?.at),
        dismissed_by: a.dismissed?.by.id ?? null,
        decision_reason: decision?.reason ?? null,
        last_seq: a.lastSeq,
      } satisfies Partial<Record<keyof ClusterAlertsTable, unknown>>;
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('cluster_alerts')
          .values({
            id: a.id,
            watch_id: a.watchId,
            seq: a.seq,
            model: a.model,
            lot: a.lot,
            product_name: a.productName ?? null,
            flagged_at: new Date(a.flaggedAt),
            ...row,
            last_seq: 0, // brought up to date below, with the events
          })
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
        await appendToTrail(trx, 'clusterAlert', a.id, events);
        // A retry of an older write must not roll the alert back.
        await trx
          .updateTable('cluster_alerts')
          .set({ ...row, updated_at: sql`now()` })
          .where('id', '=', a.id)
          .where('last_seq', '<', a.lastSeq)
          .execute();
      });
    },
  };
}

export type ClusterActivities = ReturnType<typeof createClusterActivities>;
