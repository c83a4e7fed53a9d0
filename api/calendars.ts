/**
 * /calendars: business calendars are reference data an admin keeps up to date (next year's
 * holidays, a corrected make-up day). A correction is saved, then every open complaint is told,
 * and recomputes its open clocks from their start; the recomputation is on each complaint's record.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { loadCalendar, saveCalendar } from '../db/reference-data.js';
import { calendarCorrectedSignal } from '../workflows/contract.js';
import { FINAL_STAGES } from '../workflows/model.js';
import { validateCalendar, type BusinessCalendar } from '../workflows/rules/calendar.js';
import { allow, requireActor } from './actor.js';
import type { ApiDeps } from './deps.js';
import { jsonBody, jsonResponse, operation, pathParam, problems, readJson, routesApp } from './openapi-route.js';
import { problem } from './problems.js';
import { Responses } from './responses.js';
import { calendarSchema } from './schemas.js';

const calendarIdParam = z.object({ id: pathParam('The calendar ID, e.g. `CN`, `US-FED`.') });

const readCalendar = createRoute({
  method: 'get',
  path: '/{id}',
  ...operation({ tag: 'calendars', summary: 'Read a business calendar', callers: 'any', operationId: 'getCalendar' }),
  request: { params: calendarIdParam },
  responses: { 200: jsonResponse(Responses.Calendar, 'The calendar.'), ...problems([401, 404, 503]) },
});

const correctCalendar = createRoute({
  method: 'put',
  path: '/{id}',
  ...operation({
    tag: 'calendars',
    summary: 'Correct (or add) a business calendar',
    description: "Saved, then every open complaint on it recomputes its open clocks from their start; the recomputation is on each complaint's record.",
    callers: ['admin'],
    operationId: 'putCalendar',
  }),
  middleware: [allow('admin'), readJson] as const,
  request: { params: calendarIdParam, body: jsonBody(calendarSchema.meta({ id: 'CalendarRequest' })) },
  responses: { 200: jsonResponse(Responses.CalendarCorrected, 'Saved; the open complaints were told.'), ...problems([400, 401, 403, 422, 503]) },
});

export function calendarRoutes({ db, temporal }: ApiDeps) {
  const app = routesApp();
  app.use('*', requireActor);

  app.openapi(readCalendar, async (c) => {
    const calendar = await loadCalendar(db, c.req.param('id'));
    if (!calendar) return problem(c, 404, 'notFound', 'No such calendar', 'no business calendar with this id');
    return c.json(calendar, 200);
  });

  app.openapi(correctCalendar, async (c) => {
    const actor = c.get('actor');
    const { reason, ...fields } = c.req.valid('json');
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
    return c.json({ calendar, openComplaintsNotified: notified }, 200);
  });
  return app;
}
