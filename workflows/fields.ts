/**
 * The building blocks of every payload schema: free text with its limits, dates, instants, scores.
 * Shared by the action table (workflows/actions.ts) and the API's other request schemas, so a field
 * is checked the same way wherever it is sent. Pure (zod only): safe inside the workflow sandbox.
 */
import { z } from 'zod';

export const text = (max = 2000) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);
export const optionalText = (max = 2000) => text(max).optional();
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(d)), 'not a real date');
export const instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with offset, e.g. 2026-11-24T09:30:00+08:00' });
export const score = z.number().int('must be a whole number').min(1, 'from 1 to 5').max(5, 'from 1 to 5');
export const countryCode = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 country code, e.g. CN');
