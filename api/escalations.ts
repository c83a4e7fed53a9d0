/**
 * /escalations: the supervisor's list of SLA breaches and escalations across complaints, newest
 * first, read from the event trail.
 */
import { Hono } from 'hono';
import { requireActor, type ActorEnv } from './actor.js';
import { encodeCursor } from './cursor.js';
import type { ApiDeps } from './deps.js';
import { withIsoInstants } from './instants.js';
import { parseListQuery } from './request.js';
import { escalationListQuerySchema } from './schemas.js';

export function escalationRoutes({ db }: ApiDeps) {
  const app = new Hono<ActorEnv>();
  app.use('*', requireActor);

  app.get('/', async (c) => {
    const list = parseListQuery(c, escalationListQuerySchema);
    if (!list.ok) return list.response;
    const { query: q, cursor } = list.value;
    const actions = q.kind === 'breach' ? ['clock.breached'] : q.kind === 'escalation' ? ['escalated'] : ['clock.breached', 'escalated'];
    let query = db
      .selectFrom('complaint_events as e')
      .innerJoin('complaints as c', 'c.id', 'e.complaint_id')
      .select(['e.complaint_id', 'e.seq', 'e.at', 'e.actor_id', 'e.actor_role', 'e.action', 'e.data', 'c.number', 'c.stage', 'c.owner_id'])
      .where('e.action', 'in', actions);
    if (q.target) {
      const target = q.target;
      query = query.where((eb) =>
        eb.or([eb('e.action', '=', 'clock.breached').and(eb.val(target === 'supervisor')), eb.and([eb('e.action', '=', 'escalated'), eb(eb.ref('e.data', '->>').key('target'), '=', target)])]),
      );
    }
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
        complaintId: r.complaint_id,
        number: r.number,
        stage: r.stage,
        ownerId: r.owner_id,
        kind: r.action === 'clock.breached' ? 'breach' : 'escalation',
        at: new Date(r.at).toISOString(),
        by: { id: r.actor_id, role: r.actor_role },
        ...withIsoInstants(r.data as Record<string, unknown>),
      })),
      nextCursor:
        rows.length > q.limit && last
          ? encodeCursor({ at: new Date(last.at).toISOString(), id: `${last.complaint_id}#${last.seq}` })
          : null,
    });
  });
  return app;
}
