/**
 * The HTTP API, built by a factory from its dependencies so tests call it with `app.request()`
 * against the same real PostgreSQL and Temporal the server uses. Every route is declared with
 * `app.openapi(createRoute(...), handler)` in its file; the OpenAPI document is generated from them.
 */
import { createRoute } from '@hono/zod-openapi';
import { sql } from 'kysely';
import { actorForToken } from '../db/users.js';
import type { ActorEnv } from './actor.js';
import { adminRoutes, meRoutes } from './admin.js';
import { auditExportRoutes } from './audit-export.js';
import { clientCodec, codecRoutes, codecSessionRoutes, codecUsersOnly } from './codec.js';
import { complaintRoutes } from './complaints.js';
import { docsRoutes } from './docs.js';
import { calendarRoutes } from './calendars.js';
import { clusterRoutes } from './clusters.js';
import { productHoldRoutes } from './product-holds.js';
import { reportRoutes } from './reports.js';
import { escalationRoutes } from './escalations.js';
import { regulatoryReportRoutes, reportabilityRoutes } from './regulatory.js';
import type { ApiDeps } from './deps.js';
import { buildOpenApiDocument } from './openapi-document.js';
import { jsonResponse, operation, routesApp } from './openapi-route.js';
import { problem } from './problems.js';
import { Responses } from './responses.js';
import { refusalResponse } from './temporal-errors.js';

export function createApp(deps: ApiDeps) {
  const app = routesApp<ActorEnv>();
  // Every route that signs its caller in resolves bearer tokens against the users in PostgreSQL.
  app.use('*', async (c, next) => {
    c.set('resolveActor', (token) => actorForToken(deps.db, token));
    await next();
  });

  /** 200 only when both systems of record answer; 503 names what is down. */
  const health = createRoute({
    method: 'get',
    path: '/healthz',
    ...operation({
      tag: 'ops',
      summary: 'Health check',
      description: '200 only when both systems of record (PostgreSQL and Temporal) answer.',
      callers: 'public',
      operationId: 'health',
    }),
    responses: {
      200: jsonResponse(Responses.Health, 'Both answer.'),
      503: jsonResponse(Responses.Health, 'PostgreSQL or Temporal is down (named in the body).'),
    },
  });
  app.openapi(health, async (c) => {
    const [postgres, temporal] = await Promise.all([
      sql`select 1`.execute(deps.db).then(() => 'up' as const, () => 'down' as const),
      deps.temporal.connection.workflowService
        .getSystemInfo({})
        .then(() => 'up' as const, () => 'down' as const),
    ]);
    const ok = postgres === 'up' && temporal === 'up';
    return c.json({ status: ok ? 'ok' : 'unavailable', postgres, temporal }, ok ? 200 : 503);
  });

  app.route('/me', meRoutes());
  app.route('/admin', adminRoutes(deps));
  app.route('/complaints', complaintRoutes(deps));
  app.route('/complaints', auditExportRoutes(deps));
  app.route('/escalations', escalationRoutes(deps));
  app.route('/calendars', calendarRoutes(deps));
  app.route('/clusters', clusterRoutes(deps));
  app.route('/product-holds', productHoldRoutes(deps));
  app.route('/reports', reportRoutes(deps));
  // The Temporal Web UI decodes payloads here, for signed-in supervisors, QA and admins only.
  app.route('/codec', codecRoutes({ codec: clientCodec(deps.temporal), authorize: codecUsersOnly }));
  app.route('/codec-session', codecSessionRoutes());
  app.route('/regulatory-reports', regulatoryReportRoutes(deps));
  app.route('/reportability', reportabilityRoutes(deps));
  // The API reference (no sign-in): /openapi.json and /docs. Built once every route is registered,
  // at start-up: a route the document cannot be built from fails here, not on a request.
  app.route('/', docsRoutes(buildOpenApiDocument(app)));

  app.notFound((c) => problem(c, 404, 'notFound', 'Not found', `no endpoint ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    const refused = refusalResponse(c, err);
    if (refused) return refused;
    // The message may quote stored values; log only its kind, never the payload.
    console.error(`api: ${c.req.method} ${c.req.routePath} failed: ${err.name}`);
    if (/ECONNREFUSED|connect|UNAVAILABLE|Connection terminated|deadline/i.test(err.message)) {
      return problem(c, 503, 'unavailable', 'Service unavailable', 'a backing service is not reachable; retry with the same Idempotency-Key');
    }
    return problem(c, 500, 'internal', 'Internal error', 'the request failed; nothing was half-written, retry with the same Idempotency-Key');
  });
  return app;
}
