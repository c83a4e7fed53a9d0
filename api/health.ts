/**
 * `GET /readyz`: whether a load balancer should send this process requests. 200 only when
 * PostgreSQL answers, Temporal answers, the namespace has every search attribute the workflows
 * write (workflows/search-attributes.ts, their types too) and the process is not shutting down;
 * else 503, a problem naming what is missing. The attribute check is cached for a few seconds
 * (ATTRIBUTE_CHECK_TTL_MS): a load balancer polling every second asks the cluster once in a while.
 * `/healthz` (api/app.ts) stays liveness: both systems of record answer.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/connect.js';
import { databaseAnswers } from '../db/gauges.js';
import { checkSearchAttributes, type SearchAttributeCheck } from '../workflows/wire/temporal-connection.js';
import type { ApiDeps } from './deps.js';
import { jsonResponse, operation, routesApp } from './openapi-route.js';
import { problem } from './problems.js';
import { readiness } from './readiness.js';
import { ProblemSchema } from './responses.js';

export const ATTRIBUTE_CHECK_TTL_MS = 10_000;

const checks = {
  postgres: z.enum(['up', 'down']),
  temporal: z.enum(['up', 'down']),
  searchAttributes: z.enum(['ready', 'missing', 'no-namespace', 'unknown', 'not-checked']).describe(
    '`ready`; `missing` (or of another type: named in `problems`); `no-namespace`; `unknown` (the cluster would not say: not held against readiness); `not-checked` (Temporal is down).',
  ),
};
const Ready = z.object({ status: z.literal('ready'), ...checks }).meta({ id: 'Ready' });
const NotReady = ProblemSchema.extend({
  ...checks,
  draining: z.boolean().describe('True from SIGTERM/SIGINT on: in-flight requests finish, new ones should go elsewhere.'),
  problems: z.array(z.string()).describe('What is wrong, for the operator: attribute names and what to run; never personal data.'),
}).meta({ id: 'NotReady' });

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  ...operation({
    tag: 'ops',
    summary: 'Readiness check',
    description:
      '200 only when PostgreSQL and Temporal answer, the namespace has the search attributes the workflows need (checked every few seconds at most) and the process is not shutting down; else 503 naming what is missing (`npm run setup` registers the attributes). For a load balancer; `/healthz` is liveness.',
    callers: 'public',
    operationId: 'readiness',
  }),
  responses: {
    200: jsonResponse(Ready, 'Ready for requests.'),
    503: { description: 'Not ready: what is missing is named in `detail` and `problems`.', content: { 'application/problem+json': { schema: NotReady } } },
  },
});

/** The search attribute check, cached for ATTRIBUTE_CHECK_TTL_MS; a cluster that cannot be reached is not cached. */
function cachedAttributeCheck(temporal: Client, ttlMs: number) {
  let cached: { at: number; check: SearchAttributeCheck } | undefined;
  return async (): Promise<SearchAttributeCheck | 'not-checked'> => {
    if (cached && Date.now() - cached.at < ttlMs) return cached.check;
    try {
      const check = await checkSearchAttributes(temporal.connection.operatorService, temporal.options.namespace);
      cached = { at: Date.now(), check };
      return check;
    } catch {
      return 'not-checked';
    }
  };
}

export function readinessRoutes({ db, temporal }: Pick<ApiDeps, 'db' | 'temporal'> & { db: Db }, ttlMs = ATTRIBUTE_CHECK_TTL_MS) {
  const app = routesApp();
  const attributeCheck = cachedAttributeCheck(temporal, ttlMs);
  app.openapi(readyz, async (c) => {
    const temporalUp = temporal.connection.workflowService.getSystemInfo({}).then(
      () => true,
      () => false,
    );
    const [postgresUp, temporalAnswers] = await Promise.all([databaseAnswers(db), temporalUp]);
    const attributes = temporalAnswers ? await attributeCheck() : 'not-checked';
    const searchAttributes = typeof attributes === 'string' ? attributes : attributes.status;
    const process = readiness();
    const problems: string[] = [];
    if (!postgresUp) problems.push('PostgreSQL does not answer');
    if (!temporalAnswers) problems.push('Temporal does not answer');
    if (typeof attributes === 'object' && (attributes.status === 'missing' || attributes.status === 'no-namespace')) problems.push(attributes.message);
    if (process.draining) problems.push('shutting down: finishing in-flight requests');
    const body = { postgres: postgresUp ? 'up' : 'down', temporal: temporalAnswers ? 'up' : 'down', searchAttributes } as const;
    if (!problems.length) return c.json({ status: 'ready' as const, ...body }, 200);
    c.header('cache-control', 'no-store');
    // A problem (application/problem+json) with the checks beside it, as NotReady documents it.
    return problem(c, 503, 'unavailable', 'Not ready', problems.join('; '), undefined, { ...body, draining: process.draining, problems }) as never;
  });
  return app;
}
