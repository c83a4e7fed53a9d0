/**
 * /complaints: file a complaint, read it, list them, and its trail. The stage actions on it are in
 * complaint-actions.ts, the audit export in audit-export.ts.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { createMiddleware } from 'hono/factory';
import { type ComplaintInput, type ComplaintWorkflow, type FiledReceipt, type ComplaintView, filedUpdate, stateQuery } from '../workflows/contract.js';
import { rolesFor } from '../workflows/actions.js';
import type { IntakeRecord } from '../workflows/model.js';
import { uuidFromDigest } from '../workflows/ids.js';
import { allow, requireActor } from './actor.js';
import type { ApiDeps } from './deps.js';
import { NotConfirmedInTime, withinActionTimeout } from './deadline.js';
import { problem } from './problems.js';
import { UUID, listCursor } from './request.js';
import { withIsoInstants } from './instants.js';
import { holdsForLot } from './product-holds.js';
import { toEventView, toRecord, toSummary } from './record.js';
import { createComplaintSchema, listQuerySchema, type CreateComplaintBody } from './schemas.js';
import { beyondPosition, pageOf } from './cursor.js';
import { fileIntakeCard } from '../db/intake-card.js';
import { loadPolicy } from '../db/reference-data.js';
import { complaintIdParam, firstQueryValues, idempotencyHeader, jsonBody, jsonResponse, operation, problems, readJson, routesApp } from './openapi-route.js';
import { Responses } from './responses.js';
import { addComplaintActionRoutes } from './complaint-actions.js';
import { LIVE_STATE_MISSING, liveStateOf } from './live-state.js';

export { liveStateOf } from './live-state.js';

/** Instants travel as ISO strings in JSON and as epoch milliseconds inside the workflow. */
const toMs = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));


/** A stable complaint ID from an Idempotency-Key: the same key always names the same complaint. */
export function complaintIdFromKey(key: string): string {
  return uuidFromDigest(createHash('sha256').update('complaint-idempotency:' + key).digest('hex'));
}

/** What makes a filing the same filing: its body, canonically serialised, hashed. */
export function fingerprintOf(body: CreateComplaintBody): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return '{' + entries.map(([k, v]) => JSON.stringify(k) + ':' + canonicalJson(v)).join(',') + '}';
  }
  return JSON.stringify(value);
}

/** A body that files a complaint: the API reference's example, and the tests'. */
export const FILING_EXAMPLE = {
  channel: 'phone',
  complainant: { name: 'Zhang Wei', role: 'clinician', organisation: 'Riverside General Hospital', phone: '+86 139 1234 5678' },
  device: { productName: 'Volumetric infusion pump', model: 'VIP-200', lot: 'L2026-0917', serialNumber: 'SN-000917-44', manufacturer: 'Acme Medical' },
  event: { description: 'Pump stopped mid-infusion with a false occlusion alarm', country: 'CN', patientHarmed: false, inUseOnPatient: true },
  requestedRemedies: ['repair'],
  sampleAvailable: true,
};

const createComplaintBody = createComplaintSchema.meta({ id: 'FileComplaintRequest' });

/** Idempotency-Key on filing: 1 to 200 characters, checked before the body is read. */
const filingKeyChecked = createMiddleware(async (c, next) => {
  const key = c.req.header('idempotency-key');
  if (key !== undefined && (key.length < 1 || key.length > 200)) {
    return problem(c, 422, 'validation', 'Invalid request', 'Idempotency-Key must be 1 to 200 characters', [
      { pointer: '/header/idempotency-key', message: 'must be 1 to 200 characters' },
    ]);
  }
  await next();
});

const location = { Location: { description: "The complaint's URL.", schema: { type: 'string' as const } } };

const fileComplaint = createRoute({
  method: 'post',
  path: '/',
  ...operation({
    tag: 'complaints',
    summary: 'File a complaint',
    description:
      "Starts the complaint's workflow and writes its intake record. With an `Idempotency-Key`, a retry files it once: the same key with the same body answers 200 with the same complaint; with another body, 409.",
    callers: rolesFor('verifyComplainant'),
    operationId: 'fileComplaint',
  }),
  middleware: [allow(...rolesFor('verifyComplainant')), filingKeyChecked, readJson] as const,
  request: { headers: idempotencyHeader, body: jsonBody(createComplaintBody, FILING_EXAMPLE) },
  responses: {
    201: { ...jsonResponse(Responses.ComplaintFiled, 'Filed.'), headers: location },
    200: { ...jsonResponse(Responses.ComplaintFiled, 'Already filed with this Idempotency-Key and the same body: the same complaint.'), headers: location },
    ...problems([400, 401, 403, 409, 422, 503], {
      409: 'This Idempotency-Key was used for a different complaint.',
      503: 'Accepted by the workflow engine but not yet filed (the worker is down); `complaintId` names it. Retry with the same Idempotency-Key to get its number.',
    }),
  },
});

const listComplaints = createRoute({
  method: 'get',
  path: '/',
  ...operation({
    tag: 'complaints',
    summary: 'List complaints',
    description:
      'Newest first (or `sort=oldest`), with cursor paging. Filters are facts of the case, never personal data; list rows leave the complainant out. `receivedFrom` must not be after `receivedTo`.',
    callers: 'any',
    operationId: 'listComplaints',
    strictQuery: true,
  }),
  middleware: [firstQueryValues] as const,
  request: { query: listQuerySchema },
  responses: { 200: jsonResponse(Responses.ComplaintList, 'A page of complaints.'), ...problems([400, 401, 503]) },
});

const readComplaint = createRoute({
  method: 'get',
  path: '/{id}',
  ...operation({
    tag: 'complaints',
    summary: 'Read a complaint',
    description: 'The record and the live state (stage, owner, clocks with due times, what is awaited, history), and the product holds on its lot.',
    callers: 'any',
    operationId: 'getComplaint',
  }),
  request: { params: complaintIdParam },
  responses: { 200: jsonResponse(Responses.ComplaintDetail, 'The complaint.'), ...problems([401, 404, 503]) },
});

const complaintTrail = createRoute({
  method: 'get',
  path: '/{id}/events',
  ...operation({
    tag: 'audit',
    summary: "The complaint's audit trail",
    description: 'Every event on the complaint from PostgreSQL (append-only): sequence, time, actor, action, data.',
    callers: 'any',
    operationId: 'listComplaintEvents',
  }),
  request: { params: complaintIdParam },
  responses: { 200: jsonResponse(Responses.ComplaintEvents, 'The trail, oldest first.'), ...problems([401, 404, 503]) },
});

export function complaintRoutes(deps: ApiDeps) {
  const { db, temporal, taskQueue } = deps;
  const app = routesApp();
  app.use('*', requireActor);

  // ---- File a complaint ----------------------------------------------------------------------
  app.openapi(fileComplaint, async (c) => {
    const actor = c.get('actor');
    const key = c.req.header('idempotency-key');
    const b = c.req.valid('json');
    const now = Date.now();
    const receivedAt = toMs(b.receivedAt) ?? now;
    if (receivedAt > now + 60_000) {
      return problem(c, 422, 'validation', 'Invalid request', 'receivedAt is in the future', [
        { pointer: '/receivedAt', message: 'must not be in the future' },
      ]);
    }
    // The policy is resolved here (the default when none is named) and handed to the workflow, so the
    // record and the workflow's clocks name the same one. An unknown policy is refused before anything starts.
    const policy = await loadPolicy(db, b.policyId);
    if (!policy) {
      if (b.policyId === undefined) throw new Error('no default service-level policy on file (run the migrations)');
      return problem(c, 422, 'validation', 'Invalid request', `no service-level policy ${b.policyId}`, [
        { pointer: '/policyId', message: 'no such service-level policy' },
      ]);
    }
    const complaintId = key ? complaintIdFromKey(key) : randomUUID();
    const fingerprint = fingerprintOf(b);
    const intake: IntakeRecord = {
      channel: b.channel,
      complainant: b.complainant,
      device: b.device,
      event: b.event,
      requestedRemedies: b.requestedRemedies,
      mood: b.mood,
      sampleAvailable: b.sampleAvailable,
      distributorAwareAt: b.distributorAwareAt,
    };
    const input: ComplaintInput = {
      complaintId,
      intake,
      receivedAt,
      receivedBy: actor,
      fingerprint,
      requestId: randomUUID(),
      idempotencyKey: key,
      policyId: policy.id,
    };

    // 1. Start the complaint's workflow: from here on its life, clocks and record are Temporal's to keep.
    let started = true;
    try {
      await withinActionTimeout(deps, () => temporal.workflow.start<ComplaintWorkflow>('complaint', {
        workflowId: complaintId,
        taskQueue,
        args: [input],
        // The same key again, while the case runs or after it ended: never a second case.
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      }));
    } catch (err) {
      if (err instanceof NotConfirmedInTime) {
        return problem(c, 503, 'unavailable', 'Not confirmed in time',
          `the workflow engine did not confirm complaint ${complaintId} in time; it may have been accepted. Retry with the same Idempotency-Key: it is filed once.`,
          undefined, { complaintId });
      }
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      started = false;
    }

    // 2. This request started it: file the intake card now and answer with the number, without waiting
    // for the worker (the workflow files the same card in its first task, and finds it on file).
    if (started) {
      const { number } = await fileIntakeCard(db, { ...input, policyId: policy.id });
      return c.json(
        { complaintId, number, receivedAt: new Date(receivedAt).toISOString(), links: { self: `/complaints/${complaintId}` } },
        201,
        { location: `/complaints/${complaintId}` },
      );
    }

    // 3. The key was used before: the same complaint (200), or a different one (409).
    const receipt = await earlierFiling(complaintId);
    if (receipt === 'notConfirmed') {
      return problem(c, 503, 'unavailable', 'Not confirmed in time',
        `the complaint ${complaintId} was accepted but is not yet filed; it will be once the worker is back. Retry with the same Idempotency-Key to get its number.`,
        undefined, { complaintId });
    }
    // The key's workflow ended without filing a complaint (e.g. refused at start): the key is spent.
    if (receipt === 'neverFiled') return problem(c, 409, 'idempotencyConflict', 'Idempotency-Key already used', 'this Idempotency-Key was used for a request that filed no complaint; use a new key');
    if (receipt.fingerprint !== fingerprint) {
      return problem(c, 409, 'idempotencyConflict', 'Idempotency-Key already used', 'this Idempotency-Key was used for a different complaint; use a new key');
    }
    return c.json(
      { complaintId, number: receipt.number, receivedAt: new Date(receipt.receivedAt).toISOString(), links: { self: `/complaints/${complaintId}` } },
      200,
      { location: `/complaints/${complaintId}` },
    );
  });

  /**
   * What an earlier request with the same key filed: the card on file, or, when that request died
   * between starting the workflow and filing the card (or is still in flight), the workflow's own
   * filing, waited for within the action timeout.
   */
  async function earlierFiling(complaintId: string): Promise<Pick<FiledReceipt, 'number' | 'fingerprint' | 'receivedAt'> | 'notConfirmed' | 'neverFiled'> {
    const row = await db.selectFrom('complaints').select(['number', 'fingerprint', 'received_at']).where('id', '=', complaintId).executeTakeFirst();
    if (row) return { number: row.number, fingerprint: row.fingerprint, receivedAt: new Date(row.received_at).getTime() };
    try {
      return await withinActionTimeout(deps, () => temporal.workflow.getHandle(complaintId).executeUpdate(filedUpdate));
    } catch (err) {
      if (err instanceof NotConfirmedInTime) return 'notConfirmed';
      if (err instanceof WorkflowNotFoundError) return 'neverFiled'; // an update to a completed workflow finds none
      throw err;
    }
  }

  // ---- Read ----------------------------------------------------------------------------------
  /**
   * The columns a list row shows (toSummary in record.ts reads these and no others): a page fetches
   * only them, about half the work per page of parsing all 58 columns (see scripts/bench/search.ts).
   */
  type SummaryRow = Parameters<typeof toSummary>[0];
  const SUMMARY_COLUMNS = [
    'id', 'number', 'received_at', 'channel', 'device_name', 'device_model', 'device_lot', 'stage', 'category', 'severity',
    'priority', 'patient_safety', 'suspected_adverse_event', 'owner_id', 'department', 'reopen_count', 'sla_breached',
    'root_cause', 'investigation_waived_reason', 'remedy', 'satisfaction_score', 'marked_for_mediation',
    'marked_for_regulator', 'closed_at', 'withdrawn_reason', 'last_seq',
  ] as const satisfies ReadonlyArray<keyof SummaryRow>;

  app.openapi(listComplaints, async (c) => {
    const q = c.req.valid('query');
    const position = listCursor(c, q.cursor, UUID);
    if (!position.ok) return position.response;
    const { cursor } = position;
    let query = db.selectFrom('complaints').select(SUMMARY_COLUMNS);
    if (q.stage) query = query.where('stage', '=', q.stage);
    if (q.category) query = query.where('category', '=', q.category);
    if (q.severity) query = query.where('severity', '=', q.severity);
    if (q.model) query = query.where('device_model', '=', q.model);
    if (q.lot) query = query.where('device_lot', '=', q.lot);
    if (q.owner) query = query.where('owner_id', '=', q.owner);
    if (q.breached) query = query.where('sla_breached', '=', q.breached === 'true');
    if (q.reportable) query = query.where('marked_for_regulator', '=', q.reportable === 'true');
    if (q.receivedFrom) query = query.where('received_at', '>=', new Date(q.receivedFrom));
    if (q.receivedTo) query = query.where('received_at', '<=', new Date(q.receivedTo));
    // Keyset paging on (received_at, id), in the order asked for. As a row comparison the position is an
    // index condition (the scan starts at the cursor); spelt `a < x or (a = x and b < y)` it was a filter,
    // and page n read the n - 1 pages before it.
    const direction = q.sort === 'newest' ? 'desc' : 'asc';
    if (cursor) query = query.where(beyondPosition(['received_at', 'id'], [new Date(cursor.at), cursor.id], direction));
    const rows = await query.orderBy('received_at', direction).orderBy('id', direction).limit(q.limit + 1).execute();
    const { page, nextCursor } = pageOf(rows, q.limit, (last) => ({ at: new Date(last.received_at).toISOString(), id: last.id }));
    // The rows hold SUMMARY_COLUMNS, all that toSummary reads.
    return c.json({ items: page.map((row) => toSummary(row as SummaryRow)), nextCursor });
  });

  app.openapi(readComplaint, async (c) => {
    const id = c.req.param('id');
    if (!UUID.test(id)) return complaintNotFound(c);
    const row = await db.selectFrom('complaints').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return complaintNotFound(c);
    const [live, productHolds] = await Promise.all([
      liveState(id),
      row.device_model && row.device_lot ? holdsForLot(db, row.device_model, row.device_lot) : Promise.resolve([]),
    ]);
    // Holds on the complaint's model and lot, whichever complaint placed them.
    const { state, missing } = live;
    return c.json({
      record: toRecord(row),
      productHolds,
      state: state ? withIsoInstants(state) : null,
      live: state !== undefined,
      ...(missing ? { stateMissing: { reason: missing, detail: LIVE_STATE_MISSING[missing] } } : {}),
    });
  });

  app.openapi(complaintTrail, async (c) => {
    const id = c.req.param('id');
    if (!UUID.test(id)) return complaintNotFound(c);
    const exists = await db.selectFrom('complaints').select('id').where('id', '=', id).executeTakeFirst();
    if (!exists) return complaintNotFound(c);
    const events = await db.selectFrom('complaint_events').selectAll().where('complaint_id', '=', id).orderBy('seq').execute();
    return c.json({
      items: events.map(toEventView),
    });
  });

  const liveState = (id: string) => liveStateOf(deps, id);

  addComplaintActionRoutes(app, deps);
  return app;
}

/** No complaint with this id. */
export const complaintNotFound = (c: Parameters<typeof problem>[0]) => problem(c, 404, 'notFound', 'No such complaint', 'no complaint with this id');
