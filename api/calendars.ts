/**
 * /calendars: business calendars are reference data an admin keeps up to date (next year's
 * holidays, a corrected make-up day). A correction is saved, then every open complaint is told,
 * and recomputes its open clocks from their start; the recomputation is on each complaint's record.
 */
import { Hono } from 'hono';
import { loadCalendar, saveCalendar } from '../db/reference-data.js';
import { calendarCorrectedSignal } from '../workflows/contract.js';
import { FINAL_STAGES } from '../workflows/model.js';
import { validateCalendar, type BusinessCalendar } from '../workflows/rules/calendar.js';
import { allow, requireActor, type ActorEnv } from './actor.js';
import type { ApiDeps } from './deps.js';
import { problem } from './problems.js';
import { parseBody } from './request.js';
import { calendarSchema } from './schemas.js';

export function calendarRoutes({ db, temporal }: ApiDeps) {
  const app = new Hono<ActorEnv>();
  app.use('*', requireActor);

  app.get('/:id', async (c) => {
    const calendar = await loadCalendar(db, c.req.param('id'));
    if (!calendar) return problem(c, 404, 'notFound', 'No such calendar', 'no business calendar with this id');
    return c.json(calendar);
  });

  app.put('/:id', allow('admin'), async (c) => {
    const actor = c.get('actor');
    const body = await parseBody(c, calendarSchema);
    if (!body.ok) return body.response;
    const { reason, ...fields } = body.value;
    const calendar: BusinessCalendar = { id: c.req.param('id'), ...fields };
    const problems = validateCalendar(calendar);
    if (problems.length) {
      return problem(c, 422, 'validation', 'Invalid calendar', problems.join('; '), problems.map((message) => ({ pointer: '', message })));
    }
    await saveCalendar(db, calendar);
    // Every open complaint hears of it; each ignores a calendar it does not run on.
    const open = await db.selectFrom('complaints').select('id').where('stage', 'not in', [...FINAL_STAGES]).execute();
    let notified = 0;
    for (const { id } of open) {
      try {
        await temporal.workflow.getHandle(id).signal(calendarCorrectedSignal, { actor, calendar, reason });
        notified++;
      } catch {
        // Completed since the list was read: nothing to recompute.
      }
    }
    return c.json({ calendar, openComplaintsNotified: notified });
  });
  return app;
}
