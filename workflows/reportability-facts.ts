/**
 * The facts QA gives the reportability rules (workflows/rules/regulatory.ts) when deciding whether a
 * complaint is reportable: the schema the API checks and the type the workflow receives.
 */
import { z } from 'zod';
import { countryCode } from './fields.js';
import { JURISDICTIONS } from './rules/regulatory.js';

export const JURISDICTION = z.enum(JURISDICTIONS as unknown as ['CN', 'US', 'EU']);

export const reportabilityFactsSchema = z.strictObject({
  eventCountry: countryCode,
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
export type ReportabilityFactsInput = z.output<typeof reportabilityFactsSchema>;
