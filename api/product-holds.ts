/**
 * /product-holds: the lots under control because of a quality complaint, for QA. The list and the
 * hold come from PostgreSQL; QA's release (with a decision and a reason) is written there with its
 * event, then told to every linked complaint's workflow. `holdsForLot` gives each complaint the
 * holds of its lot.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { createRoute } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import { type Selectable } from 'kysely';
import { z } from 'zod';
import { appendHoldEvent } from '../db/product-holds.js';
import type { Db } from '../db/connect.js';
import type { ProductHoldsTable } from '../db/schema.js';
import { productHoldReleasedSignal, type ProductHoldReleased } from '../workflows/contract.js';
import { normaliseLotKey } from '../workflows/ids.js';
import { requireActor, type ActorEnv } from './actor.js';
import { beyondPosition, pageOf } from './cursor.js';
import type { ApiDeps } from './deps.js';
import { firstQueryValues, jsonBody, jsonResponse, operation, pathParam, problems, readJson, routesApp } from './openapi-route.js';
import { problem } from './problems.js';
import { toEventView } from './record.js';
import { UUID, listCursor } from './request.js';
import { HOLD_STATUSES, RELEASE_DECISIONS } from '../db/product-holds.js';
import { Responses } from './responses.js';


export { HOLD_STATUSES, RELEASE_DECISIONS };

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);

export const productHoldListQuerySchema = z.strictObject({
  status: z.enum(HOLD_STATUSES).optional(),
  model: text(100).optional(),
  lot: text(100).optional(),
  limit: z.coerce.number().int('must be a whole number').min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

export const productHoldReleaseSchema = z.strictObject({
  decision: z.enum(RELEASE_DECISIONS),
  reason: text(2000),
});

type HoldRow = Selectable<ProductHoldsTable>;

const iso = (value: Date | string | null) => (value === null ? undefined : new Date(value).toISOString());

/** A hold as the API shows it (the list, one hold, and the holds on a complaint). */
export function toHold(row: HoldRow, complaintCount: number) {
  return {
    holdId: row.id,
    productName: row.product_name,
    model: row.model,
    lot: row.lot,
    status: row.status,
    placedAt: iso(row.placed_at),
    placedBy: { id: row.placed_by, role: row.placed_by_role },
    reason: row.reason,
    firstComplaintId: row.first_complaint_id,
    complaintCount,
    releasedAt: iso(row.released_at),
    releasedBy: row.released_by === null ? undefined : { id: row.released_by, role: row.released_by_role ?? undefined },
    releaseDecision: row.release_decision ?? undefined,
    releaseReason: row.release_reason ?? undefined,
    links: { self: `/product-holds/${row.id}` },
  };
}
export type ProductHoldView = ReturnType<typeof toHold>;

/** Holds with the number of complaints linked to each. */
function selectHolds(db: Db) {
  return db
    .selectFrom('product_holds as h')
    .selectAll('h')
    .select((eb) =>
      eb
        .selectFrom('product_hold_complaints as l')
        .whereRef('l.hold_id', '=', 'h.id')
        .select(eb.fn.countAll<string>().as('n'))
        .as('complaint_count'),
    );
}

const withCount = (row: HoldRow & { complaint_count: string | number | null }) => toHold(row, Number(row.complaint_count ?? 0));

/** Every hold of a model and lot, active and released, newest first, in the API's shape. */
export async function holdsForLot(db: Db, model: string, lot: string): Promise<ProductHoldView[]> {
  const m = normaliseLotKey(model ?? '');
  const l = normaliseLotKey(lot ?? '');
  if (!m || !l) return [];
  const rows = await selectHolds(db).where('h.model', '=', m).where('h.lot', '=', l).orderBy('h.placed_at', 'desc').orderBy('h.id', 'desc').execute();
  return rows.map(withCount);
}

/** One hold with its linked complaints and its trail; undefined when there is none. */
async function holdDetail(db: Db, id: string) {
  const row = await selectHolds(db).where('h.id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const [complaints, events] = await Promise.all([
    db
      .selectFrom('product_hold_complaints as l')
      .innerJoin('complaints as c', 'c.id', 'l.complaint_id')
      .select(['l.complaint_id', 'l.linked_at', 'c.number', 'c.stage'])
      .where('l.hold_id', '=', id)
      .orderBy('l.linked_at')
      .orderBy('l.complaint_id')
      .execute(),
    db.selectFrom('product_hold_events').selectAll().where('hold_id', '=', id).orderBy('seq').execute(),
  ]);
  return {
    hold: withCount(row),
    complaints: complaints.map((m) => ({
      complaintId: m.complaint_id,
      number: m.number,
      stage: m.stage,
      linkedAt: iso(m.linked_at),
      links: { self: `/complaints/${m.complaint_id}` },
    })),
    events: events.map(toEventView),
  };
}

/** How many linked complaints are signalled at once after a release. */
const SIGNAL_CONCURRENCY = 10;

const notFound = (c: Parameters<typeof problem>[0]) => problem(c, 404, 'notFound', 'No such hold', 'no product hold with this id');
const holdIdParam = z.object({ id: pathParam('The hold ID (a UUID).', 'uuid') });

/** A path naming no hold answers 404, then a caller other than QA 403, before the body is read. */
const holdIdChecked = createMiddleware(async (c, next) => {
  if (!UUID.test(c.req.param('id') ?? '')) return notFound(c);
  await next();
});
const qaOnly = createMiddleware<ActorEnv>(async (c, next) => {
  if (c.get('actor').role !== 'qa') return problem(c, 403, 'forbidden', 'Not allowed for your role', 'only QA may release a product hold');
  await next();
});

const listHolds = createRoute({
  method: 'get',
  path: '/',
  ...operation({ tag: 'product holds', summary: 'List product holds', callers: 'any', operationId: 'listProductHolds', strictQuery: true }),
  middleware: [firstQueryValues] as const,
  request: { query: productHoldListQuerySchema },
  responses: { 200: jsonResponse(Responses.ProductHoldList, 'A page of holds, newest first.'), ...problems([400, 401, 503]) },
});

const readHold = createRoute({
  method: 'get',
  path: '/{id}',
  ...operation({
    tag: 'product holds',
    summary: 'Read a product hold',
    description: 'The hold, the complaints linked to it and its trail.',
    callers: 'any',
    operationId: 'getProductHold',
  }),
  request: { params: holdIdParam },
  responses: { 200: jsonResponse(Responses.ProductHoldDetail, 'The hold.'), ...problems([401, 404, 503]) },
});

const releaseHold = createRoute({
  method: 'post',
  path: '/{id}/release',
  ...operation({
    tag: 'product holds',
    summary: 'Release a product hold',
    description: 'With a decision (release, scrap, rework, return to supplier) and a reason; every linked complaint is told.',
    callers: ['qa'],
    operationId: 'releaseProductHold',
  }),
  middleware: [holdIdChecked, qaOnly, readJson] as const,
  request: {
    params: holdIdParam,
    body: jsonBody(productHoldReleaseSchema.meta({ id: 'ProductHoldReleaseRequest' }), { decision: 'release', reason: 'retest of 20 retained units passed' }),
  },
  responses: {
    200: jsonResponse(Responses.ProductHoldReleased, 'Released.'),
    ...problems([400, 401, 403, 404, 409, 422, 503], { 409: 'Released already (`releasedAt`, `releaseDecision` say when and how).' }),
  },
});

/** Mounted at /product-holds. */
export function productHoldRoutes(deps: ApiDeps) {
  const { db, temporal } = deps;
  const app = routesApp();
  app.use('*', requireActor);

  // ---- Read ----------------------------------------------------------------------------------
  app.openapi(listHolds, async (c) => {
    const q = c.req.valid('query');
    const position = listCursor(c, q.cursor, UUID);
    if (!position.ok) return position.response;
    const { cursor } = position;
    let query = selectHolds(db);
    if (q.status) query = query.where('h.status', '=', q.status);
    // Model and lot match as they are stored: trimmed, single spaces, case-insensitive.
    if (q.model) query = query.where('h.model', '=', normaliseLotKey(q.model));
    if (q.lot) query = query.where('h.lot', '=', normaliseLotKey(q.lot));
    if (cursor) query = query.where(beyondPosition(['h.placed_at', 'h.id'], [new Date(cursor.at), cursor.id], 'desc'));
    const rows = await query.orderBy('h.placed_at', 'desc').orderBy('h.id', 'desc').limit(q.limit + 1).execute();
    const { page, nextCursor } = pageOf(rows, q.limit, (last) => ({ at: new Date(last.placed_at).toISOString(), id: last.id }));
    return c.json({ items: page.map(withCount), nextCursor }, 200);
  });

  app.openapi(readHold, async (c) => {
    const id = c.req.param('id');
    if (!UUID.test(id)) return notFound(c);
    const detail = await holdDetail(db, id);
    return detail ? c.json(detail, 200) : notFound(c);
  });

  // ---- QA's release ----------------------------------------------------------------------------
  app.openapi(releaseHold, async (c) => {
    const id = c.req.param('id');
    const actor = c.get('actor');
    const { decision, reason } = c.req.valid('json');

    const outcome = await db.transaction().execute(async (trx) => {
      // Locked: a placement linking a complaint waits, then finds the hold released and places a new one.
      const row = await trx.selectFrom('product_holds').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row) return { kind: 'notFound' as const };
      if (row.status === 'released') return { kind: 'released' as const, row };
      const at = new Date();
      await trx
        .updateTable('product_holds')
        .set({
          status: 'released',
          released_at: at,
          released_by: actor.id,
          released_by_role: actor.role,
          release_decision: decision,
          release_reason: reason,
          updated_at: at,
        })
        .where('id', '=', id)
        .execute();
      await appendHoldEvent(trx, id, at, actor, 'released', { decision, reason });
      const linked = await trx
        .selectFrom('product_hold_complaints')
        .select('complaint_id')
        .where('hold_id', '=', id)
        .orderBy('linked_at')
        .orderBy('complaint_id')
        .execute();
      return { kind: 'done' as const, at, complaintIds: linked.map((l) => l.complaint_id) };
    });
    if (outcome.kind === 'notFound') return notFound(c);
    if (outcome.kind === 'released') {
      const { row } = outcome;
      return problem(
        c,
        409,
        'illegalTransition',
        'Already released',
        `this hold was released already, on ${iso(row.released_at)} (decision: ${row.release_decision}); a new complaint of the lot places a new hold`,
        undefined,
        { releasedAt: iso(row.released_at), releaseDecision: row.release_decision },
      );
    }

    // On file; now each linked complaint's workflow is told. A finished one has nothing to update.
    const signal: ProductHoldReleased = { holdId: id, decision, reason, by: actor, at: outcome.at.getTime() };
    const results: Array<'signalled' | 'notRunning' | 'failed'> = [];
    for (let i = 0; i < outcome.complaintIds.length; i += SIGNAL_CONCURRENCY) {
      const batch = outcome.complaintIds.slice(i, i + SIGNAL_CONCURRENCY);
      results.push(
        ...(await Promise.all(
          batch.map(async (complaintId) => {
            try {
              await temporal.workflow.getHandle(complaintId).signal(productHoldReleasedSignal, signal);
              return 'signalled' as const;
            } catch (err) {
              if (err instanceof WorkflowNotFoundError) return 'notRunning' as const;
              // The release stands; the complaint shows it from the hold on file. Log the kind only.
              console.error(`api: product hold ${id}: signalling complaint ${complaintId} failed: ${(err as Error).name}`);
              return 'failed' as const;
            }
          }),
        )),
      );
    }
    // Each list in the order the complaints were linked.
    const notifications = { signalled: [] as string[], notRunning: [] as string[], failed: [] as string[] };
    outcome.complaintIds.forEach((complaintId, i) => notifications[results[i]].push(complaintId));
    const detail = await holdDetail(db, id);
    if (!detail) return notFound(c);
    return c.json({ ...detail, notifications }, 200);
  });

  return app;
}
