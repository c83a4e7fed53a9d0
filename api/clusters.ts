/**
 * /clusters: possible group (cluster) adverse events, for QA and supervisors. The list and the
 * alert come from PostgreSQL; QA's confirmation and dismissal are updates on the cluster watch of
 * the alert's model and lot, which accepts (the answer is the alert, already on file) or refuses
 * with a reason (409/403/422), changing nothing.
 */
import { WithStartWorkflowOperation } from '@temporalio/client';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import {
  confirmGroupEventUpdate,
  dismissGroupEventUpdate,
  type ClusterAlertView,
  type ClusterWatchInput,
  type ClusterWatchWorkflow,
} from '../workflows/cluster-watch-contract.js';
import { clusterWatchId, clusterWatchIdPart } from '../workflows/ids.js';
import type { ClusterAlertsTable } from '../db/schema.js';
import { sql, type Selectable } from 'kysely';
import { requireActor, type ActorEnv } from './actor.js';
import { pageOf } from './cursor.js';
import { NotConfirmedInTime, withinActionTimeout } from './deadline.js';
import type { ApiDeps } from './deps.js';
import { withIsoInstants } from './instants.js';
import { problem } from './problems.js';
import { toEventView } from './record.js';
import { UUID, parseBody, parseListQuery } from './request.js';
import { refusalResponse } from './temporal-errors.js';

const ALERT_STATUSES = ['open', 'confirmed', 'dismissed'] as const;

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);

export const clusterListQuerySchema = z.strictObject({
  status: z.enum(ALERT_STATUSES).optional(),
  model: text(100).optional(),
  lot: text(100).optional(),
  limit: z.coerce.number().int('must be a whole number').min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

export const groupEventDecisionSchema = z.strictObject({ reason: text(2000) });

type AlertRow = Selectable<ClusterAlertsTable>;
type Ctx = Context<ActorEnv>;

const iso = (value: Date | string | null) => (value === null ? undefined : new Date(value).toISOString());

function toAlert(row: AlertRow) {
  return {
    alertId: row.id,
    model: row.model,
    lot: row.lot,
    productName: row.product_name ?? undefined,
    status: row.status,
    flaggedAt: iso(row.flagged_at),
    windowDays: row.window_days,
    threshold: row.threshold,
    complaintCount: row.complaint_ids.length,
    complaintIds: row.complaint_ids,
    firstReceivedAt: iso(row.first_received_at),
    lastReceivedAt: iso(row.last_received_at),
    confirmedAt: iso(row.confirmed_at),
    confirmedBy: row.confirmed_by ?? undefined,
    dismissedAt: iso(row.dismissed_at),
    dismissedBy: row.dismissed_by ?? undefined,
    decisionReason: row.decision_reason ?? undefined,
    links: { self: `/clusters/${row.id}` },
  };
}

export function clusterRoutes(deps: ApiDeps) {
  const { db, temporal, taskQueue } = deps;
  const app = new Hono<ActorEnv>();
  app.use('*', requireActor);

  const notFound = (c: Ctx) => problem(c, 404, 'notFound', 'No such alert', 'no cluster alert with this id');

  // ---- Read ----------------------------------------------------------------------------------
  app.get('/', async (c) => {
    const list = parseListQuery(c, clusterListQuerySchema, UUID);
    if (!list.ok) return list.response;
    const { query: q, cursor } = list.value;
    let query = db.selectFrom('cluster_alerts').selectAll();
    if (q.status) query = query.where('status', '=', q.status);
    // Model and lot match as the watch ID does: trimmed, case-insensitive.
    if (q.model) query = query.where(sql<string>`split_part(watch_id, ':', 2)`, '=', clusterWatchIdPart(q.model));
    if (q.lot) query = query.where(sql<string>`split_part(watch_id, ':', 3)`, '=', clusterWatchIdPart(q.lot));
    if (cursor) {
      const at = new Date(cursor.at);
      query = query.where((eb) => eb.or([eb('flagged_at', '<', at), eb.and([eb('flagged_at', '=', at), eb('id', '<', cursor.id)])]));
    }
    const rows = await query.orderBy('flagged_at', 'desc').orderBy('id', 'desc').limit(q.limit + 1).execute();
    const { page, nextCursor } = pageOf(rows, q.limit, (last) => ({ at: new Date(last.flagged_at).toISOString(), id: last.id }));
    return c.json({ items: page.map(toAlert), nextCursor });
  });

  app.get('/:id', async (c) => {
    const id = c.req.param('id');
    if (!UUID.test(id)) return notFound(c);
    const row = await db.selectFrom('cluster_alerts').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return notFound(c);
    const [members, events, reports] = await Promise.all([
      row.complaint_ids.length
        ? db
            .selectFrom('complaints')
            .select(['id', 'number', 'stage', 'received_at', 'owner_id'])
            .where('id', 'in', row.complaint_ids)
            .orderBy('received_at')
            .execute()
        : Promise.resolve([]),
      db.selectFrom('cluster_alert_events').selectAll().where('alert_id', '=', id).orderBy('seq').execute(),
      db
        .selectFrom('regulatory_reports')
        .select(['report_id', 'rule_id', 'status', 'due_at', 'submitted_at'])
        .where('cluster_alert_id', '=', id)
        .orderBy('report_id')
        .execute(),
    ]);
    const byId = new Map(members.map((m) => [m.id, m]));
    return c.json({
      alert: toAlert(row),
      // Every member, in the order they joined; one not (or no longer) on file shows its ID only.
      complaints: row.complaint_ids.map((complaintId) => {
        const m = byId.get(complaintId);
        return m
          ? { complaintId, number: m.number, stage: m.stage, receivedAt: iso(m.received_at), ownerId: m.owner_id }
          : { complaintId };
      }),
      events: events.map(toEventView),
      reports: reports.map((r) => ({
        reportId: r.report_id,
        ruleId: r.rule_id,
        status: r.status,
        dueAt: iso(r.due_at),
        submittedAt: iso(r.submitted_at),
      })),
    });
  });

  // ---- QA's decision: confirm as a group adverse event, or dismiss ------------------------------
  const decisions = [
    ['confirmation', confirmGroupEventUpdate, 'confirm'],
    ['dismissal', dismissGroupEventUpdate, 'dismiss'],
  ] as const;
  for (const [path, update, verb] of decisions) {
    app.post(`/:id/${path}`, async (c) => {
      const id = c.req.param('id');
      if (!UUID.test(id)) return notFound(c);
      const actor = c.get('actor');
      const body = await parseBody(c, groupEventDecisionSchema);
      if (!body.ok) return body.response;
      const row = await db.selectFrom('cluster_alerts').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return notFound(c);
      // The watch checks both again; answering here spares it requests that cannot succeed.
      if (actor.role !== 'qa') return problem(c, 403, 'forbidden', 'Not allowed for your role', `only QA may ${verb} a group event`);
      if (row.status !== 'open') return problem(c, 409, 'illegalTransition', 'Not allowed now', `the alert is ${row.status} already`);
      const updateId = c.req.header('idempotency-key');
      const start: ClusterWatchInput = { model: row.model, lot: row.lot, productName: row.product_name ?? undefined };
      try {
        // With start: should the watch have been stopped by ops, a new one takes the alerts on file up.
        const alert = await withinActionTimeout(deps, () =>
          temporal.workflow.executeUpdateWithStart(update, {
            args: [{ actor, reason: body.value.reason, alertId: id }],
            ...(updateId ? { updateId } : {}),
            startWorkflowOperation: new WithStartWorkflowOperation<ClusterWatchWorkflow>('clusterWatch', {
              workflowId: clusterWatchId(row.model, row.lot),
              taskQueue,
              args: [start],
              workflowIdConflictPolicy: 'USE_EXISTING',
            }),
          }),
        );
        return c.json({ alert: withIsoInstants(toView(alert)) });
      } catch (err) {
        if (err instanceof NotConfirmedInTime) {
          return problem(c, 503, 'unavailable', 'Not confirmed in time', 'the cluster watch did not answer in time; the decision may still be applied. Retry with the same Idempotency-Key to apply it once.');
        }
        const refused = refusalResponse(c, unwrapUpdateFailure(err));
        if (refused) return refused;
        throw err;
      }
    });
  }

  return app;
}

/** The watch's answer without its bookkeeping. */
function toView(alert: ClusterAlertView) {
  const { lastSeq: _lastSeq, watchId: _watchId, id, ...rest } = alert;
  return { alertId: id, ...rest };
}

/** Update-with-start reports the update's refusal wrapped once more; refusalResponse reads the inner one. */
function unwrapUpdateFailure(err: unknown): unknown {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if (e instanceof Error && e.name === 'WorkflowUpdateFailedError') return e;
  }
  return err;
}
