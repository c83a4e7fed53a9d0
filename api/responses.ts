/**
 * What the API answers, as zod schemas: the documented responses of every route (each published
 * under its `id` in components/schemas), checked against real answers by test/api/openapi.test.ts.
 * Objects are open (a new field may be added without breaking a client); instants are ISO 8601
 * strings (the workflow's epoch milliseconds converted on the way out, see instants.ts).
 */
import { z } from 'zod';
import { HOLD_STATUSES, RELEASE_DECISIONS } from '../db/product-holds.js';
import { CLUSTER_ALERT_STATUSES } from '../workflows/cluster-watch-contract.js';
import { ESCALATION_LEVELS } from '../workflows/contract.js';
import { MEDIATION_OUTCOMES } from '../workflows/mediation-contract.js';
import { ESCALATION_TARGETS, REMEDIES, ROLES, STAGES } from '../workflows/model.js';
import { REPORT_STATUSES } from '../workflows/regulatory-report-contract.js';
import { JURISDICTION } from '../workflows/reportability-facts.js';
import { auditExport, complaintRecord, complaintState, complaintSummary, complaintView } from './complaint-responses.js';
import { LIVE_STATE_MISSING, type LiveStateMissing } from './live-state.js';
import { problemTypes } from './problems.js';
import { actor, eventData, instant, nextCursor, selfLink, signature, trailEvent, uuid } from './response-fields.js';

/** The shared RFC 9457 problem. */
export const ProblemSchema = z
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
  .describe('RFC 9457 problem details. Some problems carry extension members, e.g. `complaintId` on a 503 from filing.')
  .meta({ id: 'Problem' });

// ---- Product holds and cluster alerts --------------------------------------------------------------


const productHold = z.object({
  holdId: uuid,
  productName: z.string().nullable(),
  model: z.string(),
  lot: z.string(),
  status: z.enum(HOLD_STATUSES),
  placedAt: instant,
  placedBy: z.object({ id: z.string(), role: z.string() }),
  reason: z.string(),
  firstComplaintId: uuid.nullable(),
  complaintCount: z.int(),
  releasedAt: instant.optional(),
  releasedBy: z.object({ id: z.string(), role: z.string().optional() }).optional(),
  releaseDecision: z.enum(RELEASE_DECISIONS).optional(),
  releaseReason: z.string().optional(),
  links: selfLink,
});

const productHoldDetail = z.object({
  hold: productHold,
  complaints: z.array(z.object({ complaintId: uuid, number: z.string(), stage: z.enum(STAGES), linkedAt: instant, links: selfLink })),
  events: z.array(trailEvent),
});

/** What every view of a cluster alert says: the lot, its state, and the rule that flagged it. */
const alertFacts = {
  alertId: uuid,
  model: z.string(),
  lot: z.string(),
  productName: z.string().optional(),
  status: z.enum(CLUSTER_ALERT_STATUSES),
  flaggedAt: instant,
  windowDays: z.int(),
  threshold: z.int(),
};

const clusterAlert = z.object({
  ...alertFacts,
  complaintCount: z.int(),
  complaintIds: z.array(uuid),
  firstReceivedAt: instant.optional(),
  lastReceivedAt: instant.optional(),
  confirmedAt: instant.optional(),
  confirmedBy: z.string().describe('The id of the QA officer who confirmed it.').optional(),
  dismissedAt: instant.optional(),
  dismissedBy: z.string().describe('The id of the QA officer who dismissed it.').optional(),
  decisionReason: z.string().optional(),
  links: selfLink,
});

/** The cluster watch's answer to QA's decision (cluster-watch-contract.ts ClusterAlertView, bookkeeping left out). */
const clusterAlertDecided = z.object({
  ...alertFacts,
  seq: z.int(),
  members: z.array(z.object({ complaintId: uuid, number: z.string(), receivedAt: instant, joinedAt: instant })),
  firstReceivedAt: instant,
  lastReceivedAt: instant,
  confirmed: z.object({ ...signature, reason: z.string() }).optional(),
  dismissed: z.object({ ...signature, reason: z.string() }).optional(),
  notified: z.array(uuid),
  skipped: z.array(uuid),
});

// ---- Regulatory reports ----------------------------------------------------------------------------

const regulatoryReportRow = z.object({
  reportId: z.string(),
  complaintId: uuid.optional(),
  complaintNumber: z.string().optional(),
  clusterAlertId: uuid.optional(),
  ruleId: z.string(),
  jurisdiction: JURISDICTION,
  citation: z.string(),
  description: z.string(),
  day0: instant,
  dueAt: instant.optional(),
  dueDate: z.string().optional(),
  hoursLeft: z.int().optional(),
  status: z.enum(REPORT_STATUSES),
  breachedAt: instant.optional(),
  submittedAt: instant.optional(),
  reference: z.string().optional(),
  beyondCalendar: z.boolean(),
});

const reportEvent = z.object({ seq: z.int(), at: instant, actor, action: z.enum(['started', 'reminder', 'breached', 'tightened', 'submitted']), data: eventData });

const regulatoryReportState = z
  .object({
    reportId: z.string(),
    subject: z.object({ complaintId: uuid.optional(), clusterAlertId: uuid.optional() }).optional(),
    ruleId: z.string().optional(),
    jurisdiction: JURISDICTION.optional(),
    citation: z.string().optional(),
    description: z.string().optional(),
    day0: z.number().describe('Day 0 of the clock, in epoch milliseconds (as the workflow keeps it).').optional(),
    dueAt: instant.optional(),
    dueDate: z.string().optional(),
    beyondCoverage: z.boolean().optional(),
    status: z.enum(REPORT_STATUSES),
    reminders: z.array(z.object({ at: instant, sentAt: instant.optional() })).optional(),
    breachedAt: instant.optional(),
    submission: z.object({ reference: z.string(), submittedAt: instant, by: actor, recordedAt: instant }).optional(),
    events: z.array(reportEvent),
  })
  .describe("The report's live state from its workflow (rule, due time, reminders, submission, events), or, once the workflow is past retention, the stored row: id, status and events.");

// ---- Calendars, escalations, mediation ---------------------------------------------------------------

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

const mediation = z.object({
  mediationId: z.string(),
  complaintId: uuid,
  body: z.string(),
  startedAt: instant,
  deadlineAt: instant,
  sessions: z.array(z.object({ heldAt: instant, summary: z.string(), by: actor, recordedAt: instant })),
  outcome: z.enum(MEDIATION_OUTCOMES).optional(),
  agreedRemedy: z.object({ remedy: z.enum(REMEDIES), details: z.string() }).optional(),
  note: z.string().optional(),
  decidedBy: actor.optional(),
  decidedAt: instant.optional(),
});

export const ALERT_KINDS = ['breach', 'warning', 'escalation', 'regulatory', 'cluster'] as const;

// ---- Users and tokens ---------------------------------------------------------------------------------

const user = z.object({ id: z.string(), displayName: z.string(), role: z.enum(ROLES), active: z.boolean(), createdAt: instant, createdBy: z.string() });

/** Temporal's `Payloads` in protobuf JSON (the codec-server protocol); api/codec.ts reads it by hand. */
const codecPayloads = () =>
  z.object({
    payloads: z.array(
      z.object({
        metadata: z.record(z.string(), z.string().describe('base64')).optional(),
        data: z.string().describe('base64').optional(),
      }),
    ),
  });
export const CodecPayloadsSchema = codecPayloads().meta({ id: 'CodecPayloads' });
/** The same, as the codec's request body (documented only: the codec reads it by hand). */
export const CodecPayloadsRequestSchema = codecPayloads().meta({ id: 'CodecPayloadsRequest' });

// ---- The KPI report ---------------------------------------------------------------------------------

const percent = z.number().nullable();
const outcomeCounts = { met: z.int(), breached: z.int(), cancelled: z.int(), decided: z.int(), compliancePercent: percent };
const target = z.object({ value: z.number().nullable(), target: z.number(), met: z.boolean(), definition: z.string() });
const kpiReport = z.object({
  period: z.object({ from: instant, to: instant, timeZone: z.string(), interval: z.enum(['day', 'week', 'month']), definition: z.string() }),
  filters: z.object({ category: z.string().nullable(), model: z.string().nullable(), lot: z.string().nullable() }),
  targets: z.object({ satisfaction: target, successfulResolution: target, answersCorrect: z.object({ ...target.shape, measured: z.literal(false) }) }),
  sla: z.object({
    definition: z.string(),
    overall: z.object(outcomeCounts),
    byCategory: z.array(z.object({ category: z.string(), ...outcomeCounts })),
    byKind: z.array(z.object({ kind: z.string(), ...outcomeCounts })),
    byCategoryAndKind: z.array(z.object({ category: z.string(), kind: z.string(), ...outcomeCounts })),
  }),
  stages: z.object({
    definition: z.string(),
    items: z.array(
      z.object({ stage: z.string(), stays: z.int(), medianSeconds: percent, p90Seconds: percent, medianHours: percent, p90Hours: percent }),
    ),
  }),
  satisfaction: z.object({
    feedback: z.object({ definition: z.string(), answers: z.int(), satisfied: z.int(), ratePercent: percent, averageScore: percent }),
    revisit: z.object({
      definition: z.string(),
      visits: z.int(),
      averageScore: percent,
      satisfiedPercent: percent,
      deviceWorkingPercent: percent,
      solvedAtRootPercent: percent,
    }),
  }),
  resolution: z.object({
    definition: z.string(),
    closed: z.int(),
    successful: z.int(),
    successRatePercent: percent,
    reopened: z.int(),
    reopenRatePercent: percent,
    withdrawn: z.int(),
  }),
  volume: z.object({
    definition: z.string(),
    received: z.int(),
    byCategory: z.array(z.object({ category: z.string(), received: z.int() })),
    byModelLot: z.array(z.object({ model: z.string().nullable(), lot: z.string().nullable(), received: z.int() })),
    overTime: z.array(z.object({ start: z.string(), received: z.int() })),
  }),
});

// ---- The responses, by component name -----------------------------------------------------------------

const named = <S extends z.ZodType>(id: string, schema: S) => schema.meta({ id });

export const Responses = {
  Health: named('Health', z.object({ status: z.enum(['ok', 'unavailable']), postgres: z.enum(['up', 'down']), temporal: z.enum(['up', 'down']) })),
  ComplaintFiled: named('ComplaintFiled', z.object({ complaintId: uuid, number: z.string(), receivedAt: instant, links: selfLink })),
  ComplaintList: named('ComplaintList', z.object({ items: z.array(complaintSummary), nextCursor })),
  ComplaintDetail: named(
    'ComplaintDetail',
    z.object({
      record: complaintRecord,
      productHolds: z.array(productHold).describe("Holds on the complaint's model and lot, whichever complaint placed them."),
      state: complaintView.nullable().describe("Null when the workflow did not answer: `stateMissing` says why (past the engine's retention, the record is then the file)."),
      live: z.boolean(),
      stateMissing: z
        .object({
          reason: z.enum(Object.keys(LIVE_STATE_MISSING) as [LiveStateMissing, ...LiveStateMissing[]]),
          detail: z.string(),
        })
        .optional()
        .describe('Present when `live` is false: why the live state is missing (ended: past retention; queryTimeout; workflowFailing; temporalUnavailable).'),
    }),
  ),
  ComplaintEvents: named('ComplaintEvents', z.object({ items: z.array(trailEvent) })),
  ComplaintState: named('ComplaintState', z.object({ state: complaintState })),
  EscalationAccepted: named('EscalationAccepted', z.object({ accepted: z.literal(true), target: z.enum(ESCALATION_TARGETS) })),
  Mediation: named('Mediation', z.object({ mediation })),
  EscalationList: named(
    'EscalationList',
    z.object({
      items: z.array(
        z
          .object({
            complaintId: uuid,
            number: z.string(),
            stage: z.enum(STAGES),
            ownerId: z.string(),
            kind: z.enum(ALERT_KINDS),
            level: z.union([z.enum(ESCALATION_LEVELS), z.array(z.enum(ESCALATION_LEVELS))]).describe('Who must act: supervisor, qa or management.'),
            at: instant,
            by: z.object({ id: z.string(), role: z.string() }),
          })
          .describe("The event's own fields (a breach's clock kind, an escalation's reason), then what the list says of it."),
      ),
      nextCursor,
    }),
  ),
  Calendar: named('Calendar', calendar),
  CalendarCorrected: named('CalendarCorrected', z.object({ calendar, openComplaintsNotified: z.int() })),
  ClusterList: named('ClusterList', z.object({ items: z.array(clusterAlert), nextCursor })),
  ClusterDetail: named(
    'ClusterDetail',
    z.object({
      alert: clusterAlert,
      complaints: z.array(
        z.object({ complaintId: uuid, number: z.string().optional(), stage: z.enum(STAGES).optional(), receivedAt: instant.optional(), ownerId: z.string().optional() }),
      ),
      events: z.array(trailEvent),
      reports: z.array(z.object({ reportId: z.string(), ruleId: z.string(), status: z.enum(REPORT_STATUSES), dueAt: instant.optional(), submittedAt: instant.optional() })),
    }),
  ),
  ClusterDecision: named('ClusterDecision', z.object({ alert: clusterAlertDecided })),
  ProductHoldList: named('ProductHoldList', z.object({ items: z.array(productHold), nextCursor })),
  ProductHoldDetail: named('ProductHoldDetail', productHoldDetail),
  ProductHoldReleased: named(
    'ProductHoldReleased',
    z.object({
      ...productHoldDetail.shape,
      notifications: z
        .object({ signalled: z.array(uuid), notRunning: z.array(uuid), failed: z.array(uuid) })
        .describe("Which linked complaints' workflows were told of the release."),
    }),
  ),
  RegulatoryReportList: named('RegulatoryReportList', z.object({ items: z.array(regulatoryReportRow), nextCursor })),
  RegulatoryReport: named('RegulatoryReport', regulatoryReportState),
  AuditExport: named('AuditExport', auditExport),
  KpiReport: named('KpiReport', kpiReport),
  Me: named('Me', z.object({ actor })),
  User: named('User', user),
  UserList: named('UserList', z.object({ items: z.array(user) })),
  TokenList: named(
    'TokenList',
    z.object({
      items: z.array(
        z.object({ tokenId: uuid, label: z.string(), createdAt: instant, createdBy: z.string(), expiresAt: instant.optional(), revokedAt: instant.optional(), revokedBy: z.string().optional() }),
      ),
    }),
  ),
  IssuedToken: named(
    'IssuedToken',
    z
      .object({ tokenId: uuid, token: z.string().describe('Shown once, here: store it like a password.'), userId: z.string(), label: z.string(), expiresAt: instant.optional(), role: z.enum(ROLES) })
      .describe('The token is in this answer and nowhere else: it is stored hashed.'),
  ),
  TokenRevoked: named('TokenRevoked', z.object({ tokenId: uuid, revoked: z.literal(true) })),
  ReportabilityProposal: named(
    'ReportabilityProposal',
    z.object({
      day0: instant,
      decisions: z.array(
        z.object({
          jurisdiction: JURISDICTION,
          reportable: z.boolean(),
          rationale: z.string(),
          rules: z.array(
            z.object({ ruleId: z.string(), citation: z.string(), description: z.string(), clock: z.unknown(), dueAt: instant.optional(), dueDate: z.string().optional() }),
          ),
        }),
      ),
    }),
  ),
  CodecPayloads: CodecPayloadsSchema,
};
