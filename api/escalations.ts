/**
 * /escalations: what supervisors, QA and management must act on across complaints, newest first,
 * read from the event trail: SLA warnings and breaches, escalations (with their level), overdue
 * regulatory reports and possible group events.
 */
import { Hono } from 'hono';
import { requireActor, type ActorEnv } from './actor.js';
import { encodeCursor } from './cursor.js';
import type { ApiDeps } from './deps.js';
import { withIsoInstants } from './instants.js';
import { parseListQuery } from './request.js';
import { escalationListQuerySchema } from './schemas.js';

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
  const app = new Hono<ActorEnv>();
  app.use('*', requireActor);

  app.get('/', async (c) => {
    const list = parseListQuery(c, escalationListQuerySchema);
    if (!list.ok) return list.response;
    const { query: q, cursor } = list.value;
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
      const at = new Date(cursor.at);
      query = query.where((eb) =>
        eb.or([
          eb('e.at', '<', at),
          eb.and([eb('e.at', '=', at), eb('e.complaint_id', '<', complaintId)]),
          eb.and([eb('e.at', '=', at), eb('e.complaint_id', '=', complaintId), eb('e.seq', '<', Number(seq))]),
        ]),
      );
    }
    const rows = await query.orderBy('e.at', 'desc').orderBy('e.complaint_id', 'desc').orderBy('e.seq', 'desc').limit(q.limit + 1).execute();
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
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
      nextCursor:
        rows.length > q.limit && last
          ? encodeCursor({ at: new Date(last.at).toISOString(), id: `${last.complaint_id}#${last.seq}` })
          : null,
    });
  });
  return app;
}
