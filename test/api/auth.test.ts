/** Sign-in with bearer tokens: issued by an admin, stored hashed, revocable; roles enforced at the edge. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, hashToken, issueToken } from '../../db/users.js';
import { startApiHarness, type ApiHarness, type Json } from '../support/api.js';
import { SAMPLE_CREATE_BODY } from '../support/intake.js';

let api: ApiHarness;
let adminToken: string;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  api = await startApiHarness();
  // The first admin of an installation comes from the command line (npm run admin); here, the same functions.
  await createUser(api.database.db, { id: 'root-admin', displayName: 'First admin', role: 'admin' }, 'test');
  adminToken = (await issueToken(api.database.db, 'root-admin', 'bootstrap', 'test')).token;
});
afterAll(async () => {
  await api?.stop();
});

describe('tokens', () => {
  it('an admin creates a user and issues a token; the token signs the user in with their role; only its hash is stored', async () => {
    const created = await api.call('POST', '/admin/users', bearer(adminToken), { id: 'agent-wang', displayName: 'Wang Fang', role: 'agent' });
    expect(created.status).toBe(201);
    expect((await api.call('POST', '/admin/users', bearer(adminToken), { id: 'agent-wang', displayName: 'x', role: 'agent' })).status).toBe(409);
    const issued = await api.call('POST', '/admin/users/agent-wang/tokens', bearer(adminToken), { label: 'desk 7 laptop', expiresInDays: 90 });
    expect(issued.status).toBe(201);
    const token = issued.body.token as string;
    expect(token).toMatch(/^cdt_[A-Za-z0-9_-]{43}$/);

    expect((await api.call('GET', '/me', bearer(token))).body).toEqual({ actor: { id: 'agent-wang', role: 'agent' } });
    const rows = await api.database.db.selectFrom('api_tokens').selectAll().where('user_id', '=', 'agent-wang').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toBe(hashToken(token));
    expect(JSON.stringify(rows)).not.toContain(token);
    const listed = await api.call('GET', '/admin/users/agent-wang/tokens', bearer(adminToken));
    expect(listed.body.items).toEqual([expect.objectContaining({ tokenId: issued.body.tokenId, label: 'desk 7 laptop' })]);
    expect(JSON.stringify(listed.body)).not.toContain(token);

    // The actor of what the token does is the token's user, whatever the request says.
    const filed = await api.call('POST', '/complaints', { ...bearer(token), 'x-actor-id': 'someone-else', 'x-actor-role': 'supervisor' }, SAMPLE_CREATE_BODY);
    expect(filed.status).toBe(201);
    // The receipt joins the trail with the workflow's first task, a moment after the 201.
    const trail = async () => (await api.call('GET', `/complaints/${filed.body.complaintId}/events`, bearer(token))).body.items as Json[];
    await expect.poll(async () => (await trail()).length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect((await trail())[0].actor).toEqual({ id: 'agent-wang', role: 'agent' });
    const spoof = await api.call('POST', `/complaints/${filed.body.complaintId}/notes`, bearer(token), { text: 'x', actor: { id: 'boss', role: 'supervisor' } });
    expect(spoof.status).toBe(422); // an actor in the body is refused, never used
  });

  it('401 without a token, with an unknown one, a revoked one, or for a deactivated user', async () => {
    const none = await api.call('GET', '/complaints', {});
    expect(none.status).toBe(401);
    expect(none.body.errors).toEqual([{ pointer: '/header/authorization', message: 'missing' }]);
    expect((await api.call('GET', '/complaints', bearer('cdt_not-a-real-token'))).status).toBe(401);
    expect((await api.call('GET', '/complaints', { authorization: 'Basic dXNlcjpwYXNz' })).status).toBe(401);

    await api.call('POST', '/admin/users', bearer(adminToken), { id: 'handler-temp', displayName: 'Temp', role: 'handler' });
    const issued = (await api.call('POST', '/admin/users/handler-temp/tokens', bearer(adminToken), { label: 'temp' })).body;
    expect((await api.call('GET', '/me', bearer(issued.token))).status).toBe(200);
    expect((await api.call('POST', `/admin/tokens/${issued.tokenId}/revocation`, bearer(adminToken))).status).toBe(200);
    expect((await api.call('GET', '/me', bearer(issued.token))).status).toBe(401);
    expect((await api.call('POST', `/admin/tokens/${issued.tokenId}/revocation`, bearer(adminToken))).status).toBe(404);

    const second = (await api.call('POST', '/admin/users/handler-temp/tokens', bearer(adminToken), { label: 'temp 2' })).body;
    expect((await api.call('PATCH', '/admin/users/handler-temp', bearer(adminToken), { active: false })).status).toBe(200);
    expect((await api.call('GET', '/me', bearer(second.token))).status).toBe(401);
  });

  it('expired tokens sign nobody in', async () => {
    await api.call('POST', '/admin/users', bearer(adminToken), { id: 'qa-short', displayName: 'Short', role: 'qa' });
    const issued = (await api.call('POST', '/admin/users/qa-short/tokens', bearer(adminToken), { label: 'short', expiresInDays: 1 })).body;
    expect((await api.call('GET', '/me', bearer(issued.token))).status).toBe(200);
    await api.database.db.updateTable('api_tokens').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', issued.tokenId).execute();
    expect((await api.call('GET', '/me', bearer(issued.token))).status).toBe(401);
  });

  it('only admins manage users and tokens; bad input is 422 with pointers', async () => {
    await api.call('POST', '/admin/users', bearer(adminToken), { id: 'sup-li', displayName: 'Li', role: 'supervisor' });
    const supToken = (await api.call('POST', '/admin/users/sup-li/tokens', bearer(adminToken), { label: 'x' })).body.token;
    expect((await api.call('GET', '/admin/users', bearer(supToken))).status).toBe(403);
    expect((await api.call('POST', '/admin/users/sup-li/tokens', bearer(supToken), { label: 'x' })).status).toBe(403);
    const bad = await api.call('POST', '/admin/users', bearer(adminToken), { id: 'Bad Id!', role: 'king' });
    expect(bad.status).toBe(422);
    expect((bad.body.errors as Json[]).map((e) => e.pointer).sort()).toEqual(['/displayName', '/id', '/role']);
  });
});
