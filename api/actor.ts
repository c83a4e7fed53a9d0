/**
 * Who is acting: `Authorization: Bearer <token>`. The token names a user and the user's role; the
 * actor recorded on every event comes from here, never from the request body. Tokens are issued
 * and revoked by an admin (`/admin`, or `npm run admin`).
 */
import { createMiddleware } from 'hono/factory';
import type { Actor, Role } from '../workflows/model.js';
import { problem } from './problems.js';

export type ActorEnv = {
  Variables: {
    actor: Actor;
    /** Set once per request by the app (see createApp): resolves a bearer token to its actor. */
    resolveActor: (token: string) => Promise<Actor | undefined>;
  };
};

const BEARER = /^Bearer\s+(\S+)$/i;

export const requireActor = createMiddleware<ActorEnv>(async (c, next) => {
  const header = c.req.header('authorization');
  const token = header ? BEARER.exec(header)?.[1] : undefined;
  const actor = token ? await c.get('resolveActor')(token) : undefined;
  if (!actor) {
    c.header('WWW-Authenticate', 'Bearer realm="complaint-desk"');
    return problem(
      c,
      401,
      'unauthenticated',
      'Sign-in needed',
      header ? 'the bearer token is unknown, revoked or expired' : 'send Authorization: Bearer <token> (an admin issues tokens)',
      [{ pointer: '/header/authorization', message: header ? 'not a valid token' : 'missing' }],
    );
  }
  c.set('actor', actor);
  await next();
});

/** Least privilege at the edge: the route answers 403 to any other role, before reading the body. */
export function allow(...roles: Role[]) {
  return createMiddleware<ActorEnv>(async (c, next) => {
    const actor = c.get('actor');
    if (!roles.includes(actor.role)) {
      return problem(c, 403, 'forbidden', 'Not allowed for your role', `this needs the role ${roles.join(' or ')}; you act as ${actor.role}`);
    }
    await next();
  });
}
