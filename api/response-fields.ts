/** The building blocks of the API's answers (responses.ts, complaint-responses.ts). */
import { z } from 'zod';
import { ROLES } from '../workflows/model.js';

/** Instants are ISO 8601 strings over HTTP (the workflow's epoch milliseconds converted on the way out, see instants.ts). */
export const instant = z.iso.datetime();
export const uuid = z.uuid();
export const actor = z.object({ id: z.string(), role: z.enum(ROLES) });
export const signature = { by: actor, at: instant };
export const nextCursor = z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.');
export const selfLink = z.object({ self: z.string() });
export const eventData = z.record(z.string(), z.unknown()).describe("The event's own fields.");

/** A row of any audit trail (complaint, product hold, cluster alert), as record.ts's toEventView shapes it. */
export const trailEvent = z.object({
  seq: z.int(),
  at: instant,
  actor: z.object({ id: z.string(), role: z.string() }),
  action: z.string().describe('e.g. `intake.filed`, `clock.breached`, `escalated`'),
  data: eventData,
  recordedAt: instant,
});

