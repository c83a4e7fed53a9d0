/**
 * The OpenAPI 3.1 document of the API, built from the very zod schemas the routes validate with
 * (request bodies and query strings), so the reference cannot drift from what the API accepts.
 *
 * One table, `API_ROUTES`, lists every endpoint: method, path, tag, who may call it, its schemas
 * and the statuses it answers. `test/api/openapi.test.ts` compares it with the routes the app
 * really serves: a new route without an entry here fails that test.
 *
 * Errors are RFC 9457 problem details (`application/problem+json`, see problems.ts), one shared
 * `Problem` schema for all of them.
 */
import { createRequire } from 'node:module';
import { z } from 'zod';
import { CATEGORIES, CHANNELS, DEPARTMENTS, ESCALATION_TARGETS, ROLES, SEVERITIES, STAGES, type Role } from '../workflows/model.js';
import { ACTION_RULES, type Action } from '../workflows/rules/permissions.js';
import { newTokenSchema, newUserSchema, userChangeSchema } from './admin.js';
import { CODEC_ROLES } from './codec.js';
import { clusterListQuerySchema, groupEventDecisionSchema } from './clusters.js';
import { rolesForActionPath } from './complaints.js';
import { problemTypes } from './problems.js';
import { HOLD_STATUSES, productHoldListQuerySchema, productHoldReleaseSchema, RELEASE_DECISIONS } from './product-holds.js';
import { kpiQuerySchema, MAX_REPORT_DAYS } from './reports.js';
import {
  calendarSchema,
  createComplaintSchema,
  escalationListQuerySchema,
  listQuerySchema,
  mediationOutcomeSchema,
  mediationSessionSchema,
  regulatoryListQuerySchema,
  submissionSchema,
} from './schemas.js';
import { ACTIONS, ACTION_TABLE } from '../workflows/actions.js';
import { reportabilityFactsSchema } from '../workflows/reportability-facts.js';

const updateActions = ACTION_TABLE.filter((a) => a.message === 'update');
type ActionPath = (typeof updateActions)[number]['path'];
const actionSchemas = Object.fromEntries(updateActions.map((a) => [a.path, a.body])) as Record<ActionPath, z.ZodObject>;
const escalationSchema = ACTIONS.escalate.body;

// ---- The table's vocabulary ----------------------------------------------------------------------

export const TAGS = {
  complaints: 'Filing, reading and listing complaints.',
  actions: 'One endpoint per stage action on a complaint (Temporal updates): accepted with the new state, or refused with the reason, changing nothing.',
  escalations: 'SLA breaches, warnings and escalations for supervisors, QA and management.',
  regulatory: 'Reports owed to regulators (NMPA, FDA 21 CFR 803, EU MDR) and QA\'s reportability decisions.',
  clusters: 'Possible group (cluster) adverse events, and QA\'s decision on them.',
  'product holds': 'Model and lot on hold after a quality complaint, until QA releases them.',
  calendars: 'Business calendars the SLA clocks run on.',
  reports: 'Reports across complaints.',
  audit: 'The audit trail: every event, who, when, what.',
  admin: 'Users, roles and sign-in tokens.',
  ops: 'Health and operations.',
} as const;
export type Tag = keyof typeof TAGS;

export const ERROR_STATUSES = [400, 401, 403, 404, 409, 413, 422, 503] as const;
export type ErrorStatus = (typeof ERROR_STATUSES)[number];
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Who may call an operation: named roles, any signed-in role, or anyone (no sign-in). */
export type Callers = readonly Role[] | 'any' | 'public';

export interface SuccessResponse {
  status: 200 | 201 | 202 | 204;
  description: string;
  /** Name of the component schema (see RESPONSE_SCHEMAS); without one, a text body of `mediaType`. */
  schema?: ResponseSchemaName;
  /** `application/json` unless said (e.g. `text/html`, `text/csv`). */
  mediaType?: string;
  /** Further statuses answered with the same body (e.g. 200 for an idempotent replay of a 201). */
  alsoStatuses?: Array<{ status: 200 | 201 | 202; description: string }>;
  headers?: Record<string, { description: string; schema: Record<string, unknown> }>;
}

export interface DocumentedRoute {
  method: HttpMethod;
  /** OpenAPI style: `/complaints/{id}/verify-item`. */
  path: string;
  tag: Tag;
  summary: string;
  /** What it does, beyond the summary; who may call it and the statuses are added from the fields below. */
  description?: string;
  callers: Callers;
  /** Said after the list of roles: stage limits, refusals decided by the workflow. */
  callerNote?: string;
  operationId?: string;
  /** Path parameters, by name; each `{name}` in the path needs one. */
  pathParams?: Record<string, { description: string; schema: Record<string, unknown> }>;
  /** The query schema the route parses (a zod object: one parameter per property). */
  query?: z.ZodObject;
  /** The body schema the route parses, and the component name it is published under. */
  body?: { name: string; schema: z.ZodType; example?: unknown };
  /** The route honours an `Idempotency-Key` header. */
  idempotencyKey?: boolean;
  success: SuccessResponse;
  /** Problem statuses the route answers with, and optionally what each means here. */
  errors: readonly ErrorStatus[];
  errorNotes?: Partial<Record<ErrorStatus, string>>;
  /** Refusals answered as an HTML page (not problem+json), by status. */
  htmlErrors?: Partial<Record<ErrorStatus, string>>;
  /** Non-problem responses (the health check's 503 carries its own body). */
  otherResponses?: Record<number, { description: string; schema: ResponseSchemaName }>;
}

// ---- Response bodies -------------------------------------------------------------------------------
// Hand-written: the top-level shape of each success body and the fields clients rely on. Objects are
// open (new fields may be added); instants are ISO 8601 strings.

const instant = z.string().meta({ format: 'date-time' });
const uuid = z.string().meta({ format: 'uuid' });
const actor = z.object({ id: z.string(), role: z.enum(ROLES) });
const nextCursor = z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.');
const trailEvent = z.object({
  seq: z.int(),
  at: instant,
  actor,
  action: z.string().describe('e.g. `intake.filed`, `clock.breached`, `escalated`'),
  data: z.object({}).describe('The event\'s own fields.'),
  recordedAt: instant,
});

const clock = z.object({
  id: z.string(),
  kind: z.string(),
  status: z.enum(['running', 'paused', 'met', 'breached', 'cancelled']),
  startedAt: instant,
  dueAt: instant,
  beyondCalendar: z.boolean(),
});

const complaintView = z
  .object({
    complaintId: uuid,
    number: z.string().optional(),
    stage: z.enum(STAGES),
    receivedAt: instant,
    receivedBy: actor,
    owner: z.object({ id: z.string(), department: z.enum(DEPARTMENTS).optional() }),
    intake: z.object({}),
    assessment: z.object({ category: z.enum(CATEGORIES), severity: z.enum(SEVERITIES) }).optional(),
    investigation: z.object({}),
    resolution: z.object({}),
    feedback: z.array(z.object({})),
    escalations: z.array(z.object({})),
    regulatory: z.object({ decisions: z.array(z.object({})), reports: z.array(z.object({})) }),
    productHolds: z.array(z.object({})),
    marks: z.object({ mediation: z.boolean(), regulator: z.boolean(), crisis: z.boolean(), legal: z.boolean() }),
    reopenCount: z.int(),
    clocks: z.array(clock),
    breached: z.boolean(),
    awaiting: z.array(z.string()).describe('What the case waits for next, in plain words.'),
    lastSeq: z.int(),
    history: z.array(z.object({ seq: z.int(), at: instant, actor, action: z.string() })).optional(),
  })
  .describe('The live state of a complaint, from its workflow.');

const progress = {
  stage: z.enum(STAGES),
  category: z.enum(CATEGORIES).optional(),
  severity: z.enum(SEVERITIES).optional(),
  ownerId: z.string(),
  reopenCount: z.int(),
  slaBreached: z.boolean(),
  lastEventSeq: z.int(),
};

const complaintSummary = z.object({
  complaintId: uuid,
  number: z.string(),
  receivedAt: instant,
  channel: z.enum(CHANNELS),
  device: z.object({ productName: z.string(), model: z.string().optional(), lot: z.string().optional() }),
  ...progress,
});

const productHold = z.object({
  holdId: uuid,
  productName: z.string().nullable(),
  model: z.string(),
  lot: z.string(),
  status: z.enum(HOLD_STATUSES),
  placedAt: instant,
  placedBy: actor,
  reason: z.string(),
  complaintCount: z.int(),
  releasedAt: instant.optional(),
  releaseDecision: z.enum(RELEASE_DECISIONS).optional(),
  releaseReason: z.string().optional(),
  links: z.object({ self: z.string() }),
});

const productHoldDetail = z.object({
  hold: productHold,
  complaints: z.array(z.object({ complaintId: uuid, number: z.string(), stage: z.enum(STAGES), linkedAt: instant })),
  events: z.array(trailEvent),
});

const clusterAlert = z.object({
  alertId: uuid,
  model: z.string(),
  lot: z.string(),
  status: z.enum(['open', 'confirmed', 'dismissed']),
  flaggedAt: instant,
  windowDays: z.int(),
  threshold: z.int(),
  complaintCount: z.int(),
  complaintIds: z.array(uuid),
});

const calendar = z.object({
  id: z.string(),
  name: z.string(),
  timeZone: z.string(),
  workingHours: z.array(z.object({ start: z.string(), end: z.string() })),
  weekendDays: z.array(z.int()),
  holidays: z.array(z.string()),
  makeUpWorkingDays: z.array(z.string()),
  coverage: z.object({ from: z.string(), to: z.string() }),
});

const regulatoryReportRow = z.object({
  reportId: z.string(),
  complaintId: uuid.optional(),
  complaintNumber: z.string().optional(),
  clusterAlertId: uuid.optional(),
  ruleId: z.string(),
  jurisdiction: z.enum(['CN', 'US', 'EU']),
  citation: z.string(),
  description: z.string(),
  day0: instant,
  dueAt: instant.optional(),
  dueDate: z.string().optional(),
  hoursLeft: z.int().optional(),
  status: z.string(),
  beyondCalendar: z.boolean(),
});

const regulatoryReportState = z
  .object({ reportId: z.string(), status: z.string(), events: z.array(z.object({})) })
  .describe('The report\'s live state from its workflow (rule, due time, reminders, submission, events), or the stored row once the workflow is past retention.');

/** Temporal's `Payloads` in protobuf JSON (the codec-server protocol); api/codec.ts reads it by hand. */
const codecPayloads = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), z.string().describe('base64')).optional(),
      data: z.string().describe('base64').optional(),
    }),
  ),
});

const user = z.object({ id: z.string(), displayName: z.string(), role: z.enum(ROLES), active: z.boolean(), createdAt: instant, createdBy: z.string() });

/** The shared RFC 9457 problem. */
const problemSchema = z
  .object({
    type: z.string().meta({ format: 'uri', examples: [`https://complaint-desk.dev/problems/${problemTypes.validation}`] }).describe(
      `What went wrong, as a URI: ${Object.values(problemTypes).map((t) => '`…/problems/' + t + '`').join(', ')}.`,
    ),
    title: z.string().describe('A short summary of the problem type.'),
    status: z.int().min(400).max(599).describe('The HTTP status.'),
    detail: z.string().describe('What happened, for people. Never repeats submitted values (they may be personal data).'),
    errors: z
      .array(
        z.object({
          pointer: z.string().describe('JSON pointer into the request body (`/device/lot`), or `/query/<name>`, `/header/<name>`.'),
          message: z.string(),
        }),
      )
      .optional()
      .describe('Every wrong field (400 and 422), or the missing credential (401).'),
  })
  .describe('RFC 9457 problem details. Some problems carry extension members, e.g. `complaintId` on a 503 from filing.');

export const RESPONSE_SCHEMAS = {
  Problem: problemSchema,
  Health: z.object({ status: z.enum(['ok', 'unavailable']), postgres: z.enum(['up', 'down']), temporal: z.enum(['up', 'down']) }),
  ComplaintFiled: z.object({ complaintId: uuid, number: z.string(), receivedAt: instant, links: z.object({ self: z.string() }) }),
  ComplaintList: z.object({ items: z.array(complaintSummary), nextCursor }),
  ComplaintDetail: z.object({
    record: z
      .object({
        ...complaintSummary.shape,
        complainant: z.object({ name: z.string(), role: z.string() }),
        device: z.object({ productName: z.string() }),
        event: z.object({ description: z.string(), patientHarmed: z.boolean(), inUseOnPatient: z.boolean() }),
        requestedRemedies: z.array(z.string()),
        sampleAvailable: z.boolean(),
      })
      .describe('The complaint file in PostgreSQL, shaped like the intake card.'),
    productHolds: z.array(productHold).describe('Holds on the complaint\'s model and lot, whichever complaint placed them.'),
    state: complaintView.nullable().describe('Null once the workflow is past the engine\'s retention: the record is then the file.'),
    live: z.boolean(),
  }),
  ComplaintEvents: z.object({ items: z.array(trailEvent) }),
  ComplaintState: z.object({ state: complaintView }),
  EscalationAccepted: z.object({ accepted: z.literal(true), target: z.enum(ESCALATION_TARGETS) }),
  Mediation: z.object({
    mediation: z.object({ mediationId: z.string(), complaintId: uuid, body: z.string(), startedAt: instant, deadlineAt: instant, sessions: z.array(z.object({})) }),
  }),
  EscalationList: z.object({
    items: z.array(
      z.object({
        complaintId: uuid,
        number: z.string(),
        stage: z.enum(STAGES),
        ownerId: z.string(),
        kind: z.enum(['breach', 'warning', 'escalation', 'regulatory', 'cluster']),
        level: z.union([z.string(), z.array(z.string())]).describe('Who must act: supervisor, qa or management.'),
        at: instant,
        by: actor,
      }),
    ),
    nextCursor,
  }),
  Calendar: calendar,
  CalendarCorrected: z.object({ calendar, openComplaintsNotified: z.int() }),
  ClusterList: z.object({ items: z.array(clusterAlert), nextCursor }),
  ClusterDetail: z.object({
    alert: clusterAlert,
    complaints: z.array(z.object({ complaintId: uuid })),
    events: z.array(trailEvent),
    reports: z.array(z.object({ reportId: z.string(), ruleId: z.string(), status: z.string() })),
  }),
  ClusterDecision: z.object({ alert: z.object({ alertId: uuid, status: z.enum(['open', 'confirmed', 'dismissed']) }) }),
  ProductHoldList: z.object({ items: z.array(productHold), nextCursor }),
  ProductHoldDetail: productHoldDetail,
  ProductHoldReleased: z.object({
    ...productHoldDetail.shape,
    notifications: z
      .object({ signalled: z.array(uuid), notRunning: z.array(uuid), failed: z.array(uuid) })
      .describe('Which linked complaints\' workflows were told of the release.'),
  }),
  RegulatoryReportList: z.object({ items: z.array(regulatoryReportRow), nextCursor }),
  RegulatoryReport: regulatoryReportState,
  AuditExport: z
    .object({
      format: z.string(),
      complaintId: uuid,
      number: z.string(),
      generatedAt: instant,
      generatedBy: actor,
      record: z.object({ complaintId: uuid, number: z.string(), stage: z.enum(STAGES) }),
      events: z.array(z.object({ seq: z.int(), at: instant, actor, action: z.string() })),
      clocks: z.array(z.object({})),
      regulatoryReports: z.array(z.object({})),
      workflow: z.object({}).describe('Evidence from the complaint workflow\'s Temporal history: timers, signals, updates, activities, child workflows.'),
      reportWorkflows: z.array(z.object({})),
      digest: z.object({}).describe('SHA-256 of the RFC 8785 canonical JSON of the export.'),
    })
    .describe('The whole file of one complaint, for auditors.'),
  KpiReport: z.object({
    period: z.object({ from: instant, to: instant, timeZone: z.string(), interval: z.string(), definition: z.string() }),
    filters: z.object({ category: z.string().nullable(), model: z.string().nullable(), lot: z.string().nullable() }),
    targets: z.object({}),
    sla: z.object({ definition: z.string(), overall: z.object({}), byCategory: z.array(z.object({})), byKind: z.array(z.object({})) }),
    stages: z.object({ definition: z.string(), items: z.array(z.object({})) }),
    satisfaction: z.object({ feedback: z.object({}), revisit: z.object({}) }),
    resolution: z.object({ definition: z.string() }),
    volume: z.object({}),
  }),
  CodecPayloads: codecPayloads,
  Me: z.object({ actor }),
  User: user,
  UserList: z.object({ items: z.array(user) }),
  TokenList: z.object({
    items: z.array(
      z.object({ tokenId: uuid, label: z.string(), createdAt: instant, createdBy: z.string(), expiresAt: instant.optional(), revokedAt: instant.optional(), revokedBy: z.string().optional() }),
    ),
  }),
  IssuedToken: z
    .object({ tokenId: uuid, token: z.string().describe('Shown once, here: store it like a password.'), userId: z.string(), label: z.string(), expiresAt: instant.optional(), role: z.enum(ROLES) })
    .describe('The token is in this answer and nowhere else: it is stored hashed.'),
  TokenRevoked: z.object({ tokenId: uuid, revoked: z.literal(true) }),
  ReportabilityProposal: z.object({
    day0: instant,
    decisions: z.array(
      z.object({
        jurisdiction: z.enum(['CN', 'US', 'EU']),
        reportable: z.boolean(),
        rationale: z.string(),
        rules: z.array(z.object({ ruleId: z.string(), citation: z.string(), description: z.string(), dueAt: instant.optional(), dueDate: z.string().optional() })),
      }),
    ),
  }),
} satisfies Record<string, z.ZodType>;
export type ResponseSchemaName = keyof typeof RESPONSE_SCHEMAS;

// ---- Request bodies that live outside schemas.ts ---------------------------------------------------

/**
 * POST /reportability/proposal. api/regulatory.ts keeps its `proposalSchema` unexported; this is
 * the same definition, checked against the route by the test. Replace it with the route's own
 * once it is exported.
 */
export const reportabilityProposalSchema = z.strictObject({
  facts: reportabilityFactsSchema,
  companyAwareAt: z.iso.datetime({ offset: true }),
  distributorAwareAt: z.iso.datetime({ offset: true }).optional(),
});

// ---- The route table ------------------------------------------------------------------------------

const userIdParam = { id: { description: 'The user ID, e.g. `agent-li`.', schema: { type: 'string' } } };
const complaintId = { id: { description: 'The complaint ID (a UUID, from filing).', schema: { type: 'string', format: 'uuid' } } };
const BODY_ERRORS = [400, 401, 403, 404, 409, 422, 503] as const;
const STATE: SuccessResponse = { status: 200, description: 'Applied: the new state, already on file in PostgreSQL.', schema: 'ComplaintState' };
const idempotentAction =
  'An `Idempotency-Key` makes a retried action apply once. A 503 means the workflow did not confirm in time (the worker is down): the action may still be applied; retry with the same key.';

/** Each stage action path and the permission rule (workflows/rules/permissions.ts) the workflow checks. */
const ACTION_OF_PATH = {
  'verify-complainant': 'verifyComplainant',
  'verify-item': 'verifyItem',
  contacts: 'recordContact',
  acknowledgement: 'acknowledge',
  'complete-intake': 'completeIntake',
  assessment: 'assess',
  responses: 'respond',
  findings: 'recordFinding',
  'root-cause': 'setRootCause',
  'waive-investigation': 'waiveInvestigation',
  'await-customer': 'awaitCustomer',
  'customer-response': 'customerResponded',
  'complete-investigation': 'completeInvestigation',
  remedy: 'proposeRemedy',
  'remedy-approval': 'approveRemedy',
  'customer-decision': 'recordCustomerDecision',
  feedback: 'recordFeedback',
  revisit: 'recordRevisit',
  withdrawal: 'withdraw',
  assignment: 'reassign',
  notes: 'addNote',
  'breach-answers': 'answerBreach',
  reportability: 'decideReportability',
  'legal-closure': 'closeLegalRoute',
} as const satisfies Record<ActionPath, Action>;

/** What each stage action does (summary, then more). Every key of actionSchemas needs one. */
const ACTION_DOCS: Record<ActionPath, { summary: string; description?: string; tag?: Tag; example?: unknown; note?: string }> = {
  'verify-complainant': { summary: 'Verify the complainant', description: 'Records how the complainant\'s identity was checked (one of the three intake verifications).', example: { method: 'called back on the hospital switchboard' } },
  'verify-item': { summary: 'Verify the item', description: 'Records the item checks: product, specification, lot, expiry and maker.', example: { checks: { product: true, specification: true, lot: true, expiry: true, manufacturer: true } } },
  contacts: { summary: 'Record a contact with the complainant', description: 'The first one meets the first-contact clock.', example: { channel: 'phone', summary: 'explained the next steps' } },
  acknowledgement: { summary: 'Send the acknowledgement', description: 'With the expected resolution date (computed when not given); meets the acknowledgement clock.', example: { channel: 'email' } },
  'complete-intake': { summary: 'Complete intake', description: 'Refused (409, with what is missing) until the verifications and the first contact are recorded.', example: {} },
  assessment: {
    summary: 'Assess (or re-assess) the complaint',
    description: 'Category, severity, patient safety, suspected adverse event, reasonableness, department and owner; the category starts its clocks. Patient safety or a suspected adverse event makes it highest priority and never less than *major*.',
    note: 'In assessment: agent or supervisor. In investigation or resolution this is a re-assessment, a supervisor\'s call, and recomputes the open clocks.',
    example: { category: 'product_performance', severity: 'major', patientSafety: false, suspectedAdverseEvent: false, reasonable: true, department: 'quality', ownerId: 'handler-chen' },
  },
  responses: { summary: 'Record a response to the complainant', description: 'The first one meets the first-response clock.' },
  findings: { summary: 'Record a department\'s finding', description: 'With its evidence references; the first meets the preliminary-verification clock.' },
  'root-cause': { summary: 'Set the root cause' },
  'waive-investigation': { summary: 'Waive the investigation', description: 'Skipping the investigation needs a recorded reason and who decided (ISO 13485 / FDA).' },
  'await-customer': { summary: 'Wait for the customer', description: 'Pauses the service clocks until the customer responds.' },
  'customer-response': { summary: 'The customer responded', description: 'Resumes the clocks paused by await-customer.' },
  'complete-investigation': { summary: 'Complete the investigation', description: 'Needs a finding and a root cause (or a waiver).' },
  remedy: { summary: 'Propose a remedy', description: 'The supervisor approves it before the customer is told.' },
  'remedy-approval': { summary: 'Approve (or reject) the proposed remedy', description: 'Approval meets the resolution clock.' },
  'customer-decision': { summary: 'Record the customer\'s decision on the remedy', description: 'Accepted goes on to feedback; rejected calls for a new proposal or mediation.' },
  feedback: { summary: 'Record the customer\'s satisfaction', description: 'Dissatisfied reopens the investigation with a new resolution clock.' },
  revisit: { summary: 'Record the revisit', description: 'Refused (409) until the revisit falls due; its outcome closes the case.' },
  withdrawal: { summary: 'Withdraw the complaint', description: 'At any open stage, with a reason; every open clock is stopped.' },
  assignment: { summary: 'Reassign the complaint', description: 'A new owner (and department), with a reason.' },
  notes: { summary: 'Add a note' },
  'breach-answers': { summary: 'Answer an SLA breach', description: 'What is being done about it; an unanswered breach goes up to management after the policy\'s time (4 hours by default).', tag: 'escalations' },
  reportability: {
    summary: 'Decide reportability to regulators',
    description: 'QA\'s decision per jurisdiction (CN, US, EU) on the facts given: confirms the rules\' proposal, or departs from it with a `reason`. Starts (or tightens) the report clocks.',
    tag: 'regulatory',
  },
  'legal-closure': { summary: 'Close a case on the legal route', description: 'With the legal outcome.' },
};

function actionRoutes(): DocumentedRoute[] {
  return (Object.keys(actionSchemas) as ActionPath[]).map((path) => {
    const action = ACTION_OF_PATH[path];
    const docs = ACTION_DOCS[path];
    const rule = ACTION_RULES[action];
    // The roles the route enforces at the edge (403 before the body is read); the workflow checks the stage.
    const roles = ROLES.filter((r) => rolesForActionPath(path).includes(r));
    const stages = path === 'assessment' ? [...rule.stages, ...ACTION_RULES.reassess.stages] : rule.stages;
    return {
      method: 'post',
      path: `/complaints/{id}/${path}`,
      tag: docs.tag ?? 'actions',
      summary: docs.summary,
      operationId: action,
      description: [docs.description, `Allowed in the stages: ${stages.join(', ')}; in any other the answer is 409 with the reason.`, idempotentAction]
        .filter(Boolean)
        .join('\n\n'),
      callers: roles,
      callerNote: docs.note,
      pathParams: complaintId,
      body: { name: pascal(path) + 'Request', schema: actionSchemas[path], example: docs.example },
      idempotencyKey: true,
      success: STATE,
      errors: BODY_ERRORS,
      errorNotes: { 409: 'Not allowed in the complaint\'s stage or state (the detail says why), or the complaint is closed.' },
    };
  });
}

const CORE_ROUTES: readonly DocumentedRoute[] = [
  // ---- ops
  {
    method: 'get',
    path: '/healthz',
    tag: 'ops',
    summary: 'Health check',
    description: '200 only when both systems of record (PostgreSQL and Temporal) answer.',
    callers: 'public',
    operationId: 'health',
    success: { status: 200, description: 'Both answer.', schema: 'Health' },
    errors: [],
    otherResponses: { 503: { description: 'PostgreSQL or Temporal is down (named in the body).', schema: 'Health' } },
  },
  // ---- complaints
  {
    method: 'post',
    path: '/complaints',
    tag: 'complaints',
    summary: 'File a complaint',
    description:
      'Starts the complaint\'s workflow and writes its intake record. With an `Idempotency-Key`, a retry files it once: the same key with the same body answers 200 with the same complaint; with another body, 409.',
    callers: ACTION_RULES.verifyComplainant.roles,
    operationId: 'fileComplaint',
    body: {
      name: 'FileComplaintRequest',
      schema: createComplaintSchema,
      example: {
        channel: 'phone',
        complainant: { name: 'Zhang Wei', role: 'clinician', organisation: 'Riverside General Hospital', phone: '+86 139 1234 5678' },
        device: { productName: 'Volumetric infusion pump', model: 'VIP-200', lot: 'L2026-0917', serialNumber: 'SN-000917-44', manufacturer: 'Acme Medical' },
        event: { description: 'Pump stopped mid-infusion with a false occlusion alarm', country: 'CN', patientHarmed: false, inUseOnPatient: true },
        requestedRemedies: ['repair'],
        sampleAvailable: true,
      },
    },
    idempotencyKey: true,
    success: {
      status: 201,
      description: 'Filed.',
      schema: 'ComplaintFiled',
      alsoStatuses: [{ status: 200, description: 'Already filed with this Idempotency-Key and the same body: the same complaint.' }],
      headers: { Location: { description: 'The complaint\'s URL.', schema: { type: 'string' } } },
    },
    errors: [400, 401, 403, 409, 422, 503],
    errorNotes: {
      409: 'This Idempotency-Key was used for a different complaint.',
      503: 'Accepted by the workflow engine but not yet filed (the worker is down); `complaintId` names it. Retry with the same Idempotency-Key to get its number.',
    },
  },
  {
    method: 'get',
    path: '/complaints',
    tag: 'complaints',
    summary: 'List complaints',
    description:
      'Newest first (or `sort=oldest`), with cursor paging. Filters are facts of the case, never personal data; list rows leave the complainant out. `receivedFrom` must not be after `receivedTo`.',
    callers: 'any',
    operationId: 'listComplaints',
    query: listQuerySchema,
    success: { status: 200, description: 'A page of complaints.', schema: 'ComplaintList' },
    errors: [400, 401, 503],
  },
  {
    method: 'get',
    path: '/complaints/{id}',
    tag: 'complaints',
    summary: 'Read a complaint',
    description: 'The record and the live state (stage, owner, clocks with due times, what is awaited, history), and the product holds on its lot.',
    callers: 'any',
    operationId: 'getComplaint',
    pathParams: complaintId,
    success: { status: 200, description: 'The complaint.', schema: 'ComplaintDetail' },
    errors: [401, 404, 503],
  },
  {
    method: 'get',
    path: '/complaints/{id}/audit',
    tag: 'audit',
    summary: 'Export the complaint\'s whole file',
    description:
      'Record, trail, SLA clocks, regulatory reports and the clock evidence from the Temporal histories (each timer tied to the deadline it was set for), with a SHA-256 digest of the RFC 8785 canonical JSON. Not cached (`no-store`).',
    callers: 'any',
    operationId: 'exportAudit',
    pathParams: complaintId,
    success: { status: 200, description: 'The export.', schema: 'AuditExport' },
    errors: [401, 404, 503],
  },
  {
    method: 'get',
    path: '/complaints/{id}/audit.html',
    tag: 'audit',
    summary: 'The audit export as a printable page',
    description: 'Self-contained HTML (nothing loads or runs), the same content as the JSON export. Not cached (`no-store`).',
    callers: 'any',
    operationId: 'exportAuditHtml',
    pathParams: complaintId,
    success: { status: 200, description: 'The page.', mediaType: 'text/html' },
    errors: [401, 404, 503],
  },
  {
    method: 'get',
    path: '/complaints/{id}/events',
    tag: 'audit',
    summary: 'The complaint\'s audit trail',
    description: 'Every event on the complaint from PostgreSQL (append-only): sequence, time, actor, action, data.',
    callers: 'any',
    operationId: 'listComplaintEvents',
    pathParams: complaintId,
    success: { status: 200, description: 'The trail, oldest first.', schema: 'ComplaintEvents' },
    errors: [401, 404, 503],
  },
  // ---- one entry per stage action
  ...actionRoutes(),
  {
    method: 'post',
    path: '/complaints/{id}/escalations',
    tag: 'escalations',
    summary: 'Escalate a complaint',
    description:
      'A supervisor\'s escalation (a signal to the workflow, answered 202): `target` supervisor, mediation (with `mediator`, `deadlineDays`, 30 by default) or regulator (with an optional `ruleId` to start that report at once). It is recorded and marks the case.',
    callers: ACTION_RULES.escalate.roles,
    operationId: 'escalate',
    pathParams: complaintId,
    body: { name: 'EscalationRequest', schema: escalationSchema, example: { target: 'mediation', reason: 'customer disputes the remedy' } },
    success: { status: 202, description: 'Accepted: the workflow records it.', schema: 'EscalationAccepted' },
    errors: [400, 401, 403, 404, 409, 422, 503],
    errorNotes: { 409: 'The complaint is closed or withdrawn.' },
  },
  {
    method: 'post',
    path: '/complaints/{id}/mediation/sessions',
    tag: 'actions',
    summary: 'Record a mediation session',
    description: 'On a complaint in mediation; the service clocks wait meanwhile.',
    callers: ['agent', 'supervisor'],
    operationId: 'recordMediationSession',
    pathParams: complaintId,
    body: { name: 'MediationSessionRequest', schema: mediationSessionSchema },
    success: { status: 200, description: 'Recorded: the mediation\'s state.', schema: 'Mediation' },
    errors: BODY_ERRORS,
    errorNotes: { 409: 'The complaint is not in mediation.' },
  },
  {
    method: 'post',
    path: '/complaints/{id}/mediation/outcome',
    tag: 'actions',
    summary: 'Record the mediation\'s outcome',
    description: 'Settled (with the agreed remedy, which becomes the resolution; the case goes on to feedback) or failed (the legal route).',
    callers: ['supervisor'],
    operationId: 'recordMediationOutcome',
    pathParams: complaintId,
    body: { name: 'MediationOutcomeRequest', schema: mediationOutcomeSchema },
    success: { status: 200, description: 'Recorded: the mediation\'s state.', schema: 'Mediation' },
    errors: BODY_ERRORS,
    errorNotes: { 409: 'The complaint is not in mediation.' },
  },
  // ---- escalations
  {
    method: 'get',
    path: '/escalations',
    tag: 'escalations',
    summary: 'What people above the desk must act on',
    description: 'SLA breaches and warnings, escalations, overdue regulatory reports and possible group events, newest first: `kind` breach, warning, escalation, regulatory, cluster; `level` supervisor, qa, management.',
    callers: 'any',
    operationId: 'listEscalations',
    query: escalationListQuerySchema,
    success: { status: 200, description: 'A page of alerts.', schema: 'EscalationList' },
    errors: [400, 401, 503],
  },
  // ---- calendars
  {
    method: 'get',
    path: '/calendars/{id}',
    tag: 'calendars',
    summary: 'Read a business calendar',
    callers: 'any',
    operationId: 'getCalendar',
    pathParams: { id: { description: 'The calendar ID, e.g. `CN`, `US-FED`.', schema: { type: 'string' } } },
    success: { status: 200, description: 'The calendar.', schema: 'Calendar' },
    errors: [401, 404, 503],
  },
  {
    method: 'put',
    path: '/calendars/{id}',
    tag: 'calendars',
    summary: 'Correct (or add) a business calendar',
    description: 'Saved, then every open complaint on it recomputes its open clocks from their start; the recomputation is on each complaint\'s record.',
    callers: ['admin'],
    operationId: 'putCalendar',
    pathParams: { id: { description: 'The calendar ID, e.g. `CN`, `US-FED`.', schema: { type: 'string' } } },
    body: { name: 'CalendarRequest', schema: calendarSchema },
    success: { status: 200, description: 'Saved; the open complaints were told.', schema: 'CalendarCorrected' },
    errors: [400, 401, 403, 422, 503],
  },
  // ---- clusters
  {
    method: 'get',
    path: '/clusters',
    tag: 'clusters',
    summary: 'List possible group events',
    callers: 'any',
    operationId: 'listClusters',
    query: clusterListQuerySchema,
    success: { status: 200, description: 'A page of alerts, newest first.', schema: 'ClusterList' },
    errors: [400, 401, 503],
  },
  {
    method: 'get',
    path: '/clusters/{id}',
    tag: 'clusters',
    summary: 'Read a possible group event',
    description: 'The alert, its member complaints, its trail and the regulatory reports it started.',
    callers: 'any',
    operationId: 'getCluster',
    pathParams: { id: { description: 'The alert ID (a UUID).', schema: { type: 'string', format: 'uuid' } } },
    success: { status: 200, description: 'The alert.', schema: 'ClusterDetail' },
    errors: [401, 404, 503],
  },
  ...(['confirmation', 'dismissal'] as const).map(
    (decision): DocumentedRoute => ({
      method: 'post',
      path: `/clusters/{id}/${decision}`,
      tag: 'clusters',
      summary: decision === 'confirmation' ? 'Confirm a group adverse event' : 'Dismiss a possible group event',
      description:
        (decision === 'confirmation'
          ? 'Starts the group-event clocks (12-hour notice, 7-day investigation report) and a 24-hour individual report for each member complaint.'
          : 'Records why it is not a group event.') + ' An `Idempotency-Key` makes a retry apply once.',
      callers: ['qa'],
      operationId: decision === 'confirmation' ? 'confirmCluster' : 'dismissCluster',
      pathParams: { id: { description: 'The alert ID (a UUID).', schema: { type: 'string', format: 'uuid' } } },
      body: { name: 'GroupEventDecisionRequest', schema: groupEventDecisionSchema, example: { reason: decision === 'confirmation' ? 'same fault on three pumps of one lot' : 'three unrelated faults' } },
      idempotencyKey: true,
      success: { status: 200, description: 'Decided: the alert.', schema: 'ClusterDecision' },
      errors: BODY_ERRORS,
      errorNotes: { 409: 'The alert is confirmed or dismissed already.' },
    }),
  ),
  // ---- product holds
  {
    method: 'get',
    path: '/product-holds',
    tag: 'product holds',
    summary: 'List product holds',
    callers: 'any',
    operationId: 'listProductHolds',
    query: productHoldListQuerySchema,
    success: { status: 200, description: 'A page of holds, newest first.', schema: 'ProductHoldList' },
    errors: [400, 401, 503],
  },
  {
    method: 'get',
    path: '/product-holds/{id}',
    tag: 'product holds',
    summary: 'Read a product hold',
    description: 'The hold, the complaints linked to it and its trail.',
    callers: 'any',
    operationId: 'getProductHold',
    pathParams: { id: { description: 'The hold ID (a UUID).', schema: { type: 'string', format: 'uuid' } } },
    success: { status: 200, description: 'The hold.', schema: 'ProductHoldDetail' },
    errors: [401, 404, 503],
  },
  {
    method: 'post',
    path: '/product-holds/{id}/release',
    tag: 'product holds',
    summary: 'Release a product hold',
    description: 'With a decision (release, scrap, rework, return to supplier) and a reason; every linked complaint is told.',
    callers: ['qa'],
    operationId: 'releaseProductHold',
    pathParams: { id: { description: 'The hold ID (a UUID).', schema: { type: 'string', format: 'uuid' } } },
    body: { name: 'ProductHoldReleaseRequest', schema: productHoldReleaseSchema, example: { decision: 'release', reason: 'retest of 20 retained units passed' } },
    success: { status: 200, description: 'Released.', schema: 'ProductHoldReleased' },
    errors: [400, 401, 403, 404, 409, 422, 503],
    errorNotes: { 409: 'Released already (`releasedAt`, `releaseDecision` say when and how).' },
  },
  // ---- regulatory
  {
    method: 'get',
    path: '/regulatory-reports',
    tag: 'regulatory',
    summary: 'Reports owed to regulators',
    description: 'Soonest deadline first; `status=pending` (the default) is open and overdue.',
    callers: 'any',
    operationId: 'listRegulatoryReports',
    query: regulatoryListQuerySchema,
    success: { status: 200, description: 'A page of reports.', schema: 'RegulatoryReportList' },
    errors: [400, 401, 503],
  },
  {
    method: 'get',
    path: '/regulatory-reports/{reportId}',
    tag: 'regulatory',
    summary: 'Read a regulatory report',
    callers: 'any',
    operationId: 'getRegulatoryReport',
    pathParams: { reportId: { description: 'The report ID, e.g. `<complaint id>:report:cn.serious`.', schema: { type: 'string' } } },
    success: { status: 200, description: 'The report\'s live state.', schema: 'RegulatoryReport' },
    errors: [401, 404, 503],
  },
  {
    method: 'post',
    path: '/regulatory-reports/{reportId}/submission',
    tag: 'regulatory',
    summary: 'Record a report\'s submission',
    description: 'The regulator\'s reference number (and the submission time, if not now). The report is then done, on time or late. An `Idempotency-Key` makes a retry apply once.',
    callers: ['qa'],
    operationId: 'recordSubmission',
    pathParams: { reportId: { description: 'The report ID.', schema: { type: 'string' } } },
    body: { name: 'SubmissionRequest', schema: submissionSchema, example: { reference: 'NMPA-2026-004211' } },
    idempotencyKey: true,
    success: { status: 200, description: 'Recorded: the report\'s state.', schema: 'RegulatoryReport' },
    errors: BODY_ERRORS,
    errorNotes: { 409: 'Submitted already.' },
  },
  {
    method: 'post',
    path: '/reportability/proposal',
    tag: 'regulatory',
    summary: 'Preview what the reportability rules propose',
    description: 'For a set of facts: per jurisdiction, reportable or not, under which rules and why, with each clock\'s due time. Records nothing.',
    callers: ['qa', 'supervisor'],
    operationId: 'proposeReportability',
    body: {
      name: 'ReportabilityProposalRequest',
      schema: reportabilityProposalSchema,
      example: {
        companyAwareAt: '2026-11-02T09:00:00+08:00',
        facts: { eventCountry: 'CN', outcome: 'serious_injury', marketedIn: ['CN', 'EU'], reporterRole: 'manufacturer', remedialActionNeeded: false },
      },
    },
    success: { status: 200, description: 'The proposal.', schema: 'ReportabilityProposal' },
    errors: [400, 401, 403, 422, 503],
  },
  // ---- reports
  {
    method: 'get',
    path: '/reports/kpis',
    tag: 'reports',
    summary: 'KPI report over a period',
    description: `SLA compliance per category and clock kind, median and p90 time per stage, satisfaction, successful resolution and reopen rate, and complaint volumes (by category, model and lot, per day, week or month in Asia/Shanghai), with the service targets beside them and each figure's definition. \`from\` and \`to\` are dates (YYYY-MM-DD, whole days in Asia/Shanghai, both included) or date-times with an offset (from included, to excluded); the period spans at most ${MAX_REPORT_DAYS} days.`,
    callers: 'any',
    operationId: 'kpiReport',
    query: kpiQuerySchema,
    success: { status: 200, description: 'The report.', schema: 'KpiReport' },
    errors: [400, 401, 503],
  },
  // ---- sign-in and admin
  {
    method: 'get',
    path: '/me',
    tag: 'admin',
    summary: 'Who am I',
    description: 'The user and role the credentials in hand sign in as.',
    callers: 'any',
    operationId: 'me',
    success: { status: 200, description: 'The actor.', schema: 'Me' },
    errors: [401, 503],
  },
  {
    method: 'get',
    path: '/admin/users',
    tag: 'admin',
    summary: 'List users',
    callers: ['admin'],
    operationId: 'listUsers',
    success: { status: 200, description: 'Every user, by id.', schema: 'UserList' },
    errors: [401, 403, 503],
  },
  {
    method: 'post',
    path: '/admin/users',
    tag: 'admin',
    summary: 'Create a user',
    description: 'With one role. Sign-in is by tokens issued to the user afterwards.',
    callers: ['admin'],
    operationId: 'createUser',
    body: { name: 'NewUserRequest', schema: newUserSchema, example: { id: 'agent-li', displayName: 'Li Ming', role: 'agent' } },
    success: { status: 201, description: 'Created.', schema: 'User' },
    errors: [400, 401, 403, 409, 422, 503],
    errorNotes: { 409: 'A user with this id exists already.' },
  },
  {
    method: 'patch',
    path: '/admin/users/{id}',
    tag: 'admin',
    summary: 'Change a user',
    description: 'Role, display name, or active (a deactivated user\'s tokens sign nobody in).',
    callers: ['admin'],
    operationId: 'updateUser',
    pathParams: userIdParam,
    body: { name: 'UserChangeRequest', schema: userChangeSchema, example: { active: false } },
    success: { status: 200, description: 'Changed.', schema: 'User' },
    errors: [400, 401, 403, 404, 422, 503],
  },
  {
    method: 'get',
    path: '/admin/users/{id}/tokens',
    tag: 'admin',
    summary: 'List a user\'s tokens',
    description: 'Their labels and dates; never the tokens themselves (stored hashed).',
    callers: ['admin'],
    operationId: 'listTokens',
    pathParams: userIdParam,
    success: { status: 200, description: 'Newest first.', schema: 'TokenList' },
    errors: [401, 403, 404, 503],
  },
  {
    method: 'post',
    path: '/admin/users/{id}/tokens',
    tag: 'admin',
    summary: 'Issue a token',
    description: 'The token is shown once, in this answer (`Cache-Control: no-store`).',
    callers: ['admin'],
    operationId: 'issueToken',
    pathParams: userIdParam,
    body: { name: 'NewTokenRequest', schema: newTokenSchema, example: { label: 'desk 7', expiresInDays: 90 } },
    success: { status: 201, description: 'Issued.', schema: 'IssuedToken' },
    errors: [400, 401, 403, 404, 409, 422, 503],
    errorNotes: { 409: 'The user is deactivated.' },
  },
  {
    method: 'post',
    path: '/admin/tokens/{tokenId}/revocation',
    tag: 'admin',
    summary: 'Revoke a token',
    description: 'From now on it signs nobody in. No body.',
    callers: ['admin'],
    operationId: 'revokeToken',
    pathParams: { tokenId: { description: 'The token\'s ID (a UUID; not the token).', schema: { type: 'string', format: 'uuid' } } },
    success: { status: 200, description: 'Revoked.', schema: 'TokenRevoked' },
    errors: [401, 403, 404, 503],
    errorNotes: { 404: 'No such token, or revoked already.' },
  },
];

/**
 * The codec endpoint (api/codec.ts) for the Temporal Web UI and CLI, mounted at /codec.
 */
export const CODEC_ROUTES: readonly DocumentedRoute[] = (['encode', 'decode'] as const).flatMap((direction) =>
  ['/codec', '/codec/{namespace}'].map(
    (prefix): DocumentedRoute => ({
      method: 'post',
      path: `${prefix}/${direction}`,
      tag: 'ops',
      summary: direction === 'decode' ? 'Decode workflow payloads' : 'Encode workflow payloads',
      description:
        'Temporal\'s codec-server protocol, for the Web UI (CORS for its origin) and `temporal --codec-endpoint`. ' +
        (prefix === '/codec' ? 'The UI may name the namespace in `X-Namespace`; it is not needed.' : 'The namespace in the path is accepted and not needed (one set of keys).') +
        ' Decoded payloads are personal data: never cached (`no-store`).',
      callers: CODEC_ROLES,
      operationId: `${direction}Payloads${prefix === '/codec' ? '' : 'InNamespace'}`,
      pathParams: prefix === '/codec' ? undefined : { namespace: { description: 'The Temporal namespace (ignored).', schema: { type: 'string' } } },
      body: { name: 'CodecPayloadsRequest', schema: codecPayloads, example: { payloads: [] } },
      success: { status: 200, description: `The payloads, ${direction}d.`, schema: 'CodecPayloads' },
      errors: [400, 401, 403, 413, 503],
      errorNotes: { 400: 'Not JSON, not `{"payloads": [...]}`, a payload not in protobuf JSON, or payloads the codec cannot ' + direction + ' (e.g. an unknown key id).' },
    }),
  ),
);

/** Signing a browser in for the codec, so the Temporal Web UI can decode (it sends cookies, not tokens). */
const CODEC_SESSION_ROUTES: readonly DocumentedRoute[] = [
  {
    method: 'get',
    path: '/codec-session',
    tag: 'ops',
    summary: 'Codec sign-in page',
    description: 'A page where a supervisor, QA officer or admin pastes their token to let this browser decode payloads in the Temporal Web UI.',
    callers: 'public',
    operationId: 'codecSessionPage',
    success: { status: 200, description: 'The page.', mediaType: 'text/html' },
    errors: [],
  },
  {
    method: 'post',
    path: '/codec-session',
    tag: 'ops',
    summary: 'Sign this browser in for the codec',
    description:
      'Form field `token` (application/x-www-form-urlencoded): a token of a supervisor, QA officer or admin. Sets an HttpOnly, SameSite=Lax cookie for `/codec`, valid 8 hours, which the Web UI sends when *Include cross-origin credentials* is on. An unknown, revoked or expired token answers 401, a token of another role 403, each as an HTML page.',
    callers: 'public',
    operationId: 'codecSessionSignIn',
    success: { status: 200, description: 'Signed in; the page says as whom.', mediaType: 'text/html' },
    htmlErrors: { 401: 'The token is unknown, revoked or expired (an HTML page).', 403: 'The token is of another role (an HTML page).' },
    errors: [],
  },
  {
    method: 'delete',
    path: '/codec-session',
    tag: 'ops',
    summary: 'Sign this browser out of the codec',
    callers: 'public',
    operationId: 'codecSessionSignOut',
    success: { status: 204, description: 'The cookie is cleared.' },
    errors: [],
  },
];

/** Every endpoint the app serves (the docs routes excepted): the table the document is built from. */
export const API_ROUTES: readonly DocumentedRoute[] = [...CORE_ROUTES, ...CODEC_ROUTES, ...CODEC_SESSION_ROUTES];

// ---- Building the document -------------------------------------------------------------------------

type Json = Record<string, unknown>;

/**
 * The X-Actor-Id / X-Actor-Role headers: documented as a deprecated way to sign in while
 * api/actor.ts reads them (the switch-over to bearer tokens). It no longer does, so they are only
 * mentioned as gone. The test checks this flag against what the API really accepts.
 */
export const DOCUMENT_DEPRECATED_ACTOR_HEADERS: boolean = false;

const PROBLEM_RESPONSES: Record<ErrorStatus, { name: string; description: string }> = {
  400: { name: 'BadRequest', description: 'Malformed JSON, or a wrong query parameter (each listed in `errors` with its pointer, `/query/<name>`).' },
  401: { name: 'Unauthorized', description: 'No valid credentials: send `Authorization: Bearer <token>`.' },
  403: { name: 'Forbidden', description: 'Not allowed for your role.' },
  404: { name: 'NotFound', description: 'No such resource.' },
  409: { name: 'Conflict', description: 'Not allowed in the current state (the detail says why), or an Idempotency-Key reused. Nothing changed.' },
  413: { name: 'ContentTooLarge', description: 'The request body is larger than the endpoint takes.' },
  422: { name: 'UnprocessableContent', description: 'Invalid fields: each listed in `errors` with its JSON pointer. Nothing changed.' },
  503: { name: 'ServiceUnavailable', description: 'A backing service is not reachable, or the workflow did not confirm in time; retry with the same Idempotency-Key.' },
};

/** A zod schema as an OpenAPI 3.1 Schema Object (JSON Schema 2020-12, OpenAPI's default dialect). */
export function toSchemaObject(schema: z.ZodType, io: 'input' | 'output' = 'input'): Json {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'throw' }) as Json;
  return json;
}

/** The path in Hono's style (`/complaints/:id`), to compare with `app.routes`. */
export function honoPath(openApiPath: string): string {
  return openApiPath.replace(/\{([^}]+)\}/g, ':$1');
}

function pascal(segment: string): string {
  return segment.replace(/(^|[-_ ])(\w)/g, (_, _sep, ch: string) => ch.toUpperCase());
}

function defaultOperationId(route: DocumentedRoute): string {
  const words = route.path.split('/').filter(Boolean).map((s) => (s.startsWith('{') ? 'by-' + s.slice(1, -1) : s));
  return route.method + pascal(words.join('-'));
}

function whoMayCall(route: DocumentedRoute): string {
  const who =
    route.callers === 'public'
      ? 'Anyone: no sign-in.'
      : route.callers === 'any'
        ? `Any signed-in role (${ROLES.join(', ')}).`
        : `Role ${route.callers.join(' or ')}; any other role gets 403.`;
  return `**Who may call it:** ${who}${route.callerNote ? ' ' + route.callerNote : ''}`;
}

function queryParameters(query: z.ZodObject): Json[] {
  const json = toSchemaObject(query) as { properties?: Record<string, Json & { description?: string }>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return { name, in: 'query', required: json.required?.includes(name) ?? false, ...(description ? { description } : {}), schema: rest };
  });
}

/** A strict object refuses unknown keys (`additionalProperties: false`). */
function strict(schema: z.ZodObject): boolean {
  return toSchemaObject(schema).additionalProperties === false;
}

function pathParameters(route: DocumentedRoute): Json[] {
  const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  return names.map((name) => {
    const param = route.pathParams?.[name];
    if (!param) throw new Error(`openapi: ${route.method.toUpperCase()} ${route.path} has no description of the path parameter ${name}`);
    return { name, in: 'path', required: true, description: param.description, schema: param.schema };
  });
}

function operation(route: DocumentedRoute): Json {
  const parameters = [
    ...pathParameters(route),
    ...(route.query ? queryParameters(route.query) : []),
    ...(route.idempotencyKey ? [{ $ref: '#/components/parameters/IdempotencyKey' }] : []),
  ];
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const { schema, mediaType = 'application/json' } = route.success;
  const success: Json = {
    description: route.success.description,
    ...(route.success.headers ? { headers: route.success.headers } : {}),
    ...(schema || route.success.mediaType ? { content: { [mediaType]: { schema: schema ? ref(schema) : { type: 'string' } } } } : {}),
  };
  const responses: Record<string, Json> = { [route.success.status]: success };
  for (const also of route.success.alsoStatuses ?? []) responses[also.status] = { ...success, description: also.description };
  for (const [status, other] of Object.entries(route.otherResponses ?? {})) {
    responses[status] = { description: other.description, content: { 'application/json': { schema: ref(other.schema) } } };
  }
  for (const [status, description] of Object.entries(route.htmlErrors ?? {})) {
    responses[status] = { description, content: { 'text/html': { schema: { type: 'string' } } } };
  }
  for (const status of route.errors) {
    const note = route.errorNotes?.[status];
    responses[status] = note
      ? { description: note, content: { 'application/problem+json': { schema: ref('Problem') } } }
      : { $ref: `#/components/responses/${PROBLEM_RESPONSES[status].name}` };
  }
  return {
    tags: [route.tag],
    summary: route.summary,
    description: [route.description, route.query && strict(route.query) ? 'Unknown query parameters are refused (400).' : undefined, whoMayCall(route)]
      .filter(Boolean)
      .join('\n\n'),
    operationId: route.operationId ?? defaultOperationId(route),
    ...(route.callers === 'public' ? { security: [] } : {}),
    ...(route.callers !== 'public' && route.callers !== 'any' ? { 'x-roles': [...route.callers] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: ref(route.body.name),
                ...(route.body.example !== undefined ? { example: route.body.example } : {}),
              },
            },
          },
        }
      : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document for `routes` (by default, the whole API). */
export function buildOpenApiDocument(
  routes: readonly DocumentedRoute[] = API_ROUTES,
  { deprecatedActorHeaders = DOCUMENT_DEPRECATED_ACTOR_HEADERS }: { deprecatedActorHeaders?: boolean } = {},
): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const bodySchemas: Record<string, Json> = {};
  for (const route of routes) {
    const item = (paths[route.path] ??= {});
    if (item[route.method]) throw new Error(`openapi: ${route.method.toUpperCase()} ${route.path} is in the table twice`);
    item[route.method] = operation(route);
    if (route.body) {
      const json = toSchemaObject(route.body.schema, 'input');
      const known = bodySchemas[route.body.name];
      if (known && JSON.stringify(known) !== JSON.stringify(json)) throw new Error(`openapi: two different request schemas named ${route.body.name}`);
      if (route.body.name in RESPONSE_SCHEMAS) throw new Error(`openapi: the request schema ${route.body.name} has a response schema's name`);
      bodySchemas[route.body.name] = json;
    }
  }
  const usedTags = new Set(routes.map((r) => r.tag));
  const responseSchemas = Object.fromEntries(Object.entries(RESPONSE_SCHEMAS).map(([name, schema]) => [name, toSchemaObject(schema, 'input')]));
  const problemContent = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
  return {
    openapi: '3.1.1',
    info: {
      title: 'Complaint desk API',
      version: (createRequire(import.meta.url)('../package.json') as { version: string }).version,
      summary: 'Complaint handling for medical-device companies.',
      description: [
        'Each complaint is a durable Temporal workflow; agents, handlers, supervisors, QA officers and admins work through this API.',
        '**Sign-in:** `Authorization: Bearer <token>` (an admin issues tokens; `GET /me` says who a token signs in as).' +
          (deprecatedActorHeaders
            ? ' The `X-Actor-Id` and `X-Actor-Role` headers are **deprecated**: read only when no `Authorization` header is sent, and only during the switch-over to tokens.'
            : ' The `X-Actor-Id` and `X-Actor-Role` headers of earlier versions are no longer read: a request with only those is answered 401.'),
        '**Errors** are RFC 9457 problem details (`application/problem+json`): 400 malformed JSON or query, 401 no valid credentials, 403 wrong role, 404 unknown resource, 409 an action that does not fit the stage (with the reason) or a reused Idempotency-Key, 422 invalid fields, each listed in `errors` with its JSON pointer, 503 a backing service unreachable or the workflow not confirming in time. Submitted values are never echoed in errors. A refused action changes nothing.',
        '**Retries:** endpoints that take an `Idempotency-Key` apply a retried request once.',
      ].join('\n\n'),
    },
    servers: [{ url: '/', description: 'This server' }],
    tags: Object.entries(TAGS)
      .filter(([name]) => usedTags.has(name as Tag))
      .map(([name, description]) => ({ name, description })),
    security: [{ bearerAuth: [] }, ...(deprecatedActorHeaders ? [{ actorId: [], actorRole: [] }] : [])],
    paths,
    components: {
      schemas: { ...responseSchemas, ...bodySchemas },
      responses: Object.fromEntries(
        Object.values(PROBLEM_RESPONSES).map(({ name, description }) => [
          name,
          {
            description,
            ...(name === 'Unauthorized' ? { headers: { 'WWW-Authenticate': { description: '`Bearer realm="complaint-desk"`', schema: { type: 'string' } } } } : {}),
            content: problemContent,
          },
        ]),
      ),
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: 'Makes a retried request apply once: the same key gives the same result. 1 to 200 characters.',
          schema: { type: 'string', minLength: 1, maxLength: 200 },
        },
      },
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: '`Authorization: Bearer <token>`; an admin issues tokens.' },
        ...(deprecatedActorHeaders ? actorHeaderSchemes() : {}),
      },
    },
  };
}

function actorHeaderSchemes(): Json {
  const note = 'read only when no `Authorization` header is sent, during the switch-over to tokens.';
  return {
    actorId: {
      type: 'apiKey',
      in: 'header',
      name: 'X-Actor-Id',
      description: `**Deprecated**: use a bearer token. Your user id, sent together with \`X-Actor-Role\`; ${note}`,
      'x-deprecated': true,
    },
    actorRole: {
      type: 'apiKey',
      in: 'header',
      name: 'X-Actor-Role',
      description: `**Deprecated**: use a bearer token. Your role (${ROLES.join(', ')}), sent together with \`X-Actor-Id\`; ${note}`,
      'x-deprecated': true,
    },
  };
}
