/**
 * /admin: users, their roles, and their bearer tokens (issued once, revocable). Admins only.
 * /me: who the token in hand signs in as.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { createUser, findUser, issueToken, listTokens, listUsers, revokeToken, updateUser } from '../db/users.js';
import { ROLES } from '../workflows/model.js';
import { allow, requireActor, type ActorEnv } from './actor.js';
import type { ApiDeps } from './deps.js';
import { problem } from './problems.js';
import { parseBody } from './request.js';

const userId = z.string().trim().regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, 'lower-case letters, digits, dot, dash or underscore; 2 to 64 characters');
export const newUserSchema = z.strictObject({ id: userId, displayName: z.string().trim().min(1).max(200), role: z.enum(ROLES) });
export const userChangeSchema = z.strictObject({
  role: z.enum(ROLES).optional(),
  active: z.boolean().optional(),
  displayName: z.string().trim().min(1).max(200).optional(),
});
export const newTokenSchema = z.strictObject({
  label: z.string().trim().min(1).max(200),
  expiresInDays: z.number().int('must be a whole number').min(1).max(3650).optional(),
});

export function adminRoutes({ db }: ApiDeps) {
  const app = new Hono<ActorEnv>();
  app.use('*', requireActor, allow('admin'));

  app.get('/users', async (c) => c.json({ items: await listUsers(db) }));

  app.post('/users', async (c) => {
    const body = await parseBody(c, newUserSchema);
    if (!body.ok) return body.response;
    const user = await createUser(db, body.value, c.get('actor').id);
    if (!user) return problem(c, 409, 'illegalTransition', 'User exists', `a user ${body.value.id} exists already`);
    return c.json(user, 201);
  });

  app.patch('/users/:id', async (c) => {
    const body = await parseBody(c, userChangeSchema);
    if (!body.ok) return body.response;
    const user = await updateUser(db, c.req.param('id'), body.value);
    if (!user) return problem(c, 404, 'notFound', 'No such user', 'no user with this id');
    return c.json(user);
  });

  app.get('/users/:id/tokens', async (c) => {
    const user = await findUser(db, c.req.param('id'));
    if (!user) return problem(c, 404, 'notFound', 'No such user', 'no user with this id');
    return c.json({ items: await listTokens(db, user.id) });
  });

  /** The token is in this answer and nowhere else: it is stored hashed. */
  app.post('/users/:id/tokens', async (c) => {
    const body = await parseBody(c, newTokenSchema);
    if (!body.ok) return body.response;
    const user = await findUser(db, c.req.param('id'));
    if (!user) return problem(c, 404, 'notFound', 'No such user', 'no user with this id');
    if (!user.active) return problem(c, 409, 'illegalTransition', 'User inactive', 'the user is deactivated; reactivate first');
    const issued = await issueToken(db, user.id, body.value.label, c.get('actor').id, body.value.expiresInDays);
    return c.json({ ...issued, role: user.role }, 201, { 'cache-control': 'no-store' });
  });

  app.post('/tokens/:tokenId/revocation', async (c) => {
    const tokenId = c.req.param('tokenId');
    if (!z.uuid().safeParse(tokenId).success) return problem(c, 404, 'notFound', 'No such token', 'no token with this id');
    const revoked = await revokeToken(db, tokenId, c.get('actor').id);
    if (!revoked) return problem(c, 404, 'notFound', 'No such token', 'no unrevoked token with this id');
    return c.json({ tokenId, revoked: true });
  });

  return app;
}

export function meRoutes() {
  const app = new Hono<ActorEnv>();
  app.use('*', requireActor);
  app.get('/', (c) => c.json({ actor: c.get('actor') }));
  return app;
}
