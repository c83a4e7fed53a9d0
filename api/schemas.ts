/**
 * Request schemas: what the API accepts, field by field. Strict objects, so a misspelt field is
 * reported instead of silently dropped. The same lists as the workflow's model.
 */
import { z } from 'zod';
import {
  CATEGORIES,
  CHANNELS,
  COMPLAINANT_ROLES,
  DEPARTMENTS,
  ESCALATION_TARGETS,
  REMEDIES,
  REQUESTED_REMEDIES,
  ROLES,
  ROOT_CAUSES,
  SEVERITIES,
  STAGES,
} from '../workflows/model.js';
import { JURISDICTIONS, REPORTING_RULES } from '../workflows/rules/regulatory.js';

const text = (max = 2000) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);
const optionalText = (max = 2000) => text(max).optional();
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(d)), 'not a real date');
const instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with offset, e.g. 2026-11-24T09:30:00+08:00' });

export const complainantSchema = z.strictObject({
  name: text(200),
  role: z.enum(COMPLAINANT_ROLES),
  organisation: optionalText(200),
  phone: optionalText(50),
  email: z.email('must be an email address').max(320).optional(),
  address: optionalText(500),
});

export const deviceSchema = z.strictObject({
  productName: text(200),
  model: optionalText(100),
  specification: optionalText(200),
  serialNumber: optionalText(100),
  lot: optionalText(100),
  udi: optionalText(200),
  expiryDate: isoDate.optional(),
  manufacturer: optionalText(200),
  supplier: optionalText(200),
  purchaseDate: isoDate.optional(),
});

export const eventSchema = z.strictObject({
  occurredAt: instant.optional(),
  location: optionalText(500),
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 country code, e.g. CN').optional(),
  description: text(10_000),
  impactScope: optionalText(2000),
  patientHarmed: z.boolean(),
  inUseOnPatient: z.boolean(),
});

export const createComplaintSchema = z.strictObject({
  channel: z.enum(CHANNELS),
  /** When the complaint reached the company, if earlier than filing (a call logged afterwards). */
  receivedAt: instant.optional(),
  complainant: complainantSchema,
  device: deviceSchema,
  event: eventSchema,
  requestedRemedies: z.array(z.enum(REQUESTED_REMEDIES)).max(REQUESTED_REMEDIES.length).default([]),
  mood: optionalText(500),
  sampleAvailable: z.boolean(),
  distributorAwareAt: instant.optional(),
  policyId: optionalText(100),
});
export type CreateComplaintBody = z.infer<typeof createComplaintSchema>;

const score = z.number().int('must be a whole number').min(1, 'from 1 to 5').max(5, 'from 1 to 5');

const JURISDICTION = z.enum(JURISDICTIONS as unknown as ['CN', 'US', 'EU']);
export const reportabilityFactsSchema = z.strictObject({
  eventCountry: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 country code, e.g. CN'),
  outcome: z.enum(['death', 'serious_injury', 'could_cause_serious_injury_or_death', 'public_health_threat', 'non_serious']),
  marketedIn: z.array(JURISDICTION).max(3),
  reporterRole: z.enum(['manufacturer', 'user_facility', 'importer']).default('manufacturer'),
  remedialActionNeeded: z.boolean().default(false),
  fdaRequestedFiveDayReport: z.boolean().optional(),
  unanticipatedSeriousDeterioration: z.boolean().optional(),
  publicHealthThreat: z.boolean().optional(),
  groupEvent: z.boolean().optional(),
  trendIncrease: z.boolean().optional(),
});

export const reportabilitySchema = z.strictObject({
  facts: reportabilityFactsSchema,
  decisions: z
    .array(
      z.strictObject({
        jurisdiction: JURISDICTION,
        reportable: z.boolean(),
        ruleId: z.enum(REPORTING_RULES.map((r) => r.id) as [string, ...string[]]).optional(),
        reason: optionalText(),
      }),
    )
    .max(3)
    .optional(),
  note: optionalText(),
});

/** One schema per stage action; the keys are the URL segments under /complaints/{id}/. */
export const actionSchemas = {
  'verify-complainant': z.strictObject({ method: text(200), note: optionalText() }),
  'verify-item': z.strictObject({
    checks: z.strictObject({
      product: z.boolean(),
      specification: z.boolean(),
      lot: z.boolean(),
      expiry: z.boolean(),
      manufacturer: z.boolean(),
    }),
    note: optionalText(),
  }),
  contacts: z.strictObject({ channel: z.enum(CHANNELS), summary: text() }),
  acknowledgement: z.strictObject({ channel: z.enum(CHANNELS), expectedResolutionBy: instant.optional() }),
  'complete-intake': z.strictObject({}),
  assessment: z.strictObject({
    category: z.enum(CATEGORIES),
    severity: z.enum(SEVERITIES),
    patientSafety: z.boolean(),
    suspectedAdverseEvent: z.boolean(),
    reasonable: z.boolean(),
    department: z.enum(DEPARTMENTS),
    ownerId: text(100),
    rationale: optionalText(),
  }),
  responses: z.strictObject({ channel: z.enum(CHANNELS), summary: text() }),
  findings: z.strictObject({
    department: z.enum(DEPARTMENTS),
    summary: text(),
    evidenceRefs: z.array(text(500)).max(50).default([]),
  }),
  'root-cause': z.strictObject({ cause: z.enum(ROOT_CAUSES), note: optionalText() }),
  'waive-investigation': z.strictObject({ reason: text() }),
  'await-customer': z.strictObject({ reason: text() }),
  'customer-response': z.strictObject({ note: optionalText() }),
  'complete-investigation': z.strictObject({}),
  remedy: z.strictObject({ remedy: z.enum(REMEDIES), details: text() }),
  'remedy-approval': z.strictObject({ approved: z.boolean(), note: optionalText() }),
  'customer-decision': z.strictObject({ accepted: z.boolean(), note: optionalText() }),
  feedback: z.strictObject({ satisfied: z.boolean(), score, comment: optionalText() }),
  revisit: z.strictObject({ deviceWorking: z.boolean(), solvedAtRoot: z.boolean(), score, note: optionalText() }),
  withdrawal: z.strictObject({ reason: text() }),
  assignment: z.strictObject({ ownerId: text(100), department: z.enum(DEPARTMENTS).optional(), reason: text() }),
  notes: z.strictObject({ text: text(10_000) }),
  'breach-answers': z.strictObject({ clockId: text(100), response: text() }),
  reportability: reportabilitySchema,
  'legal-closure': z.strictObject({ outcome: text(500), note: optionalText() }),
} as const;
export type ActionPath = keyof typeof actionSchemas;

export const escalationSchema = z.strictObject({
  target: z.enum(ESCALATION_TARGETS),
  reason: text(),
  /** With target `regulator`: the reporting rule to start at once (e.g. `cn.serious`). */
  ruleId: z.enum(REPORTING_RULES.map((r) => r.id) as [string, ...string[]]).optional(),
  /** With target `mediation`: the mediation body, and the days it has (default 30). */
  mediator: optionalText(200),
  deadlineDays: z.number().int('must be a whole number').min(1).max(365).optional(),
});

export const mediationSessionSchema = z.strictObject({ heldAt: instant, summary: text() });
export const mediationOutcomeSchema = z.strictObject({
  outcome: z.enum(['settled', 'failed']),
  agreedRemedy: z.strictObject({ remedy: z.enum(REMEDIES), details: text() }).optional(),
  note: optionalText(),
});

export const submissionSchema = z.strictObject({
  reference: text(200),
  submittedAt: instant.optional(),
});

export const regulatoryListQuerySchema = z.strictObject({
  status: z.enum(['open', 'overdue', 'submitted', 'pending']).default('pending'),
  jurisdiction: JURISDICTION.optional(),
  complaint: z.uuid('must be a complaint id').optional(),
  limit: z.coerce.number().int('must be a whole number').min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

const flag = z.enum(['true', 'false']);
/** Filters are facts of the case, never personal data: names and contacts are not search keys. */
export const listQuerySchema = z
  .strictObject({
    stage: z.enum(STAGES).optional(),
    category: z.enum(CATEGORIES).optional(),
    severity: z.enum(SEVERITIES).optional(),
    model: text(100).optional(),
    lot: text(100).optional(),
    owner: text(100).optional(),
    breached: flag.optional(),
    reportable: flag.optional(),
    receivedFrom: instant.optional(),
    receivedTo: instant.optional(),
    sort: z.enum(['newest', 'oldest']).default('newest'),
    limit: z.coerce.number().int('must be a whole number').min(1).max(200).default(50),
    cursor: z.string().max(500).optional(),
  })
  .refine((q) => !q.receivedFrom || !q.receivedTo || Date.parse(q.receivedFrom) <= Date.parse(q.receivedTo), {
    message: 'receivedFrom must not be after receivedTo',
    path: ['receivedTo'],
  });

export const escalationListQuerySchema = z.strictObject({
  kind: z.enum(['breach', 'warning', 'escalation', 'regulatory', 'cluster']).optional(),
  level: z.enum(['supervisor', 'qa', 'management']).optional(),
  target: z.enum(ESCALATION_TARGETS).optional(),
  limit: z.coerce.number().int('must be a whole number').min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

export const actorSchema = z.strictObject({ id: text(100), role: z.enum(ROLES) });

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM');
export const calendarSchema = z.strictObject({
  name: text(200),
  timeZone: text(100),
  workingHours: z.array(z.strictObject({ start: hhmm, end: hhmm })).min(1),
  weekendDays: z.array(z.number().int().min(1).max(7)).max(7),
  holidays: z.array(isoDate).max(2000),
  makeUpWorkingDays: z.array(isoDate).max(2000),
  coverage: z.strictObject({ from: isoDate, to: isoDate }),
  reason: text(),
});
