/**
 * Request schemas: what the API accepts, field by field. Strict objects, so a misspelt field is
 * reported instead of silently dropped. The same lists as the workflow's model.
 */
import { z } from 'zod';
import {
  CATEGORIES,
  CHANNELS,
  COMPLAINANT_ROLES,
  ESCALATION_TARGETS,
  REMEDIES,
  REQUESTED_REMEDIES,
  ROLES,
  SEVERITIES,
  STAGES,
} from '../workflows/model.js';

import { JURISDICTION } from '../workflows/reportability-facts.js';
import { countryCode, instant, isoDate, optionalText, text } from '../workflows/fields.js';

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
  country: countryCode.optional(),
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
