/**
 * The HTTP API, built by a factory from its dependencies so tests call it with `app.request()`
 * against the same real PostgreSQL and Temporal the server uses. Every route is declared with
 * `app.openapi(createRoute(...), handler)` in its file; the OpenAPI document is generated from them.
 */
import { performance } from 'node:perf_hooks';
import { createRoute, z } from '@hono/zod-openapi';
import type { Tracing } from '../workflows/wire/tracing.js';
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
import { readinessRoutes } from './health.js';
import { complaintIdOf, levelOf, requestIdFrom, type LogSink } from './logging.js';
import { createApiMetrics, METRICS_CONTENT_TYPE, metricsTokenMatches, routeTemplate } from './metrics.js';
import { buildOpenApiDocument } from './openapi-document.js';
import { jsonResponse, operation, problems, routesApp } from './openapi-route.js';
import { problem } from './problems.js';
import { Responses } from './responses.js';
import { refusalResponse } from './temporal-errors.js';

/** How the app reports on itself (api/main.ts sets them; tests may). */
export interface AppOptions {
  /** One JSON line per request, and one per failed request (api/logging.ts); none when absent. */
  log?: LogSink;
  /** When set, `GET /metrics` asks for `Authorization: Bearer <it>` (default: METRICS_TOKEN, unset: open). */
  metricsToken?: string;
  /** When tracing is on (workflows/wire/tracing.ts): a span per request, parent of the client's. */
  tracing?: Pick<Tracing, 'tracer' | 'parentFrom'>;
}

/** What a request carries through the app: its actor (api/actor.ts) and its request id. */
type AppEnv = { Variables: ActorEnv['Variables'] & { requestId: string } };

export function createApp(deps: ApiDeps, options: AppOptions = {}) {
  const app = routesApp<AppEnv>();
  const { log } = options;
  const metricsToken = options.metricsToken ?? (process.env.METRICS_TOKEN?.trim() || undefined);
  const metrics = createApiMetrics(deps.db);
  // First of all: the request id (echoed), then once answered the request's metrics and log line,
  // by route template (never the path: it holds ids).
  app.use('*', async (c, next) => {
    const started = performance.now();
    const requestId = requestIdFrom(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    if (options.tracing) {
      // SpanKind.SERVER (1), in the caller's trace when it sends one (traceparent); named by the
      // route template once it is known. Ids and codes only.
      const attributes = { 'http.request.method': c.req.method, 'request.id': requestId };
      await options.tracing.tracer.startActiveSpan(c.req.method, { kind: 1, attributes }, options.tracing.parentFrom(c.req.raw.headers), async (span) => {
        try {
          await next();
        } finally {
          const route = routeTemplate(c);
          span.updateName(`${c.req.method} ${route}`);
          span.setAttributes({ 'http.route': route, 'http.response.status_code': c.res.status });
          if (c.res.status >= 500) span.setStatus({ code: 2 });
          span.end();
        }
      });
    } else {
      await next();
    }
    const seconds = (performance.now() - started) / 1000;
    const route = routeTemplate(c);
    const status = c.res.status;
    try {
      c.res.headers.set('X-Request-Id', requestId);
    } catch {
      // a response with immutable headers: answered without it
    }
    metrics.observe({ method: c.req.method, route, status, seconds });
    if (log) {
      const complaintId = complaintIdOf(route, c.req.path);
      log({ level: levelOf(status), msg: 'request', requestId, method: c.req.method, route, status, durationMs: Math.round(seconds * 10_000) / 10, ...(complaintId ? { complaintId } : {}) });
    }
  });
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

  /** Prometheus metrics: requests by route template, method and status, and the trade's gauges. */
  const metricsRoute = createRoute({
    method: 'get',
    path: '/metrics',
    ...operation({
      tag: 'ops',
      summary: 'Prometheus metrics',
      description:
        'Text exposition format 0.0.4: the API\'s requests by method, route template and status (count and latency histogram), the trade\'s gauges read from PostgreSQL at each scrape (open complaints by stage, SLA clocks by kind and status, breaches unanswered, regulatory reports due and overdue by jurisdiction) and the process\'s. Counts only: no label holds a name, an id or a submitted value. When the server has METRICS_TOKEN set, it asks for `Authorization: Bearer <that token>` (401 otherwise). See docs/metrics-and-logs.md.',
      callers: 'public',
      operationId: 'metrics',
    }),
    responses: {
      200: { description: 'The metrics.', content: { 'text/plain': { schema: z.string() } } },
      ...problems([401], { 401: 'METRICS_TOKEN is set and the request does not carry it.' }),
    },
  });
  app.openapi(metricsRoute, async (c) => {
    if (metricsToken && !metricsTokenMatches(metricsToken, c.req.header('authorization'))) {
      c.header('WWW-Authenticate', 'Bearer realm="metrics"');
      return problem(c, 401, 'unauthenticated', 'Sign-in needed', 'this server asks for its metrics token: send `Authorization: Bearer <METRICS_TOKEN>`');
    }
    return c.body(await metrics.render(), 200, { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' });
  });
  app.route('/', readinessRoutes(deps));

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
    if (log) log({ level: 'error', msg: 'request failed', requestId: c.get('requestId'), method: c.req.method, route: routeTemplate(c), error: err.name });
    else console.error(`api: ${c.req.method} ${c.req.routePath} failed: ${err.name}`);
    if (/ECONNREFUSED|connect|UNAVAILABLE|Connection terminated|deadline/i.test(err.message)) {
      return problem(c, 503, 'unavailable', 'Service unavailable', 'a backing service is not reachable; retry with the same Idempotency-Key');
    }
    return problem(c, 500, 'internal', 'Internal error', 'the request failed; nothing was half-written, retry with the same Idempotency-Key');
  });
  return app;
}
