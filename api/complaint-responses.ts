/**
 * A complaint as the API answers with it: its live state from the workflow (with its clocks and, from
 * the query, its history), its file in PostgreSQL (the record, a list row) and the audit export.
 */
import { z } from 'zod';
import { ACTIONS } from '../workflows/actions.js';
import { ESCALATION_LEVELS } from '../workflows/contract.js';
import { MEDIATION_OUTCOMES } from '../workflows/mediation-contract.js';
import {
  CATEGORIES,
  CHANNELS,
  COMPLAINANT_ROLES,
  DEPARTMENTS,
  ESCALATION_TARGETS,
  REMEDIES,
  REQUESTED_REMEDIES,
  ROOT_CAUSES,
  SEVERITIES,
  STAGES,
} from '../workflows/model.js';
import { JURISDICTION } from '../workflows/reportability-facts.js';
import { actor, eventData, instant, signature, trailEvent, uuid } from './response-fields.js';

// ---- A complaint's live state (workflows/contract.ts ComplaintView) -------------------------------

const clock = z.object({
  id: z.string().describe('The kind, with the cycle after a reopen (`resolution#2`).'),
  kind: z.string(),
  cycle: z.int(),
  specs: z.array(z.record(z.string(), z.unknown())),
  calendarId: z.string(),
  startedAt: instant,
  dueAt: instant,
  warnings: z.array(z.object({ fraction: z.number(), at: instant, raisedAt: instant.optional() })),
  pauses: z.array(z.object({ from: instant, to: instant.optional() })),
  status: z.enum(['running', 'paused', 'met', 'breached', 'cancelled']),
  metAt: instant.optional(),
  breachedAt: instant.optional(),
  cancelledAt: instant.optional(),
  beyondCalendar: z.boolean(),
});

const remedyProposal = z.object({
  ...signature,
  remedy: z.enum(REMEDIES),
  details: z.string(),
  approval: z.object({ ...signature, approved: z.boolean(), note: z.string().optional() }).optional(),
});

const historyEvent = z.object({ seq: z.int(), at: instant, actor, action: z.string(), data: eventData });

export const complaintState = z
  .object({
    complaintId: uuid,
    number: z.string().optional(),
    stage: z.enum(STAGES),
    receivedAt: instant,
    receivedBy: actor,
    owner: z.object({ id: z.string(), department: z.enum(DEPARTMENTS).optional() }),
    policy: z.object({ id: z.string(), version: z.int(), calendarId: z.string() }).optional(),
    intake: z.object({
      complainantVerified: z.object({ ...signature, method: z.string(), note: z.string().optional() }).optional(),
      itemVerified: z
        .object({
          ...signature,
          checks: z.object({ product: z.boolean(), specification: z.boolean(), lot: z.boolean(), expiry: z.boolean(), manufacturer: z.boolean() }),
          note: z.string().optional(),
        })
        .optional(),
      firstContactAt: instant.optional(),
      acknowledgedAt: instant.optional(),
      expectedResolutionBy: instant.optional(),
      completedAt: instant.optional(),
    }),
    firstResponseAt: instant.optional(),
    // The assessment as the action took it, signed, with the priority it gave.
    assessment: z.object({ ...ACTIONS.assess.body.shape, ...signature, priority: z.enum(['highest', 'normal']) }).optional(),
    investigation: z.object({
      findings: z.array(z.object({ ...signature, department: z.enum(DEPARTMENTS), summary: z.string(), evidenceRefs: z.array(z.string()) })),
      rootCause: z.object({ ...signature, cause: z.enum(ROOT_CAUSES), note: z.string().optional() }).optional(),
      waiver: z.object({ ...signature, reason: z.string() }).optional(),
      completedAt: instant.optional(),
    }),
    resolution: z.object({
      proposal: remedyProposal.optional(),
      agreed: z.object({ ...remedyProposal.shape, acceptedAt: instant }).optional(),
      customerRejections: z.int(),
    }),
    feedback: z.array(z.object({ ...signature, satisfied: z.boolean(), score: z.int(), comment: z.string().optional() })),
    revisit: z
      .object({
        sampled: z.boolean(),
        dueAt: instant.optional(),
        due: z.boolean(),
        outcome: z
          .object({ ...signature, deviceWorking: z.boolean(), solvedAtRoot: z.boolean(), score: z.int(), note: z.string().optional() })
          .optional(),
      })
      .optional(),
    awaitingCustomer: z.object({ ...signature, reason: z.string() }).optional(),
    escalations: z.array(z.object({ ...signature, target: z.enum(ESCALATION_TARGETS), reason: z.string(), level: z.enum(ESCALATION_LEVELS) })),
    regulatory: z.object({
      decisions: z.array(
        z.object({
          ...signature,
          facts: z.record(z.string(), z.unknown()),
          day0: z.number().describe('Day 0 of the report clocks, in epoch milliseconds (as the workflow keeps it).'),
          proposed: z.array(z.object({ jurisdiction: JURISDICTION, reportable: z.boolean(), ruleIds: z.array(z.string()), rationale: z.string() })),
          decided: z.array(
            z.object({ jurisdiction: JURISDICTION, reportable: z.boolean(), ruleId: z.string().optional(), reason: z.string().optional(), overridden: z.boolean() }),
          ),
          note: z.string().optional(),
        }),
      ),
      reports: z.array(
        z.object({
          reportId: z.string(),
          ruleId: z.string(),
          jurisdiction: JURISDICTION,
          status: z.enum(['starting', 'open', 'overdue', 'submitted']),
          dueAt: instant.optional(),
          submittedAt: instant.optional(),
          reference: z.string().optional(),
        }),
      ),
    }),
    cluster: z
      .object({
        clusterAlertId: uuid,
        model: z.string(),
        lot: z.string(),
        complaintCount: z.int(),
        windowDays: z.int(),
        flaggedAt: instant,
        confirmedAt: instant.optional(),
      })
      .optional(),
    productHolds: z.array(
      z.object({ holdId: uuid, model: z.string(), lot: z.string(), status: z.enum(['active', 'released']), decision: z.string().optional() }),
    ),
    breachFollowUps: z.array(z.object({ clockId: z.string(), escalateAt: instant, answeredAt: instant.optional(), escalatedAt: instant.optional() })),
    marks: z.object({ mediation: z.boolean(), regulator: z.boolean(), crisis: z.boolean(), legal: z.boolean() }),
    mediation: z
      .object({
        mediationId: z.string(),
        body: z.string(),
        startedAt: instant,
        deadlineAt: instant,
        sessions: z.int(),
        outcome: z.enum(MEDIATION_OUTCOMES).optional(),
      })
      .optional(),
    legal: z
      .object({ since: z.number(), outcome: z.string().optional(), note: z.string().optional(), closedBy: actor.optional(), closedAt: instant.optional() })
      .optional(),
    reopenCount: z.int(),
    clocks: z.array(clock),
    breached: z.boolean(),
    awaiting: z.array(z.string()).describe('What the case waits for next, in plain words.'),
    withdrawal: z.object({ ...signature, reason: z.string() }).optional(),
    closedAt: instant.optional(),
    lastSeq: z.int(),
  })
  .describe('The live state of a complaint, from its workflow.');

/** The state as the workflow's query gives it: with its history. */
export const complaintView = complaintState.extend({ history: z.array(historyEvent) }).describe('The live state of a complaint, from its workflow, with its history.');

// ---- The complaint file in PostgreSQL (record.ts) -------------------------------------------------

/** Fields of the intake card that may be left out: text when given. */
const optionalTexts = <K extends string>(...keys: K[]) => Object.fromEntries(keys.map((k) => [k, z.string().optional()])) as Record<K, z.ZodOptional<z.ZodString>>;

const progress = {
  stage: z.enum(STAGES),
  category: z.enum(CATEGORIES).optional(),
  severity: z.enum(SEVERITIES).optional(),
  priority: z.enum(['highest', 'normal']).optional(),
  patientSafety: z.boolean().optional(),
  suspectedAdverseEvent: z.boolean().optional(),
  ownerId: z.string(),
  department: z.enum(DEPARTMENTS).optional(),
  reopenCount: z.int(),
  slaBreached: z.boolean(),
  rootCause: z.enum(ROOT_CAUSES).optional(),
  investigationWaivedReason: z.string().optional(),
  remedy: z.enum(REMEDIES).optional(),
  satisfactionScore: z.int().optional(),
  markedForMediation: z.boolean(),
  markedForRegulator: z.boolean(),
  closedAt: instant.optional(),
  withdrawnReason: z.string().optional(),
  lastEventSeq: z.int(),
};

export const complaintSummary = z.object({
  complaintId: uuid,
  number: z.string(),
  receivedAt: instant,
  channel: z.enum(CHANNELS),
  device: z.object({ productName: z.string(), model: z.string().optional(), lot: z.string().optional() }),
  ...progress,
});

export const complaintRecord = z
  .object({
    complaintId: uuid,
    number: z.string(),
    receivedAt: instant,
    receivedBy: z.string().describe('The id of the user who filed it.'),
    channel: z.enum(CHANNELS),
    distributorAwareAt: instant.optional(),
    complainant: z.object({ name: z.string(), role: z.enum(COMPLAINANT_ROLES), ...optionalTexts('organisation', 'phone', 'email', 'address') }),
    mood: z.string().optional(),
    device: z.object({
      productName: z.string(),
      ...optionalTexts('model', 'specification', 'serialNumber', 'lot', 'udi', 'expiryDate', 'manufacturer', 'supplier', 'purchaseDate'),
    }),
    event: z.object({
      occurredAt: instant.optional(),
      location: z.string().optional(),
      country: z.string().optional(),
      description: z.string(),
      impactScope: z.string().optional(),
      patientHarmed: z.boolean(),
      inUseOnPatient: z.boolean(),
    }),
    requestedRemedies: z.array(z.enum(REQUESTED_REMEDIES)),
    sampleAvailable: z.boolean(),
    ...progress,
  })
  .describe('The complaint file in PostgreSQL, shaped like the intake card.');

// ---- The audit export -------------------------------------------------------------

const evidenceList = z.array(z.record(z.string(), z.unknown()));
const workflowEvidence = z
  .union([
    z.object({
      workflowId: z.string(),
      historyAvailable: z.literal(true),
      workflowType: z.string().optional(),
      runId: z.string().optional(),
      taskQueue: z.string().optional(),
      startedAt: instant.optional(),
      closed: z.object({ at: instant, status: z.enum(['completed', 'failed', 'canceled', 'terminated', 'timedOut', 'continuedAsNew']) }).optional(),
      historyLength: z.int(),
      timers: evidenceList,
      signals: evidenceList,
      updates: evidenceList,
      activities: evidenceList,
      childWorkflows: evidenceList,
    }),
    z.object({ workflowId: z.string(), historyAvailable: z.literal(false), reason: z.string() }),
  ])
  .describe("Evidence from a workflow's Temporal history: timers, signals, updates, activities, child workflows.");

export const auditExport = z
  .object({
    format: z.literal('complaint-audit-export/1'),
    complaintId: uuid,
    number: z.string(),
    generatedAt: instant,
    generatedBy: actor,
    record: complaintRecord,
    events: z.array(trailEvent),
    clocks: z.array(
      z.object({
        clockId: z.string(),
        kind: z.string(),
        cycle: z.int(),
        status: z.string(),
        calendarId: z.string(),
        specs: z.array(z.unknown()),
        startedAt: instant,
        dueAt: instant,
        warnAt: instant,
        warnedAt: instant.optional(),
        metAt: instant.optional(),
        breachedAt: instant.optional(),
        cancelledAt: instant.optional(),
        pauses: z.array(z.object({ from: instant, to: instant.optional() })),
        beyondCalendar: z.boolean(),
        updatedSeq: z.int(),
      }),
    ),
    regulatoryReports: z.array(
      z.object({
        reportId: z.string(),
        ruleId: z.string(),
        jurisdiction: z.string(),
        citation: z.string(),
        description: z.string(),
        day0: instant,
        dueAt: instant.optional(),
        dueDate: z.string().optional(),
        beyondCoverage: z.boolean(),
        status: z.string(),
        breachedAt: instant.optional(),
        submittedAt: instant.optional(),
        reference: z.string().optional(),
        submittedBy: z.string().optional(),
        events: z.array(z.unknown()),
      }),
    ),
    workflow: workflowEvidence,
    reportWorkflows: z.array(workflowEvidence),
    digest: z
      .object({ algorithm: z.literal('SHA-256'), canonicalization: z.literal('RFC 8785 (JCS)'), covers: z.string(), value: z.string() })
      .describe('SHA-256 of the RFC 8785 canonical JSON of the export.'),
  })
  .describe('The whole file of one complaint, for auditors.');

