/**
 * /complaints: file a complaint, read it, list them, and one endpoint per stage action.
 * Actions are Temporal updates: the workflow accepts (the answer is the new state, already on
 * file in PostgreSQL) or refuses with a reason (409/403/422), changing nothing.
 */
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { Hono, type Context } from 'hono';
import { type ComplaintInput, type ComplaintState, type FiledReceipt, type ComplaintView, filedUpdate, stateQuery } from '../workflows/contract.js';
import { ACTIONS, ACTION_TABLE, escalateSignal, rolesFor, toWorkflowArgs, updates, type ActionPath } from '../workflows/actions.js';
import type { IntakeRecord, Role, Stage } from '../workflows/model.js';
import type { complaint } from '../workflows/complaint.js';
import { recordMediationOutcomeUpdate, recordSessionUpdate } from '../workflows/mediation-contract.js';
import { refusalFor } from '../workflows/rules/permissions.js';
import { allow, requireActor, type ActorEnv } from './actor.js';
import type { ApiDeps } from './deps.js';
import { NotConfirmedInTime, withinActionTimeout } from './deadline.js';
import { problem } from './problems.js';
import { UUID, parseBody, parseListQuery } from './request.js';
import { withIsoInstants } from './instants.js';
import { holdsForLot } from './product-holds.js';
import { toEventView, toRecord, toSummary } from './record.js';
import { createComplaintSchema, listQuerySchema, mediationOutcomeSchema, mediationSessionSchema, type CreateComplaintBody } from './schemas.js';
import { pageOf } from './cursor.js';
import { fileIntakeCard } from '../db/intake-card.js';
import { loadPolicy } from '../db/reference-data.js';

type Ctx = Context<ActorEnv>;
// Bodies are checked by the table's schemas here and again by the workflow's validators.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyAction = UpdateDefinition<ComplaintState, [any]>;

/** The roles that may take an action at some stage; the workflow checks the stage (and the role again). */
export function rolesForActionPath(path: ActionPath): Role[] {
  return rolesFor(ACTION_TABLE.find((a) => a.path === path)!.name);
}

/** Instants travel as ISO strings in JSON and as epoch milliseconds inside the workflow. */
const toMs = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));


/** A stable complaint ID from an Idempotency-Key: the same key always names the same complaint. */
export function complaintIdFromKey(key: string): string {
  const h = createHash('sha256').update('complaint-idempotency:' + key).digest('hex');
  // Shaped as a version-8 (custom) UUID so it fits the uuid column and reads like the others.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
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

export function complaintRoutes(deps: ApiDeps) {
  const { db, temporal, taskQueue } = deps;
  const app = new Hono<ActorEnv>();
  app.use('*', requireActor);

  const notFound = (c: Ctx) => problem(c, 404, 'notFound', 'No such complaint', 'no complaint with this id');

  // ---- File a complaint ----------------------------------------------------------------------
  app.post('/', allow(...rolesFor('verifyComplainant')), async (c) => {
    const actor = c.get('actor');
    const key = c.req.header('idempotency-key');
    if (key !== undefined && (key.length < 1 || key.length > 200)) {
      return problem(c, 422, 'validation', 'Invalid request', 'Idempotency-Key must be 1 to 200 characters', [
        { pointer: '/header/idempotency-key', message: 'must be 1 to 200 characters' },
      ]);
    }
    const body = await parseBody(c, createComplaintSchema);
    if (!body.ok) return body.response;
    const b = body.value;
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
      await withinActionTimeout(deps, () => temporal.workflow.start<typeof complaint>('complaint', {
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

  app.get('/', async (c) => {
    const list = parseListQuery(c, listQuerySchema, UUID);
    if (!list.ok) return list.response;
    const { query: q, cursor } = list.value;
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
    const newest = q.sort === 'newest';
    const beyond = newest ? '<' : '>';
    if (cursor) {
      query = query.where((eb) => eb(eb.refTuple('received_at', 'id'), beyond, eb.tuple(new Date(cursor.at), cursor.id)));
    }
    const direction = newest ? 'desc' : 'asc';
    const rows = await query.orderBy('received_at', direction).orderBy('id', direction).limit(q.limit + 1).execute();
    const { page, nextCursor } = pageOf(rows, q.limit, (last) => ({ at: new Date(last.received_at).toISOString(), id: last.id }));
    // The rows hold SUMMARY_COLUMNS, all that toSummary reads.
    return c.json({ items: page.map((row) => toSummary(row as SummaryRow)), nextCursor });
  });

  app.get('/:id', async (c) => {
    const id = c.req.param('id');
    if (!UUID.test(id)) return notFound(c);
    const row = await db.selectFrom('complaints').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return notFound(c);
    const [state, productHolds] = await Promise.all([
      liveState(id),
      row.device_model && row.device_lot ? holdsForLot(db, row.device_model, row.device_lot) : Promise.resolve([]),
    ]);
    // Holds on the complaint's model and lot, whichever complaint placed them.
    return c.json({ record: toRecord(row), productHolds, state: state ? withIsoInstants(state) : null, live: state !== undefined });
  });

  app.get('/:id/events', async (c) => {
    const id = c.req.param('id');
    if (!UUID.test(id)) return notFound(c);
    const exists = await db.selectFrom('complaints').select('id').where('id', '=', id).executeTakeFirst();
    if (!exists) return notFound(c);
    const events = await db.selectFrom('complaint_events').selectAll().where('complaint_id', '=', id).orderBy('seq').execute();
    return c.json({
      items: events.map(toEventView),
    });
  });

  async function liveState(id: string): Promise<ComplaintView | undefined> {
    try {
      return await temporal.workflow.getHandle(id).query(stateQuery);
    } catch {
      return undefined; // past the engine's retention: the record in PostgreSQL is the file
    }
  }

  // ---- Stage actions -------------------------------------------------------------------------
  for (const action of ACTION_TABLE) {
    if (action.message !== 'update') continue;
    const update: AnyAction = updates[action.name];
    app.post(`/:id/${action.path}`, allow(...rolesFor(action.name)), async (c) => {
      const id = c.req.param('id');
      if (!UUID.test(id)) return notFound(c);
      const body = await parseBody(c, action.body);
      if (!body.ok) return body.response;
      const args = toWorkflowArgs(action.name, body.value, c.get('actor'));
      const updateId = c.req.header('idempotency-key');
      const known = await db.selectFrom('complaints').select(['id', 'stage']).where('id', '=', id).executeTakeFirst();
      if (!known) return notFound(c);
      try {
        const state = await withinActionTimeout(deps, () =>
          temporal.workflow.getHandle(id).executeUpdate(update, { args: [args], ...(updateId ? { updateId } : {}) }),
        );
        return c.json({ state: withIsoInstants(state) });
      } catch (err) {
        // The workflow of a closed or withdrawn case has completed: the case is on file, and final.
        if (err instanceof NotConfirmedInTime) {
          return problem(c, 503, 'unavailable', 'Not confirmed in time', 'the workflow did not answer in time; the action may still be applied. Retry with the same Idempotency-Key to apply it once.');
        }
        if (err instanceof WorkflowNotFoundError) {
          return problem(c, 409, 'illegalTransition', 'Complaint is closed', `the complaint is ${known.stage}; nothing more can be done on it`);
        }
        throw err;
      }
    });
  }

  // ---- Escalation: a supervisor's signal -----------------------------------------------------
  app.post('/:id/escalations', allow(...rolesFor('escalate')), async (c) => {
    const id = c.req.param('id');
    if (!UUID.test(id)) return notFound(c);
    const actor = c.get('actor');
    const body = await parseBody(c, ACTIONS.escalate.body);
    if (!body.ok) return body.response;
    const row = await db.selectFrom('complaints').select(['stage']).where('id', '=', id).executeTakeFirst();
    if (!row) return notFound(c);
    const handle = temporal.workflow.getHandle(id);
    const state = await liveState(id);
    const stage = state?.stage ?? row.stage;
    const refusal = refusalFor('escalate', stage as Stage, actor.role);
    if (refusal?.kind === 'role') return problem(c, 403, 'forbidden', 'Not allowed for your role', refusal.reason);
    if (refusal) return problem(c, 409, 'illegalTransition', 'Not allowed now', `the complaint is ${stage}; it cannot be escalated`);
    await handle.signal(escalateSignal, { actor, ...body.value });
    return c.json({ accepted: true, target: body.value.target }, 202);
  });

  // ---- Mediation: sessions and outcome go to the complaint's mediation workflow ----------------
  async function currentMediation(c: Ctx, id: string): Promise<{ ok: true; mediationId: string } | { ok: false; response: Response }> {
    if (!UUID.test(id)) return { ok: false, response: notFound(c) };
    const state = await liveState(id);
    if (!state) return { ok: false, response: notFound(c) };
    if (state.stage !== 'mediation' || !state.mediation) {
      return { ok: false, response: problem(c, 409, 'illegalTransition', 'Not in mediation', `the complaint is ${state.stage}, not in mediation`) };
    }
    return { ok: true, mediationId: state.mediation.mediationId };
  }

  app.post('/:id/mediation/sessions', allow('agent', 'supervisor'), async (c) => {
    const body = await parseBody(c, mediationSessionSchema);
    if (!body.ok) return body.response;
    const current = await currentMediation(c, c.req.param('id'));
    if (!current.ok) return current.response;
    const result = await withinActionTimeout(deps, () =>
      temporal.workflow.getHandle(current.mediationId).executeUpdate(recordSessionUpdate, {
        args: [{ actor: c.get('actor'), heldAt: Date.parse(body.value.heldAt), summary: body.value.summary }],
      }),
    );
    return c.json({ mediation: withIsoInstants(result) });
  });

  app.post('/:id/mediation/outcome', allow('supervisor'), async (c) => {
    const body = await parseBody(c, mediationOutcomeSchema);
    if (!body.ok) return body.response;
    const current = await currentMediation(c, c.req.param('id'));
    if (!current.ok) return current.response;
    const result = await withinActionTimeout(deps, () =>
      temporal.workflow.getHandle(current.mediationId).executeUpdate(recordMediationOutcomeUpdate, { args: [{ actor: c.get('actor'), ...body.value }] }),
    );
    return c.json({ mediation: withIsoInstants(result) });
  });

  return app;
}
