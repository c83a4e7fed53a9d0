/**
 * Who is acting. Until real sign-in arrives, the caller names itself in two headers:
 * `X-Actor-Id` and `X-Actor-Role`. Every recorded event carries this actor.
 */
import { createMiddleware } from 'hono/factory';
import type { Actor } from '../workflows/model.js';
import { problem } from './problems.js';
import { actorSchema, } from './schemas.js';

export type ActorEnv = { Variables: { actor: Actor } };

export const requireActor = createMiddleware<ActorEnv>(async (c, next) => {
  const parsed = actorSchema.safeParse({ id: c.req.header('x-actor-id'), role: c.req.header('x-actor-role') });
  if (!parsed.success) {
    return problem(
      c,
      401,
      'unauthenticated',
      'Who is acting?',
      'send X-Actor-Id (your user id) and X-Actor-Role (agent, handler, supervisor, qa or admin)',
      parsed.error.issues.map((i) => ({
        pointer: `/header/${i.path[0] === 'id' ? 'x-actor-id' : 'x-actor-role'}`,
        message: i.message,
      })),
    );
  }
  c.set('actor', parsed.data);
  await next();
});
