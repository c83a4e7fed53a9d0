/**
 * A complaint's whole file for auditors, mounted at /complaints:
 *
 *   GET /complaints/:id/audit        JSON: the record, the event trail, the SLA clocks, the reports to
 *                                    regulators, and the clock evidence from the Temporal workflow
 *                                    histories (timers, signals, updates, activities), with who
 *                                    generated it, when, and a SHA-256 digest of its content
 *   GET /complaints/:id/audit.html   the same as a printable, self-contained HTML document
 *
 * Read only: nothing here writes, and no endpoint anywhere edits or deletes the trail. Any
 * authenticated role may export. Personal data is in it (it is the record): `Cache-Control: no-store`.
 */
import { isGrpcServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Actor } from '../workflows/model.js';
import { requireActor, type ActorEnv } from './actor.js';
import {
  complaintDeadlines,
  digestOf,
  reportDeadlines,
  summarizeHistory,
  type DecodePayload,
  type Deadline,
  type ExportDigest,
  type WorkflowEvidence,
} from './audit-evidence.js';
import type { ApiDeps } from './deps.js';
import { withIsoInstants } from './instants.js';
import { complaintIdParam, jsonResponse, operation, problems, routesApp } from './openapi-route.js';
import { problem } from './problems.js';
import { UUID } from './request.js';
import { Responses } from './responses.js';
import { toEventView, toRecord } from './record.js';
import { renderAuditHtml } from './audit-html.js';

export const AUDIT_EXPORT_FORMAT = 'complaint-audit-export/1';

const iso = (v: Date | string | null | undefined) => (v === null || v === undefined ? undefined : new Date(v).toISOString());
const opt = <T>(v: T | null) => (v === null ? undefined : v);

export interface AuditEvent {
  seq: number;
  at: string;
  actor: { id: string; role: string };
  action: string;
  data: Record<string, unknown>;
  recordedAt: string;
}

export interface AuditClock {
  clockId: string;
  kind: string;
  cycle: number;
  status: string;
  calendarId: string;
  specs: unknown[];
  startedAt: string;
  dueAt: string;
  /** The next warning still to come, or the last one raised. */
  warnAt: string;
  warnedAt?: string;
  metAt?: string;
  breachedAt?: string;
  cancelledAt?: string;
  pauses: Array<{ from: string; to?: string }>;
  beyondCalendar: boolean;
  /** The trail's sequence number when the clock was last written. */
  updatedSeq: number;
}

export interface AuditReport {
  reportId: string;
  ruleId: string;
  jurisdiction: string;
  citation: string;
  description: string;
  day0: string;
  dueAt?: string;
  dueDate?: string;
  beyondCoverage: boolean;
  status: string;
  breachedAt?: string;
  submittedAt?: string;
  reference?: string;
  submittedBy?: string;
  events: unknown[];
}

export interface AuditExport {
  format: typeof AUDIT_EXPORT_FORMAT;
  complaintId: string;
  number: string;
  generatedAt: string;
  generatedBy: Actor;
  record: ReturnType<typeof toRecord>;
  events: AuditEvent[];
  clocks: AuditClock[];
  regulatoryReports: AuditReport[];
  /** The complaint's workflow: its timers, signals, updates, activities and child workflows. */
  workflow: WorkflowEvidence;
  /** One per regulatory report: the report workflow's legal clock, reminders and submission. */
  reportWorkflows: WorkflowEvidence[];
  digest: ExportDigest;
}

/** The export of one complaint, or undefined when there is no such complaint. */
export async function buildAuditExport(deps: ApiDeps, id: string, actor: Actor): Promise<AuditExport | undefined> {
  const { db, temporal } = deps;
  const row = await db.selectFrom('complaints').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const [eventRows, clockRows, reportRows] = await Promise.all([
    db.selectFrom('complaint_events').selectAll().where('complaint_id', '=', id).orderBy('seq').execute(),
    db.selectFrom('sla_clocks').selectAll().where('complaint_id', '=', id).orderBy('started_at').orderBy('clock_id').execute(),
    db.selectFrom('regulatory_reports').selectAll().where('complaint_id', '=', id).orderBy('day0').orderBy('report_id').execute(),
  ]);
  const decode = decoderOf(temporal);
  const [workflow, ...reportWorkflows] = await Promise.all([
    evidenceOf(temporal, id, decode, complaintDeadlines(clockRows, eventRows)),
    ...reportRows.map((r) => evidenceOf(temporal, r.report_id, decode, reportDeadlines(r.report_id, r.due_at, r.events))),
  ]);

  const body = {
    format: AUDIT_EXPORT_FORMAT,
    complaintId: row.id,
    number: row.number,
    generatedAt: new Date().toISOString(),
    generatedBy: { id: actor.id, role: actor.role },
    record: toRecord(row),
    events: eventRows.map(toEventView),
    clocks: clockRows.map((k) => ({
      clockId: k.clock_id,
      kind: k.kind,
      cycle: k.cycle,
      status: k.status,
      calendarId: k.calendar_id,
      specs: k.specs,
      startedAt: new Date(k.started_at).toISOString(),
      dueAt: new Date(k.due_at).toISOString(),
      warnAt: new Date(k.warn_at).toISOString(),
      warnedAt: iso(k.warned_at),
      metAt: iso(k.met_at),
      breachedAt: iso(k.breached_at),
      cancelledAt: iso(k.cancelled_at),
      pauses: withIsoInstants(k.pauses) as unknown as AuditClock['pauses'],
      beyondCalendar: k.beyond_calendar,
      updatedSeq: k.updated_seq,
    })),
    regulatoryReports: reportRows.map((r) => ({
      reportId: r.report_id,
      ruleId: r.rule_id,
      jurisdiction: r.jurisdiction,
      citation: r.citation,
      description: r.description,
      day0: new Date(r.day0).toISOString(),
      dueAt: iso(r.due_at),
      dueDate: opt(r.due_date),
      beyondCoverage: r.beyond_coverage,
      status: r.status,
      breachedAt: iso(r.breached_at),
      submittedAt: iso(r.submitted_at),
      reference: opt(r.submission_reference),
      submittedBy: opt(r.submitted_by),
      events: withIsoInstants(r.events),
    })),
    workflow,
    reportWorkflows,
  };
  // Exactly what goes over the wire (undefined fields dropped) is what the digest covers.
  const wire = JSON.parse(JSON.stringify(body)) as Omit<AuditExport, 'digest'>;
  return { ...wire, digest: digestOf(wire) };
}

/** Decodes the first payload with the client's own data converter (its codecs, then its converter). */
function decoderOf(temporal: Client): DecodePayload {
  const converter = temporal.options.loadedDataConverter;
  return async (payloads) => {
    const first = payloads?.payloads?.[0];
    if (!first) return undefined;
    let decoded = [first as Payload];
    for (const codec of [...converter.payloadCodecs].reverse()) decoded = await codec.decode(decoded);
    return converter.payloadConverter.fromPayload(decoded[0]);
  };
}

async function evidenceOf(temporal: Client, workflowId: string, decode: DecodePayload, deadlines: Deadline[]): Promise<WorkflowEvidence> {
  try {
    const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
    return await summarizeHistory(workflowId, history, { decode, deadlines });
  } catch (err) {
    // NOT_FOUND: past the namespace's retention (or deleted). Anything else (Temporal down) is an
    // error: an export must not claim the history is gone when it could not ask.
    if (err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && err.code === 5)) {
      return {
        workflowId,
        historyAvailable: false,
        reason: 'Temporal no longer holds this workflow’s history (past the retention period, or deleted); the record, trail and clocks in PostgreSQL are the file',
      };
    }
    throw err;
  }
}

const exportJson = createRoute({
  method: 'get',
  path: '/{id}/audit',
  ...operation({
    tag: 'audit',
    summary: "Export the complaint's whole file",
    description:
      'Record, trail, SLA clocks, regulatory reports and the clock evidence from the Temporal histories (each timer tied to the deadline it was set for), with a SHA-256 digest of the RFC 8785 canonical JSON. Not cached (`no-store`).',
    callers: 'any',
    operationId: 'exportAudit',
  }),
  middleware: [requireActor] as const,
  request: { params: complaintIdParam },
  responses: { 200: jsonResponse(Responses.AuditExport, 'The export.'), ...problems([401, 404, 503]) },
});

const exportHtml = createRoute({
  method: 'get',
  path: '/{id}/audit.html',
  ...operation({
    tag: 'audit',
    summary: 'The audit export as a printable page',
    description: 'Self-contained HTML (nothing loads or runs), the same content as the JSON export. Not cached (`no-store`).',
    callers: 'any',
    operationId: 'exportAuditHtml',
  }),
  middleware: [requireActor] as const,
  request: { params: complaintIdParam },
  responses: { 200: { description: 'The page.', content: { 'text/html': { schema: { type: 'string' } } } }, ...problems([401, 404, 503]) },
});

/** Mounted at /complaints: GET /:id/audit and GET /:id/audit.html. */
export function auditExportRoutes(deps: ApiDeps) {
  const app = routesApp();
  type Ctx = Context<ActorEnv>;
  const notFound = (c: Ctx) => problem(c, 404, 'notFound', 'No such complaint', 'no complaint with this id');
  const load = async (c: Ctx) => {
    const id = c.req.param('id') ?? '';
    return UUID.test(id) ? buildAuditExport(deps, id, c.get('actor')) : undefined;
  };

  app.openapi(exportJson, async (c) => {
    const exp = await load(c);
    if (!exp) return notFound(c);
    return c.body(JSON.stringify(exp), 200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  });

  app.openapi(exportHtml, async (c) => {
    const exp = await load(c);
    if (!exp) return notFound(c);
    return c.body(renderAuditHtml(exp), 200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // Self-contained: inline styles only; nothing may load or run, whatever a value holds.
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'content-disposition': `inline; filename="${exp.number.replace(/[^A-Za-z0-9._-]/g, '_')}-audit.html"`,
    });
  });

  return app;
}
