/**
 * /clusters: possible group (cluster) adverse events, for QA and supervisors. The list and the
 * alert come from PostgreSQL; QA's confirmation and dismissal are updates on the cluster watch of
 * the alert's model and lot, which accepts (the answer is the alert, already on file) or refuses
 * with a reason (409/403/422), changing nothing.
 */
import { WithStartWorkflowOperation } from '@temporalio/client';
import { createRoute } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import {
  confirmGroupEventUpdate,
  dismissGroupEventUpdate,
  type ClusterAlertView,
  type ClusterWatchInput,
  type ClusterWatchWorkflow,
  CLUSTER_ALERT_STATUSES,
} from '../workflows/cluster-watch-contract.js';
import { clusterWatchId, clusterWatchIdPart } from '../workflows/ids.js';
import type { ClusterAlertsTable } from '../db/schema.js';
import { sql, type Selectable } from 'kysely';
import { requireActor } from './actor.js';
import { beyondPosition, pageOf } from './cursor.js';
import { NotConfirmedInTime, withinActionTimeout } from './deadline.js';
import type { ApiDeps } from './deps.js';
import { withIsoInstants } from './instants.js';
import { BODY_ERRORS, firstQueryValues, idempotencyHeader, jsonBody, jsonResponse, operation, pathParam, problems, readJson, routesApp } from './openapi-route.js';
import { problem } from './problems.js';
import { toEventView } from './record.js';
import { UUID, listCursor } from './request.js';
import { Responses } from './responses.js';
import { refusalResponse } from './temporal-errors.js';

const ALERT_STATUSES = CLUSTER_ALERT_STATUSES;

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

const notFound = (c: Parameters<typeof problem>[0]) => problem(c, 404, 'notFound', 'No such alert', 'no cluster alert with this id');
const alertIdParam = z.object({ id: pathParam('The alert ID (a UUID).', 'uuid') });

/** A path naming no alert answers 404 before the body is read. */
const alertIdChecked = createMiddleware(async (c, next) => {
  if (!UUID.test(c.req.param('id') ?? '')) return notFound(c);
  await next();
});

const listClusters = createRoute({
  method: 'get',
  path: '/',
  ...operation({ tag: 'clusters', summary: 'List possible group events', callers: 'any', operationId: 'listClusters', strictQuery: true }),
  middleware: [firstQueryValues] as const,
  request: { query: clusterListQuerySchema },
  responses: { 200: jsonResponse(Responses.ClusterList, 'A page of alerts, newest first.'), ...problems([400, 401, 503]) },
});

const readCluster = createRoute({
  method: 'get',
  path: '/{id}',
  ...operation({
    tag: 'clusters',
    summary: 'Read a possible group event',
    description: 'The alert, its member complaints, its trail and the regulatory reports it started.',
    callers: 'any',
    operationId: 'getCluster',
  }),
  request: { params: alertIdParam },
  responses: { 200: jsonResponse(Responses.ClusterDetail, 'The alert.'), ...problems([401, 404, 503]) },
});

const decisionBody = groupEventDecisionSchema.meta({ id: 'GroupEventDecisionRequest' });
const decisionRoute = (decision: 'confirmation' | 'dismissal') =>
  createRoute({
    method: 'post',
    path: `/{id}/${decision}`,
    ...operation({
      tag: 'clusters',
      summary: decision === 'confirmation' ? 'Confirm a group adverse event' : 'Dismiss a possible group event',
      description:
        (decision === 'confirmation'
          ? 'Starts the group-event clocks (12-hour notice, 7-day investigation report) and a 24-hour individual report for each member complaint.'
          : 'Records why it is not a group event.') + ' An `Idempotency-Key` makes a retry apply once.',
      callers: ['qa'],
      operationId: decision === 'confirmation' ? 'confirmCluster' : 'dismissCluster',
    }),
    // The role is checked once the alert is found (404 first), as the watch itself does.
    middleware: [alertIdChecked, readJson] as const,
    request: {
      params: alertIdParam,
      headers: idempotencyHeader,
      body: jsonBody(decisionBody, { reason: decision === 'confirmation' ? 'same fault on three pumps of one lot' : 'three unrelated faults' }),
    },
    responses: {
      200: jsonResponse(Responses.ClusterDecision, 'Decided: the alert.'),
      ...problems(BODY_ERRORS, { 409: 'The alert is confirmed or dismissed already.' }),
    },
  });

export function clusterRoutes(deps: ApiDeps) {
  const { db, temporal, taskQueue } = deps;
  const app = routesApp();
  app.use('*', requireActor);

  // ---- Read ----------------------------------------------------------------------------------
  app.openapi(listClusters, async (c) => {
    const q = c.req.valid('query');
    const position = listCursor(c, q.cursor, UUID);
    if (!position.ok) return position.response;
    const { cursor } = position;
    let query = db.selectFrom('cluster_alerts').selectAll();
    if (q.status) query = query.where('status', '=', q.status);
    // Model and lot match as the watch ID does: trimmed, case-insensitive.
    if (q.model) query = query.where(sql<string>`split_part(watch_id, ':', 2)`, '=', clusterWatchIdPart(q.model));
    if (q.lot) query = query.where(sql<string>`split_part(watch_id, ':', 3)`, '=', clusterWatchIdPart(q.lot));
    if (cursor) query = query.where(beyondPosition(['flagged_at', 'id'], [new Date(cursor.at), cursor.id], 'desc'));
    const rows = await query.orderBy('flagged_at', 'desc').orderBy('id', 'desc').limit(q.limit + 1).execute();
    const { page, nextCursor } = pageOf(rows, q.limit, (last) => ({ at: new Date(last.flagged_at).toISOString(), id: last.id }));
    return c.json({ items: page.map(toAlert), nextCursor }, 200);
  });

  app.openapi(readCluster, async (c) => {
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
    app.openapi(decisionRoute(path), async (c) => {
      const id = c.req.param('id');
      const actor = c.get('actor');
      const body = { value: c.req.valid('json') };
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
        return c.json({ alert: withIsoInstants(toView(alert)) }, 200);
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
