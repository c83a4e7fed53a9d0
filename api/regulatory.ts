/**
 * QA's desk for regulators: every report owed across complaints, soonest deadline first; one
 * report's live state; recording its submission; and a preview of what the reportability rules
 * propose for a set of facts.
 */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { recordSubmissionUpdate, reportStateQuery, type RegulatoryReportState } from '../workflows/regulatory-report-contract.js';
import { awarenessDay0, proposeReportability, reportDue } from '../workflows/rules/regulatory.js';
import { loadCalendar } from '../db/reference-data.js';
import { allow, requireActor } from './actor.js';
import { beyondPosition, encodeCursor } from './cursor.js';
import { NotConfirmedInTime, withinActionTimeout } from './deadline.js';
import type { ApiDeps } from './deps.js';
import { withIsoInstants } from './instants.js';
import { BODY_ERRORS, firstQueryValues, idempotencyHeader, jsonBody, jsonResponse, operation, pathParam, problems, readJson, routesApp } from './openapi-route.js';
import { problem } from './problems.js';
import { listCursor } from './request.js';
import { Responses } from './responses.js';
import { reportabilityFactsSchema } from '../workflows/reportability-facts.js';
import { regulatoryListQuerySchema, submissionSchema } from './schemas.js';

export const proposalSchema = z
  .strictObject({
    facts: reportabilityFactsSchema,
    companyAwareAt: z.iso.datetime({ offset: true }),
    distributorAwareAt: z.iso.datetime({ offset: true }).optional(),
  })
  .meta({ id: 'ReportabilityProposalRequest' });

/** A body the proposal takes: the API reference's example, and the tests'. */
export const PROPOSAL_EXAMPLE = {
  companyAwareAt: '2026-11-02T09:00:00+08:00',
  facts: { eventCountry: 'CN', outcome: 'serious_injury', marketedIn: ['CN', 'EU'], reporterRole: 'manufacturer', remedialActionNeeded: false },
};

const reportIdParam = (description: string) => z.object({ reportId: pathParam(description) });

const listReports = createRoute({
  method: 'get',
  path: '/',
  ...operation({
    tag: 'regulatory',
    summary: 'Reports owed to regulators',
    description: 'Soonest deadline first; `status=pending` (the default) is open and overdue.',
    callers: 'any',
    operationId: 'listRegulatoryReports',
    strictQuery: true,
  }),
  middleware: [firstQueryValues] as const,
  request: { query: regulatoryListQuerySchema },
  responses: { 200: jsonResponse(Responses.RegulatoryReportList, 'A page of reports.'), ...problems([400, 401, 503]) },
});

const readReport = createRoute({
  method: 'get',
  path: '/{reportId}',
  ...operation({ tag: 'regulatory', summary: 'Read a regulatory report', callers: 'any', operationId: 'getRegulatoryReport' }),
  request: { params: reportIdParam('The report ID, e.g. `<complaint id>:report:cn.serious`.') },
  responses: { 200: jsonResponse(Responses.RegulatoryReport, "The report's live state."), ...problems([401, 404, 503]) },
});

const recordSubmission = createRoute({
  method: 'post',
  path: '/{reportId}/submission',
  ...operation({
    tag: 'regulatory',
    summary: "Record a report's submission",
    description:
      "The regulator's reference number (and the submission time, if not now). The report is then done, on time or late. An `Idempotency-Key` makes a retry apply once.",
    callers: ['qa'],
    operationId: 'recordSubmission',
  }),
  middleware: [allow('qa'), readJson] as const,
  request: {
    params: reportIdParam('The report ID.'),
    headers: idempotencyHeader,
    body: jsonBody(submissionSchema.meta({ id: 'SubmissionRequest' }), { reference: 'NMPA-2026-004211' }),
  },
  responses: {
    200: jsonResponse(Responses.RegulatoryReport, "Recorded: the report's state."),
    ...problems(BODY_ERRORS, { 409: 'Submitted already.' }),
  },
});

const proposeReportabilityRoute = createRoute({
  method: 'post',
  path: '/proposal',
  ...operation({
    tag: 'regulatory',
    summary: 'Preview what the reportability rules propose',
    description: "For a set of facts: per jurisdiction, reportable or not, under which rules and why, with each clock's due time. Records nothing.",
    callers: ['qa', 'supervisor'],
    operationId: 'proposeReportability',
  }),
  middleware: [allow('qa', 'supervisor'), readJson] as const,
  request: { body: jsonBody(proposalSchema, PROPOSAL_EXAMPLE) },
  responses: { 200: jsonResponse(Responses.ReportabilityProposal, 'The proposal.'), ...problems([400, 401, 403, 422, 503]) },
});

/** Mounted at /regulatory-reports. */
export function regulatoryReportRoutes(deps: ApiDeps) {
  const { db, temporal } = deps;
  const app = routesApp();
  app.use('*', requireActor);

  app.openapi(listReports, async (c) => {
    const q = c.req.valid('query');
    const position = listCursor(c, q.cursor);
    if (!position.ok) return position.response;
    const { cursor } = position;
    let query = db
      .selectFrom('regulatory_reports as r')
      .leftJoin('complaints as c', 'c.id', 'r.complaint_id')
      .select(['r.report_id', 'r.complaint_id', 'r.cluster_alert_id', 'c.number', 'r.rule_id', 'r.jurisdiction', 'r.citation', 'r.description', 'r.day0', 'r.due_at', 'r.due_date', 'r.status', 'r.breached_at', 'r.submitted_at', 'r.submission_reference', 'r.beyond_coverage'])
      .where('r.due_at', 'is not', null);
    query = q.status === 'pending' ? query.where('r.status', 'in', ['open', 'overdue']) : query.where('r.status', '=', q.status);
    if (q.jurisdiction) query = query.where('r.jurisdiction', '=', q.jurisdiction);
    if (q.complaint) query = query.where('r.complaint_id', '=', q.complaint);
    if (cursor) query = query.where(beyondPosition(['r.due_at', 'r.report_id'], [new Date(cursor.at), cursor.id], 'asc'));
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
    }, 200);
  });

  app.openapi(readReport, async (c) => {
    const reportId = c.req.param('reportId');
    const row = await db.selectFrom('regulatory_reports').select(['report_id', 'events', 'status']).where('report_id', '=', reportId).executeTakeFirst();
    if (!row) return problem(c, 404, 'notFound', 'No such report', 'no regulatory report with this id');
    let state: RegulatoryReportState | undefined;
    try {
      state = await temporal.workflow.getHandle(reportId).query(reportStateQuery);
    } catch {
      state = undefined; // past the engine's retention: the stored row is the record
    }
    return c.json(state ? withIsoInstants(state) : { reportId, status: row.status, events: withIsoInstants(row.events) }, 200);
  });

  app.openapi(recordSubmission, async (c) => {
    const reportId = c.req.param('reportId');
    const body = { value: c.req.valid('json') };
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
      return c.json(withIsoInstants(state), 200);
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
  const app = routesApp();
  app.use('*', requireActor);

  /** What the rules propose for these facts, with each clock's due time; nothing is recorded. */
  app.openapi(proposeReportabilityRoute, async (c) => {
    const body = { value: c.req.valid('json') };
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
    return c.json({ day0: new Date(day0).toISOString(), decisions }, 200);
  });

  return app;
}

