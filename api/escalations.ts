/**
 * /escalations: what supervisors, QA and management must act on across complaints, newest first,
 * read from the event trail: SLA warnings and breaches, escalations (with their level), overdue
 * regulatory reports and possible group events.
 */
import { createRoute } from '@hono/zod-openapi';
import { requireActor } from './actor.js';
import { beyondPosition, pageOf } from './cursor.js';
import type { ApiDeps } from './deps.js';
import { withIsoInstants } from './instants.js';
import { firstQueryValues, jsonResponse, operation, problems, routesApp } from './openapi-route.js';
import { listCursor } from './request.js';
import { Responses } from './responses.js';
import { escalationListQuerySchema } from './schemas.js';

const listEscalations = createRoute({
  method: 'get',
  path: '/',
  ...operation({
    tag: 'escalations',
    summary: 'What people above the desk must act on',
    description:
      'SLA breaches and warnings, escalations, overdue regulatory reports and possible group events, newest first: `kind` breach, warning, escalation, regulatory, cluster; `level` supervisor, qa, management.',
    callers: 'any',
    operationId: 'listEscalations',
    strictQuery: true,
  }),
  middleware: [firstQueryValues] as const,
  request: { query: escalationListQuerySchema },
  responses: { 200: jsonResponse(Responses.EscalationList, 'A page of alerts.'), ...problems([400, 401, 503]) },
});

/** What the people above the desk are told of, by kind: the event behind it and who must act. */
const EVENT_OF_KIND = {
  breach: 'clock.breached',
  warning: 'clock.warning',
  escalation: 'escalated',
  regulatory: 'regulatory.breached',
  cluster: 'cluster.flagged',
} as const;
type AlertKind = keyof typeof EVENT_OF_KIND;
const KIND_OF_EVENT = Object.fromEntries(Object.entries(EVENT_OF_KIND).map(([k, v]) => [v, k])) as Record<string, AlertKind>;
const LEVELS_OF_KIND: Record<AlertKind, string[]> = {
  breach: ['supervisor'],
  warning: ['supervisor'],
  escalation: [], // each escalation names its own level
  regulatory: ['qa', 'supervisor'],
  cluster: ['qa', 'supervisor'],
};

export function escalationRoutes({ db }: ApiDeps) {
  const app = routesApp();
  app.use('*', requireActor);

  app.openapi(listEscalations, async (c) => {
    const q = c.req.valid('query');
    const position = listCursor(c, q.cursor);
    if (!position.ok) return position.response;
    const { cursor } = position;
    const kinds = q.kind ? [q.kind] : (Object.keys(EVENT_OF_KIND) as AlertKind[]);
    let query = db
      .selectFrom('complaint_events as e')
      .innerJoin('complaints as c', 'c.id', 'e.complaint_id')
      .select(['e.complaint_id', 'e.seq', 'e.at', 'e.actor_id', 'e.actor_role', 'e.action', 'e.data', 'c.number', 'c.stage', 'c.owner_id'])
      .where('e.action', 'in', kinds.map((k) => EVENT_OF_KIND[k]));
    if (q.level) {
      const level = q.level;
      // Escalations carry their level; the other alerts go to fixed levels.
      const fixed = kinds.filter((k) => k !== 'escalation' && LEVELS_OF_KIND[k].includes(level)).map((k) => EVENT_OF_KIND[k]);
      query = query.where((eb) =>
        eb.or([
          eb.and([eb('e.action', '=', 'escalated'), eb(eb.ref('e.data', '->>').key('level'), '=', level)]),
          ...(fixed.length ? [eb('e.action', 'in', fixed)] : []),
        ]),
      );
    }
    if (q.target) query = query.where(eb => eb(eb.ref('e.data', '->>').key('target'), '=', q.target!));
    if (cursor) {
      const [complaintId, seq] = cursor.id.split('#');
      query = query.where(beyondPosition(['e.at', 'e.complaint_id', 'e.seq'], [new Date(cursor.at), complaintId, Number(seq)], 'desc'));
    }
    const rows = await query.orderBy('e.at', 'desc').orderBy('e.complaint_id', 'desc').orderBy('e.seq', 'desc').limit(q.limit + 1).execute();
    const { page, nextCursor } = pageOf(rows, q.limit, (last) => ({ at: new Date(last.at).toISOString(), id: `${last.complaint_id}#${last.seq}` }));
    return c.json({
      items: page.map((r) => ({
        // The event's own data first (a breach's clock kind too), then what the list says of it.
        ...withIsoInstants(r.data as Record<string, unknown>),
        complaintId: r.complaint_id,
        number: r.number,
        stage: r.stage,
        ownerId: r.owner_id,
        kind: KIND_OF_EVENT[r.action],
        level: (r.data as { level?: string }).level ?? LEVELS_OF_KIND[KIND_OF_EVENT[r.action]],
        at: new Date(r.at).toISOString(),
        by: { id: r.actor_id, role: r.actor_role },
      })),
      nextCursor,
    }, 200);
  });
  return app;
}
