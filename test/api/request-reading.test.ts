/**
 * How the API reads a request, whatever the routes' schemas: a body is JSON whatever its
 * Content-Type (none, text/plain), an empty body is `{}`, malformed JSON is a 400; the sign-in
 * (401) and the role (403) come before the body is read, an unknown id (404) before its checks; a
 * query parameter given twice counts once, its first value; a cursor the API did not give out is
 * a 400 naming `/query/cursor`.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, startApiHarness, type ApiHarness, type Json } from '../support/api.js';

let api: ApiHarness;
const admin = as('reading-admin', 'admin');
const agent = as('reading-agent', 'agent');

beforeAll(async () => {
  api = await startApiHarness({ taskQueuePrefix: 'request-reading' });
  // Sign both in (the harness puts a token on file on its first use).
  await api.call('GET', '/me', admin);
  await api.call('GET', '/me', agent);
});

afterAll(async () => {
  await api?.stop();
});

/** A request as a client may send it: any headers (or none), the body as text. */
async function send(method: string, path: string, headers: Record<string, string>, body?: string) {
  const res = await api.app.request(path, { method, headers, body });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: (text ? JSON.parse(text) : undefined) as Json };
}
const pointers = (body: Json) => (body.errors as Json[]).map((e) => e.pointer);
const newUser = () => JSON.stringify({ id: `reader-${randomUUID().slice(0, 8)}`, displayName: 'Reader', role: 'agent' });

describe('a body', () => {
  it('is JSON without a Content-Type, and with another one', async () => {
    expect((await send('POST', '/admin/users', admin, newUser())).status).toBe(201);
    expect((await send('POST', '/admin/users', { ...admin, 'content-type': 'text/plain' }, newUser())).status).toBe(201);
    expect((await send('POST', '/admin/users', { ...admin, 'content-type': 'application/json; charset=utf-8' }, newUser())).status).toBe(201);
  });

  it('empty is {}: its missing fields are named (422), it is not malformed', async () => {
    for (const body of [undefined, '', '  \n']) {
      const res = await send('POST', '/admin/users', { ...admin, 'content-type': 'application/json' }, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.type).toMatch(/^application\/problem\+json/);
      expect(pointers(res.body).sort()).toEqual(['/displayName', '/id', '/role']);
    }
  });

  it('malformed is a 400 problem, never a 500', async () => {
    const res = await send('POST', '/admin/users', { ...admin, 'content-type': 'application/json' }, '{"id":');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: 'https://complaint-desk.dev/problems/malformed-json', title: 'Malformed JSON', status: 400 });
  });

  it('is not read before the sign-in (401) and the role (403)', async () => {
    expect((await send('PUT', '/calendars/CN', { 'content-type': 'application/json' }, '{"name":')).status).toBe(401);
    expect((await send('PUT', '/calendars/CN', { ...agent, 'content-type': 'application/json' }, '{"name":')).status).toBe(403);
    const action = `/complaints/${randomUUID()}/remedy-approval`;
    expect((await send('POST', action, { ...agent, 'content-type': 'application/json' }, '{"approved":')).status).toBe(403);
  });

  it('is not checked on a path naming no complaint: 404 first', async () => {
    const res = await send('POST', '/complaints/not-a-complaint/feedback', { ...agent, 'content-type': 'application/json' }, '{"score": 9}');
    expect(res.status).toBe(404);
    expect((await send('POST', `/complaints/${randomUUID()}/feedback`, { ...agent, 'content-type': 'application/json' }, '{"score": 9}')).status).toBe(422);
  });
});

describe('a query', () => {
  it('counts a parameter given twice once, by its first value', async () => {
    expect((await send('GET', '/complaints?limit=5&limit=not-a-number', agent)).status).toBe(200);
    const refused = await send('GET', '/complaints?limit=not-a-number&limit=5', agent);
    expect(refused.status).toBe(400);
    expect(pointers(refused.body)).toEqual(['/query/limit']);
  });

  it('refuses a cursor the API did not give out, on every list', async () => {
    const notOurs = Buffer.from(JSON.stringify(['2026-11-24T00:00:00Z', 'not-a-uuid'])).toString('base64url');
    for (const list of ['/complaints', '/clusters', '/product-holds', '/escalations', '/regulatory-reports']) {
      const res = await send('GET', `${list}?cursor=garbage`, agent);
      expect(res.status, list).toBe(400);
      expect(pointers(res.body), list).toEqual(['/query/cursor']);
    }
    for (const list of ['/complaints', '/clusters', '/product-holds']) {
      expect((await send('GET', `${list}?cursor=${notOurs}`, agent)).status, list).toBe(400);
    }
  });
});
