/**
 * /admin: users, their roles, and their bearer tokens (issued once, revocable). Admins only.
 * /me: who the token in hand signs in as.
 */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { createUser, findUser, issueToken, listTokens, listUsers, revokeToken, updateUser } from '../db/users.js';
import { ROLES } from '../workflows/model.js';
import { allow, requireActor } from './actor.js';
import type { ApiDeps } from './deps.js';
import { jsonBody, jsonResponse, operation, pathParam, problems, readJson, routesApp } from './openapi-route.js';
import { problem } from './problems.js';
import { Responses } from './responses.js';

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


const ADMINS = ['admin'] as const;
const userIdParam = z.object({ id: pathParam('The user ID, e.g. `agent-li`.') });

const listUsersRoute = createRoute({
  method: 'get',
  path: '/users',
  ...operation({ tag: 'admin', summary: 'List users', callers: ADMINS, operationId: 'listUsers' }),
  responses: { 200: jsonResponse(Responses.UserList, 'Every user, by id.'), ...problems([401, 403, 503]) },
});

const createUserRoute = createRoute({
  method: 'post',
  path: '/users',
  ...operation({
    tag: 'admin',
    summary: 'Create a user',
    description: 'With one role. Sign-in is by tokens issued to the user afterwards.',
    callers: ADMINS,
    operationId: 'createUser',
  }),
  middleware: [readJson] as const,
  request: { body: jsonBody(newUserSchema.meta({ id: 'NewUserRequest' }), { id: 'agent-li', displayName: 'Li Ming', role: 'agent' }) },
  responses: {
    201: jsonResponse(Responses.User, 'Created.'),
    ...problems([400, 401, 403, 409, 422, 503], { 409: 'A user with this id exists already.' }),
  },
});

const updateUserRoute = createRoute({
  method: 'patch',
  path: '/users/{id}',
  ...operation({
    tag: 'admin',
    summary: 'Change a user',
    description: "Role, display name, or active (a deactivated user's tokens sign nobody in).",
    callers: ADMINS,
    operationId: 'updateUser',
  }),
  middleware: [readJson] as const,
  request: { params: userIdParam, body: jsonBody(userChangeSchema.meta({ id: 'UserChangeRequest' }), { active: false }) },
  responses: { 200: jsonResponse(Responses.User, 'Changed.'), ...problems([400, 401, 403, 404, 422, 503]) },
});

const listTokensRoute = createRoute({
  method: 'get',
  path: '/users/{id}/tokens',
  ...operation({
    tag: 'admin',
    summary: "List a user's tokens",
    description: 'Their labels and dates; never the tokens themselves (stored hashed).',
    callers: ADMINS,
    operationId: 'listTokens',
  }),
  request: { params: userIdParam },
  responses: { 200: jsonResponse(Responses.TokenList, 'Newest first.'), ...problems([401, 403, 404, 503]) },
});

const issueTokenRoute = createRoute({
  method: 'post',
  path: '/users/{id}/tokens',
  ...operation({
    tag: 'admin',
    summary: 'Issue a token',
    description: 'The token is shown once, in this answer (`Cache-Control: no-store`).',
    callers: ADMINS,
    operationId: 'issueToken',
  }),
  middleware: [readJson] as const,
  request: { params: userIdParam, body: jsonBody(newTokenSchema.meta({ id: 'NewTokenRequest' }), { label: 'desk 7', expiresInDays: 90 }) },
  responses: {
    201: jsonResponse(Responses.IssuedToken, 'Issued.'),
    ...problems([400, 401, 403, 404, 409, 422, 503], { 409: 'The user is deactivated.' }),
  },
});

const revokeTokenRoute = createRoute({
  method: 'post',
  path: '/tokens/{tokenId}/revocation',
  ...operation({ tag: 'admin', summary: 'Revoke a token', description: 'From now on it signs nobody in. No body.', callers: ADMINS, operationId: 'revokeToken' }),
  request: { params: z.object({ tokenId: pathParam("The token's ID (a UUID; not the token).", 'uuid') }) },
  responses: {
    200: jsonResponse(Responses.TokenRevoked, 'Revoked.'),
    ...problems([401, 403, 404, 503], { 404: 'No such token, or revoked already.' }),
  },
});

const meRoute = createRoute({
  method: 'get',
  path: '/',
  ...operation({ tag: 'admin', summary: 'Who am I', description: 'The user and role the credentials in hand sign in as.', callers: 'any', operationId: 'me' }),
  responses: { 200: jsonResponse(Responses.Me, 'The actor.'), ...problems([401, 503]) },
});

export function adminRoutes({ db }: ApiDeps) {
  const app = routesApp();
  app.use('*', requireActor, allow('admin'));

  app.openapi(listUsersRoute, async (c) => c.json({ items: await listUsers(db) }, 200));

  app.openapi(createUserRoute, async (c) => {
    const body = c.req.valid('json');
    const user = await createUser(db, body, c.get('actor').id);
    if (!user) return problem(c, 409, 'illegalTransition', 'User exists', `a user ${body.id} exists already`);
    return c.json(user, 201);
  });

  app.openapi(updateUserRoute, async (c) => {
    const user = await updateUser(db, c.req.param('id'), c.req.valid('json'));
    if (!user) return problem(c, 404, 'notFound', 'No such user', 'no user with this id');
    return c.json(user, 200);
  });

  app.openapi(listTokensRoute, async (c) => {
    const user = await findUser(db, c.req.param('id'));
    if (!user) return problem(c, 404, 'notFound', 'No such user', 'no user with this id');
    return c.json({ items: await listTokens(db, user.id) }, 200);
  });

  /** The token is in this answer and nowhere else: it is stored hashed. */
  app.openapi(issueTokenRoute, async (c) => {
    const body = c.req.valid('json');
    const user = await findUser(db, c.req.param('id'));
    if (!user) return problem(c, 404, 'notFound', 'No such user', 'no user with this id');
    if (!user.active) return problem(c, 409, 'illegalTransition', 'User inactive', 'the user is deactivated; reactivate first');
    const issued = await issueToken(db, user.id, body.label, c.get('actor').id, body.expiresInDays);
    return c.json({ ...issued, role: user.role }, 201, { 'cache-control': 'no-store' });
  });

  app.openapi(revokeTokenRoute, async (c) => {
    const tokenId = c.req.param('tokenId');
    if (!z.uuid().safeParse(tokenId).success) return problem(c, 404, 'notFound', 'No such token', 'no token with this id');
    const revoked = await revokeToken(db, tokenId, c.get('actor').id);
    if (!revoked) return problem(c, 404, 'notFound', 'No such token', 'no unrevoked token with this id');
    return c.json({ tokenId, revoked: true as const }, 200);
  });

  return app;
}

export function meRoutes() {
  const app = routesApp();
  app.use('*', requireActor);
  app.openapi(meRoute, (c) => c.json({ actor: c.get('actor') }, 200));
  return app;
}
