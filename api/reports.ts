/**
 * /reports: KPI reports over a period for everyone at the desk (every role may read them).
 *
 *   GET /reports/kpis?from=&to=&category=&model=&lot=&interval=
 *
 * `from` and `to` are dates (YYYY-MM-DD, whole days in Asia/Shanghai, both included) or instants
 * with an offset (from included, to excluded). The figures are computed in PostgreSQL
 * (db/reports.ts); each section carries the definition it was computed by.
 */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { kpiReport, REPORT_INTERVALS, resolvePeriod, type PeriodBound } from '../db/reports.js';
import { CATEGORIES } from '../workflows/model.js';
import { requireActor } from './actor.js';
import type { ApiDeps } from './deps.js';
import { firstQueryValues, jsonResponse, operation, problems, routesApp } from './openapi-route.js';
import { problem, type FieldError } from './problems.js';
import { Responses } from './responses.js';

/** The longest period one report covers (a day per bucket stays under ~1,100 rows). */
export const MAX_REPORT_DAYS = 1100;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const instant = z.iso.datetime({ offset: true });

/** A real calendar date: 2026-02-30 is refused, not rolled over to March. */
function isCalendarDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

const periodBound = z
  .string({ error: (issue) => (issue.input === undefined ? 'required' : 'must be text') })
  .refine(
    (v) => isCalendarDate(v) || instant.safeParse(v).success,
    'must be a date YYYY-MM-DD (a whole day in Asia/Shanghai) or an ISO 8601 date-time with offset, e.g. 2026-03-02T09:00:00+08:00',
  );
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);

export const kpiQuerySchema = z.strictObject({
  from: periodBound,
  to: periodBound,
  category: z.enum(CATEGORIES).optional(),
  model: text(100).optional(),
  lot: text(100).optional(),
  interval: z.enum(REPORT_INTERVALS).default('week'),
});

const asBound = (v: string): PeriodBound => (isCalendarDate(v) ? { date: v } : { instant: v });

const invalidQuery = (c: Parameters<typeof problem>[0], errors: FieldError[]) =>
  problem(c, 400, 'validation', 'Invalid query', 'some query parameters are wrong; see errors', errors);

const kpis = createRoute({
  method: 'get',
  path: '/kpis',
  ...operation({
    tag: 'reports',
    summary: 'KPI report over a period',
    description: `SLA compliance per category and clock kind, median and p90 time per stage, satisfaction, successful resolution and reopen rate, and complaint volumes (by category, model and lot, per day, week or month in Asia/Shanghai), with the service targets beside them and each figure's definition. \`from\` and \`to\` are dates (YYYY-MM-DD, whole days in Asia/Shanghai, both included) or date-times with an offset (from included, to excluded); the period spans at most ${MAX_REPORT_DAYS} days.`,
    callers: 'any',
    operationId: 'kpiReport',
    strictQuery: true,
  }),
  middleware: [firstQueryValues] as const,
  request: { query: kpiQuerySchema },
  responses: { 200: jsonResponse(Responses.KpiReport, 'The report.'), ...problems([400, 401, 503]) },
});

export function reportRoutes({ db }: Pick<ApiDeps, 'db'>) {
  const app = routesApp();
  app.use('*', requireActor);

  app.openapi(kpis, async (c) => {
    const q = c.req.valid('query');
    const period = await resolvePeriod(db, asBound(q.from), asBound(q.to));
    if (period.to.getTime() <= period.from.getTime()) {
      return invalidQuery(c, [{ pointer: '/query/to', message: 'must be after from (a date `to` is included: from=to is one day)' }]);
    }
    if (period.to.getTime() - period.from.getTime() > MAX_REPORT_DAYS * 86_400_000) {
      return invalidQuery(c, [{ pointer: '/query/to', message: `the period may span at most ${MAX_REPORT_DAYS} days` }]);
    }
    const report = await kpiReport(db, {
      from: period.from,
      to: period.to,
      interval: q.interval,
      category: q.category,
      model: q.model,
      lot: q.lot,
    });
    return c.json(report, 200);
  });

  return app;
}
