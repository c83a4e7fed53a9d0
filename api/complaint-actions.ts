/**
 * POST /complaints/{id}/<action>: one endpoint per entry of the action table (workflows/actions.ts),
 * its summary, help, roles, stages and body read from the entry. Actions are Temporal updates: the
 * workflow accepts (the answer is the new state, already on file in PostgreSQL) or refuses with a
 * reason (409/403/422), changing nothing. Escalation is a signal (202); mediation's sessions and
 * outcome go to the complaint's mediation workflow.
 */
import { createRoute } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { z } from 'zod';
import { ACTIONS, ACTION_TABLE, escalateSignal, rolesFor, stagesFor, toWorkflowArgs, updates, type ActionDeclaration } from '../workflows/actions.js';
import type { ComplaintState } from '../workflows/contract.js';
import { recordMediationOutcomeUpdate, recordSessionUpdate } from '../workflows/mediation-contract.js';
import { refusalFor } from '../workflows/rules/permissions.js';
import { allow, type ActorEnv } from './actor.js';
import { complaintNotFound, liveStateOf } from './complaints.js';
import { LIVE_STATE_MISSING } from './live-state.js';
import { NotConfirmedInTime, withinActionTimeout } from './deadline.js';
import type { ApiDeps } from './deps.js';
import { withIsoInstants } from './instants.js';
import { BODY_ERRORS, complaintIdParam, idempotencyHeader, jsonBody, jsonResponse, operation, problems, readJson, type routesApp } from './openapi-route.js';
import { problem } from './problems.js';
import { UUID } from './request.js';
import { Responses } from './responses.js';
import { mediationOutcomeSchema, mediationSessionSchema } from './schemas.js';

type Ctx = Context<ActorEnv>;
// Bodies are checked by the table's schemas here and again by the workflow's validators.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyAction = UpdateDefinition<ComplaintState, [any]>;

const IDEMPOTENT =
  'An `Idempotency-Key` makes a retried action apply once. A 503 means the workflow did not confirm in time (the worker is down): the action may still be applied; retry with the same key.';

const pascal = (segment: string) => segment.replace(/(^|[-_ ])(\w)/g, (_, _sep, ch: string) => ch.toUpperCase());

/** A path naming no complaint answers 404 before the body is read. */
const complaintIdChecked = createMiddleware(async (c, next) => {
  if (!UUID.test(c.req.param('id') ?? '')) return complaintNotFound(c);
  await next();
});

/** The route of one action of the table: its words, roles and body from the entry. */
function actionRoute(action: ActionDeclaration & { name: (typeof ACTION_TABLE)[number]['name'] }) {
  const stages = stagesFor(action.name);
  const signal = action.message === 'signal';
  return createRoute({
    method: 'post',
    path: `/{id}/${action.path}`,
    ...operation({
      tag: action.tag ?? 'actions',
      summary: action.label.en,
      description: [action.help.en, `Allowed in the stages: ${stages.join(', ')}; in any other the answer is 409 with the reason.`, signal ? undefined : IDEMPOTENT]
        .filter(Boolean)
        .join('\n\n'),
      callers: rolesFor(action.name),
      operationId: action.name,
    }),
    middleware: [allow(...rolesFor(action.name)), complaintIdChecked, readJson] as const,
    request: {
      params: complaintIdParam,
      ...(signal ? {} : { headers: idempotencyHeader }),
      body: jsonBody((action.body as z.ZodObject).meta({ id: signal ? 'EscalationRequest' : pascal(action.path) + 'Request' }), action.example),
    },
    responses: {
      ...(signal
        ? { 202: jsonResponse(Responses.EscalationAccepted, 'Accepted: the workflow records it.') }
        : { 200: jsonResponse(Responses.ComplaintState, 'Applied: the new state, already on file in PostgreSQL.') }),
      ...problems(BODY_ERRORS, {
        409: signal ? 'The complaint is closed or withdrawn.' : "Not allowed in the complaint's stage or state (the detail says why), or the complaint is closed.",
      }),
    },
  });
}

// Built once: each body's schema is published under its name (a zod id is given once per process).
const ACTION_ROUTES = ACTION_TABLE.map((action) => ({ action, route: actionRoute(action) }));

const mediationSession = createRoute({
  method: 'post',
  path: '/{id}/mediation/sessions',
  ...operation({
    tag: 'actions',
    summary: 'Record a mediation session',
    description: 'On a complaint in mediation; the service clocks wait meanwhile.',
    callers: ['agent', 'supervisor'],
    operationId: 'recordMediationSession',
  }),
  middleware: [allow('agent', 'supervisor'), readJson] as const,
  request: { params: complaintIdParam, body: jsonBody(mediationSessionSchema.meta({ id: 'MediationSessionRequest' })) },
  responses: {
    200: jsonResponse(Responses.Mediation, "Recorded: the mediation's state."),
    ...problems(BODY_ERRORS, { 409: 'The complaint is not in mediation.' }),
  },
});

const mediationOutcome = createRoute({
  method: 'post',
  path: '/{id}/mediation/outcome',
  ...operation({
    tag: 'actions',
    summary: "Record the mediation's outcome",
    description: 'Settled (with the agreed remedy, which becomes the resolution; the case goes on to feedback) or failed (the legal route).',
    callers: ['supervisor'],
    operationId: 'recordMediationOutcome',
  }),
  middleware: [allow('supervisor'), readJson] as const,
  request: { params: complaintIdParam, body: jsonBody(mediationOutcomeSchema.meta({ id: 'MediationOutcomeRequest' })) },
  responses: {
    200: jsonResponse(Responses.Mediation, "Recorded: the mediation's state."),
    ...problems(BODY_ERRORS, { 409: 'The complaint is not in mediation.' }),
  },
});

/** The action routes, on complaintRoutes' app (mounted at /complaints, behind its sign-in). */
export function addComplaintActionRoutes(app: ReturnType<typeof routesApp<ActorEnv>>, deps: ApiDeps) {
  const { db, temporal } = deps;
  const liveState = (id: string) => liveStateOf(deps, id);

  // ---- Stage actions: Temporal updates ---------------------------------------------------------
  for (const { action, route } of ACTION_ROUTES) {
    if (action.message !== 'update') continue;
    const update: AnyAction = updates[action.name];
    app.openapi(route, async (c) => {
      const id = c.req.param('id');
      const args = toWorkflowArgs(action.name, c.req.valid('json') as Record<string, unknown>, c.get('actor'));
      const updateId = c.req.header('idempotency-key');
      const known = await db.selectFrom('complaints').select(['id', 'stage']).where('id', '=', id).executeTakeFirst();
      if (!known) return complaintNotFound(c);
      try {
        const state = await withinActionTimeout(deps, () =>
          temporal.workflow.getHandle(id).executeUpdate(update, { args: [args], ...(updateId ? { updateId } : {}) }),
        );
        return c.json({ state: withIsoInstants(state) }, 200);
      } catch (err) {
        if (err instanceof NotConfirmedInTime) {
          return problem(c, 503, 'unavailable', 'Not confirmed in time', 'the workflow did not answer in time; the action may still be applied. Retry with the same Idempotency-Key to apply it once.');
        }
        // The workflow of a closed or withdrawn case has completed: the case is on file, and final.
        if (err instanceof WorkflowNotFoundError) {
          return problem(c, 409, 'illegalTransition', 'Complaint is closed', `the complaint is ${known.stage}; nothing more can be done on it`);
        }
        throw err;
      }
    });
  }

  // ---- Escalation: a supervisor's signal -----------------------------------------------------
  const escalation = ACTION_ROUTES.find((r) => r.action.name === 'escalate')!.route;
  app.openapi(escalation, async (c) => {
    const id = c.req.param('id');
    const actor = c.get('actor');
    const body = c.req.valid('json') as z.output<typeof ACTIONS.escalate.body>;
    const row = await db.selectFrom('complaints').select(['stage']).where('id', '=', id).executeTakeFirst();
    if (!row) return complaintNotFound(c);
    const handle = temporal.workflow.getHandle(id);
    const { state } = await liveState(id);
    const stage = state?.stage ?? row.stage;
    const refusal = refusalFor('escalate', stage, actor.role);
    if (refusal?.kind === 'role') return problem(c, 403, 'forbidden', 'Not allowed for your role', refusal.reason);
    if (refusal) return problem(c, 409, 'illegalTransition', 'Not allowed now', `the complaint is ${stage}; it cannot be escalated`);
    await handle.signal(escalateSignal, { actor, ...body });
    return c.json({ accepted: true as const, target: body.target }, 202);
  });

  // ---- Mediation: sessions and outcome go to the complaint's mediation workflow ----------------
  async function currentMediation(c: Ctx, id: string): Promise<{ ok: true; mediationId: string } | { ok: false; response: Response }> {
    if (!UUID.test(id)) return { ok: false, response: complaintNotFound(c) };
    const { state, missing } = await liveState(id);
    if (missing === 'ended' || (!state && !(await db.selectFrom('complaints').select('id').where('id', '=', id).executeTakeFirst()))) {
      return { ok: false, response: complaintNotFound(c) };
    }
    if (!state) return { ok: false, response: problem(c, 503, 'unavailable', 'Complaint not answering', LIVE_STATE_MISSING[missing!]) };
    if (state.stage !== 'mediation' || !state.mediation) {
      return { ok: false, response: problem(c, 409, 'illegalTransition', 'Not in mediation', `the complaint is ${state.stage}, not in mediation`) };
    }
    return { ok: true, mediationId: state.mediation.mediationId };
  }

  app.openapi(mediationSession, async (c) => {
    const body = c.req.valid('json');
    const current = await currentMediation(c, c.req.param('id'));
    if (!current.ok) return current.response;
    const result = await withinActionTimeout(deps, () =>
      temporal.workflow.getHandle(current.mediationId).executeUpdate(recordSessionUpdate, {
        args: [{ actor: c.get('actor'), heldAt: Date.parse(body.heldAt), summary: body.summary }],
      }),
    );
    return c.json({ mediation: withIsoInstants(result) }, 200);
  });

  app.openapi(mediationOutcome, async (c) => {
    const body = c.req.valid('json');
    const current = await currentMediation(c, c.req.param('id'));
    if (!current.ok) return current.response;
    const result = await withinActionTimeout(deps, () =>
      temporal.workflow.getHandle(current.mediationId).executeUpdate(recordMediationOutcomeUpdate, { args: [{ actor: c.get('actor'), ...body }] }),
    );
    return c.json({ mediation: withIsoInstants(result) }, 200);
  });
}
