/**
 * QA's desk for regulators: every report owed across complaints, soonest deadline first; one
 * report's live state; recording its submission; and a preview of what the reportability rules
 * propose for a set of facts.
 */
import { Hono } from 'hono';
import { recordSubmissionUpdate, reportStateQuery, type RegulatoryReportState } from '../workflows/regulatory-report-contract.js';
import { awarenessDay0, proposeReportability, reportDue } from '../workflows/rules/regulatory.js';
import { loadCalendar } from '../db/reference-data.js';
import { allow, requireActor, type ActorEnv } from './actor.js';
import { encodeCursor } from './cursor.js';
import { NotConfirmedInTime, withinActionTimeout } from './deadline.js';
import type { ApiDeps } from './deps.js';
import { withIsoInstants } from './instants.js';
import { problem } from './problems.js';
import { parseBody, parseListQuery } from './request.js';
import { reportabilityFactsSchema } from '../workflows/reportability-facts.js';
import { regulatoryListQuerySchema, submissionSchema } from './schemas.js';
import { z } from 'zod';

const proposalSchema = z.strictObject({
  facts: reportabilityFactsSchema,
  companyAwareAt: z.iso.datetime({ offset: true }),
  distributorAwareAt: z.iso.datetime({ offset: true }).optional(),
});

/** Mounted at /regulatory-reports. */
export function regulatoryReportRoutes(deps: ApiDeps) {
  const { db, temporal } = deps;
  const app = new Hono<ActorEnv>();
  app.use('*', requireActor);

  app.get('/', async (c) => {
    const list = parseListQuery(c, regulatoryListQuerySchema);
    if (!list.ok) return list.response;
    const { query: q, cursor } = list.value;
    let query = db
      .selectFrom('regulatory_reports as r')
      .leftJoin('complaints as c', 'c.id', 'r.complaint_id')
      .select(['r.report_id', 'r.complaint_id', 'r.cluster_alert_id', 'c.number', 'r.rule_id', 'r.jurisdiction', 'r.citation', 'r.description', 'r.day0', 'r.due_at', 'r.due_date', 'r.status', 'r.breached_at', 'r.submitted_at', 'r.submission_reference', 'r.beyond_coverage'])
      .where('r.due_at', 'is not', null);
    query = q.status === 'pending' ? query.where('r.status', 'in', ['open', 'overdue']) : query.where('r.status', '=', q.status);
    if (q.jurisdiction) query = query.where('r.jurisdiction', '=', q.jurisdiction);
    if (q.complaint) query = query.where('r.complaint_id', '=', q.complaint);
    if (cursor) {
      const at = new Date(cursor.at);
      query = query.where((eb) => eb.or([eb('r.due_at', '>', at), eb.and([eb('r.due_at', '=', at), eb('r.report_id', '>', cursor.id)])]));
    }
    const rows = await query.orderBy('r.due_at', 'asc').orderBy('r.report_id', 'asc').limit(q.limit + 1).execute();
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    const now = Date.now();
    return c.json({
      items: page.map((r) => ({
        reportId: r.report_id,
        complaintId: r.complaint_id ?? undefined,
        complaintNumber: r.number ?? undefined,
        clusterAlertId: r.cluster_alert_id ?? undefined,
        ruleId: r.rule_id,
        jurisdiction: r.jurisdiction,
        citation: r.citation,
        description: r.description,
        day0: new Date(r.day0).toISOString(),
        dueAt: r.due_at ? new Date(r.due_at).toISOString() : undefined,
        dueDate: r.due_date ?? undefined,
        hoursLeft: r.due_at ? Math.round((new Date(r.due_at).getTime() - now) / 3_600_000) : undefined,
        status: r.status,
        breachedAt: r.breached_at ? new Date(r.breached_at).toISOString() : undefined,
        submittedAt: r.submitted_at ? new Date(r.submitted_at).toISOString() : undefined,
        reference: r.submission_reference ?? undefined,
        beyondCalendar: r.beyond_coverage,
      })),
      nextCursor: rows.length > q.limit && last?.due_at ? encodeCursor({ at: new Date(last.due_at).toISOString(), id: last.report_id }) : null,
    });
  });

  app.get('/:reportId', async (c) => {
    const reportId = c.req.param('reportId');
    const row = await db.selectFrom('regulatory_reports').select(['report_id', 'events', 'status']).where('report_id', '=', reportId).executeTakeFirst();
    if (!row) return problem(c, 404, 'notFound', 'No such report', 'no regulatory report with this id');
    let state: RegulatoryReportState | undefined;
    try {
      state = await temporal.workflow.getHandle(reportId).query(reportStateQuery);
    } catch {
      state = undefined; // past the engine's retention: the stored row is the record
    }
    return c.json(state ? withIsoInstants(state) : { reportId, status: row.status, events: withIsoInstants(row.events) });
  });

  app.post('/:reportId/submission', allow('qa'), async (c) => {
    const reportId = c.req.param('reportId');
    const body = await parseBody(c, submissionSchema);
    if (!body.ok) return body.response;
    const row = await db.selectFrom('regulatory_reports').select(['status']).where('report_id', '=', reportId).executeTakeFirst();
    if (!row) return problem(c, 404, 'notFound', 'No such report', 'no regulatory report with this id');
    if (row.status === 'submitted') return problem(c, 409, 'illegalTransition', 'Already submitted', 'this report was already submitted');
    const submittedAt = body.value.submittedAt ? Date.parse(body.value.submittedAt) : undefined;
    try {
      const state = await withinActionTimeout(deps, () =>
        temporal.workflow.getHandle(reportId).executeUpdate(recordSubmissionUpdate, {
          args: [{ actor: c.get('actor'), reference: body.value.reference, submittedAt }],
          ...(c.req.header('idempotency-key') ? { updateId: c.req.header('idempotency-key') } : {}),
        }),
      );
      return c.json(withIsoInstants(state));
    } catch (err) {
      if (err instanceof NotConfirmedInTime) {
        return problem(c, 503, 'unavailable', 'Not confirmed in time', 'the report workflow did not answer in time; retry with the same Idempotency-Key');
      }
      throw err;
    }
  });

  return app;
}

/** Mounted at /reportability. */
export function reportabilityRoutes({ db }: ApiDeps) {
  const app = new Hono<ActorEnv>();
  app.use('*', requireActor);

  /** What the rules propose for these facts, with each clock's due time; nothing is recorded. */
  app.post('/proposal', allow('qa', 'supervisor'), async (c) => {
    const body = await parseBody(c, proposalSchema);
    if (!body.ok) return body.response;
    const [CN, US] = await Promise.all([loadCalendar(db, 'CN'), loadCalendar(db, 'US-FED')]);
    if (!CN || !US) return problem(c, 503, 'unavailable', 'Calendars missing', 'business calendars CN and US-FED are not loaded');
    const facts = {
      ...body.value.facts,
      companyAwareAt: Date.parse(body.value.companyAwareAt),
      distributorAwareAt: body.value.distributorAwareAt ? Date.parse(body.value.distributorAwareAt) : undefined,
    };
    const day0 = awarenessDay0(facts);
    const decisions = proposeReportability(facts).map((d) => ({
      jurisdiction: d.jurisdiction,
      reportable: d.reportable,
      rationale: d.rationale,
      rules: d.rules.map((rule) => {
        const due = reportDue(rule, day0, { CN, US });
        return { ruleId: rule.id, citation: rule.citation, description: rule.description, clock: rule.clock, dueAt: due ? new Date(due.dueAt).toISOString() : undefined, dueDate: due?.dueDate };
      }),
    }));
    return c.json({ day0: new Date(day0).toISOString(), decisions });
  });

  return app;
}

