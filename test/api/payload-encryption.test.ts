/**
 * Personal data in workflow payloads is encrypted: a complaint's raw history, read without the key
 * (a plain client, the `temporal` CLI), holds none of the complainant's or the event's details,
 * while a client with the key reads them. The codec endpoint decodes for supervisors, QA and admins
 * only, and answers the Web UI's CORS preflight.
 */
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { historyToJSON, payloadToJSON } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clientCodec } from '../../api/codec.js';
import { createUser, issueToken } from '../../db/users.js';
import { ensureTemporalCli } from '../../scripts/stack/temporal-cli.js';
import { ENCRYPTED_ENCODING, METADATA_KEY_ID } from '../../workflows/wire/payload-codec.js';
import * as c from '../../workflows/contract.js';
import type { Role } from '../../workflows/model.js';
import { as, startApiHarness, type ApiHarness, type Json } from '../support/api.js';
import { SAMPLE_CREATE_BODY } from '../support/intake.js';
import { testDataConverter } from '../support/temporal.js';

const UI_ORIGIN = 'http://localhost:8233';
const agent = as('agent-li', 'agent');

/** Distinctive personal data: if any of it is in the history, encryption missed a payload. */
const PERSONAL = {
  name: 'Xiadani Quorvath-Ellingsen',
  phone: '+86 139 7731 0246',
  email: 'xq.ellingsen@harborview-clinic.example',
  address: '88 Lantern Quay Road, Harborview',
  description: 'Syringe driver alarm silenced itself during the night dose for bed 14',
  location: 'Harborview ward Q7',
  verification: 'called Quorvath back on the ward extension 5517',
  contact: 'explained the loan pump to Quorvath-Ellingsen',
  note: 'complainant prefers calls after 16:00 on 0246 line',
};
const NEEDLES = [...Object.values(PERSONAL), 'Quorvath', 'Ellingsen', '7731 0246', 'harborview-clinic'];

let api: ApiHarness;
let complaintId: string;
const tokens: Partial<Record<Role, string>> = {};
const bearer = (role: Role) => ({ authorization: `Bearer ${tokens[role]}` });

beforeAll(async () => {
  api = await startApiHarness({ taskQueuePrefix: 'payload-encryption' });
  for (const role of ['supervisor', 'qa', 'admin', 'agent', 'handler'] as Role[]) {
    await createUser(api.database.db, { id: `${role}-codec`, displayName: `${role} of the codec test`, role }, 'test');
    tokens[role] = (await issueToken(api.database.db, `${role}-codec`, 'codec test', 'test')).token;
  }

  const filed = await api.post('/complaints', agent, {
    ...SAMPLE_CREATE_BODY,
    complainant: { name: PERSONAL.name, role: 'patient', phone: PERSONAL.phone, email: PERSONAL.email, address: PERSONAL.address },
    event: { ...SAMPLE_CREATE_BODY.event, description: PERSONAL.description, location: PERSONAL.location },
  });
  expect(filed.status, JSON.stringify(filed.body)).toBe(201);
  complaintId = filed.body.complaintId as string;
  for (const [path, body] of [
    ['verify-complainant', { method: PERSONAL.verification }],
    ['contacts', { channel: 'phone', summary: PERSONAL.contact }],
    ['notes', { text: PERSONAL.note }],
  ] as const) {
    const res = await api.post(`/complaints/${complaintId}/${path}`, agent, body);
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
  }
});

afterAll(async () => {
  await api?.stop();
});

/** `temporal …` against the suite's dev server (asynchronous: the codec endpoint it may call runs in this process). */
async function temporalCli(args: string[]): Promise<string> {
  const cli = await ensureTemporalCli();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_')));
  return await new Promise<string>((resolve, reject) =>
    execFile(
      cli,
      [...args, '--address', inject('temporalAddress'), '--command-timeout', '20s'],
      { env, maxBuffer: 64 * 1024 * 1024, timeout: 30_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    ),
  );
}

/** Every payload in a history (proto objects), with where it is; search attributes apart. */
function payloadsIn(node: unknown, where = '', out: { where: string; payload: Payload }[] = []) {
  if (!node || typeof node !== 'object' || ArrayBuffer.isView(node)) return out;
  const maybe = node as { metadata?: Record<string, unknown> };
  if (maybe.metadata && typeof maybe.metadata === 'object' && ArrayBuffer.isView(maybe.metadata.encoding)) {
    out.push({ where, payload: node as Payload });
    return out;
  }
  for (const [key, value] of Object.entries(node)) payloadsIn(value, `${where}/${key}`, out);
  return out;
}

/** The text and every base64 string in it, decoded: where plaintext could hide in a JSON history. */
function searchable(json: string): string {
  const decoded = (json.match(/[A-Za-z0-9+/_-]{8,}={0,2}/g) ?? []).map((s) => Buffer.from(s, 'base64').toString('latin1'));
  return [json, ...decoded].join('\n');
}

const utf8 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

describe('a complaint’s history without the key', () => {
  it('holds no personal data: every payload is encrypted, search attributes carry none', async () => {
    const raw = new Client({ connection: api.temporal.connection }); // no codec: what the server, its database and ops see
    const history = await raw.workflow.getHandle(complaintId).fetchHistory();
    expect(history.events?.length).toBeGreaterThan(10);

    const haystack = searchable(historyToJSON(history));
    for (const needle of NEEDLES) expect(haystack, `"${needle}" is in the raw history`).not.toContain(needle);

    const found = payloadsIn(history.events);
    const notEncrypted = found.filter(({ payload }) => utf8(payload.metadata!.encoding) !== ENCRYPTED_ENCODING);
    // Only search attributes (the server indexes them) and the SDK core's own marker bookkeeping stay
    // readable: a patch's name, and for each local activity its type, attempt and times (its input never
    // enters the history; its result, under details/result, is encrypted). None holds personal data,
    // which the needles above confirm.
    const readable = /\/searchAttributes\/|\/markerRecordedEventAttributes\/details\/(patch-data|data)\//;
    expect(notEncrypted.filter(({ where }) => !readable.test(where)).map(({ where }) => where)).toEqual([]);
    const encrypted = found.filter(({ payload }) => utf8(payload.metadata!.encoding) === ENCRYPTED_ENCODING);
    expect(encrypted.length).toBeGreaterThan(10);
    expect(new Set(encrypted.map(({ payload }) => utf8(payload.metadata![METADATA_KEY_ID])))).toEqual(new Set(['test']));

    // And a plain client cannot read the workflow's answers either.
    await expect(raw.workflow.getHandle(complaintId).query(c.stateQuery)).rejects.toThrow(/encoding/i);
  });

  it('the `temporal` CLI shows no personal data either', async () => {
    const out = await temporalCli(['workflow', 'show', '--workflow-id', complaintId, '--output', 'json']);
    expect(out).toContain(Buffer.from(ENCRYPTED_ENCODING).toString('base64')); // the payloads' encoding, as the CLI prints it
    const haystack = searchable(out);
    for (const needle of NEEDLES) expect(haystack, `"${needle}" is in \`temporal workflow show\``).not.toContain(needle);
  });

  it('with the key, the same payloads hold the personal data', async () => {
    const history = await api.temporal.workflow.getHandle(complaintId).fetchHistory();
    const decoded = await clientCodec(api.temporal).decode(payloadsIn(history.events).map(({ payload }) => payload));
    const plaintext = decoded.map((p) => utf8(p.data)).join('\n');
    for (const needle of Object.values(PERSONAL)) expect(plaintext).toContain(needle);
    // The client with the key reads the workflow as before.
    const state = await api.temporal.workflow.getHandle(complaintId).query(c.stateQuery);
    expect(state.stage).toBe('intake');
  });
});

describe('the codec endpoint', () => {
  async function firstPayloads(n: number): Promise<Json[]> {
    const history = await api.temporal.workflow.getHandle(complaintId).fetchHistory();
    return payloadsIn(history.events)
      .filter(({ payload }) => utf8(payload.metadata!.encoding) === ENCRYPTED_ENCODING)
      .slice(0, n)
      .map(({ payload }) => payloadToJSON(payload));
  }

  it('decodes the history’s payloads for a supervisor, QA and an admin (protobuf JSON, base64 bytes)', async () => {
    const payloads = await firstPayloads(3);
    for (const role of ['supervisor', 'qa', 'admin'] as Role[]) {
      const res = await api.call('POST', '/codec/decode', { ...bearer(role), 'x-namespace': 'default', origin: UI_ORIGIN }, { payloads });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body.payloads).toHaveLength(3);
      const encodings = (res.body.payloads as Json[]).map((p) => Buffer.from(p.metadata.encoding, 'base64').toString());
      expect(encodings.every((e) => /^(json\/plain|binary\/null)$/.test(e)), encodings.join()).toBe(true);
      // The workflow's input (first payload) is the intake card with the complainant.
      expect(Buffer.from(res.body.payloads[0].data, 'base64').toString()).toContain(PERSONAL.name);
    }
  });

  it('encode then decode is a round trip; also under /codec/{namespace}/…', async () => {
    const original = payloadToJSON({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify({ name: PERSONAL.name })) });
    const encoded = await api.call('POST', '/codec/default/encode', bearer('supervisor'), { payloads: [original] });
    expect(encoded.status, JSON.stringify(encoded.body)).toBe(200);
    const [sealed] = encoded.body.payloads as Json[];
    expect(Buffer.from(sealed!.metadata.encoding, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(sealed!.metadata[METADATA_KEY_ID], 'base64').toString()).toBe('test');
    expect(Buffer.from(sealed!.data, 'base64').toString('latin1')).not.toContain('Quorvath');
    const decoded = await api.call('POST', '/codec/decode', bearer('qa'), { payloads: [sealed] });
    expect(decoded.status).toBe(200);
    expect(decoded.body.payloads).toEqual([original]);
    // Payloads that were never encrypted come back as they are.
    expect((await api.call('POST', '/codec/decode', bearer('qa'), { payloads: [original] })).body.payloads).toEqual([original]);
  });

  it('401 without sign-in, 403 for agents and handlers; the UI can read the refusal (CORS)', async () => {
    const payloads = await firstPayloads(1);
    const anonymous = await api.call('POST', '/codec/decode', { origin: UI_ORIGIN, 'x-namespace': 'default' }, { payloads });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(JSON.stringify(anonymous.body)).not.toContain('Quorvath');
    expect((await api.call('POST', '/codec/decode', { authorization: 'Bearer cdt_not-a-token' }, { payloads })).status).toBe(401);
    for (const role of ['agent', 'handler'] as Role[]) {
      const refused = await api.call('POST', '/codec/decode', bearer(role), { payloads });
      expect(refused.status).toBe(403);
      expect(JSON.stringify(refused.body)).not.toContain('Quorvath');
      expect((await api.call('POST', '/codec/encode', bearer(role), { payloads })).status).toBe(403);
    }
  });

  it('the `temporal` CLI reads the history through it, with a supervisor’s token', async () => {
    const server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' });
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/codec`;
      const show = (...extra: string[]) => temporalCli(['workflow', 'show', '--workflow-id', complaintId, '--detailed', '--codec-endpoint', endpoint, ...extra]);
      const decoded = await show('--codec-auth', bearer('supervisor').authorization);
      for (const needle of [PERSONAL.name, PERSONAL.email, PERSONAL.description]) expect(decoded).toContain(needle);
    } finally {
      server.close();
    }
  });

  it('bad bodies are 400 and name no payload content; no payloads (`{}`) is answered', async () => {
    const sup = bearer('supervisor');
    expect((await api.call('POST', '/codec/decode', sup, undefined, '{not json')).status).toBe(400);
    expect((await api.call('POST', '/codec/decode', sup, { payload: [] })).status).toBe(400);
    expect((await api.call('POST', '/codec/decode', sup, { payloads: {} })).status).toBe(400);
    // No payloads is `{}` in protobuf JSON (the CLI sends it for an empty list): answered, not refused.
    const empty = await api.call('POST', '/codec/decode', sup, {});
    expect([empty.status, empty.body]).toEqual([200, { payloads: [] }]);
    expect((await api.call('POST', '/codec/decode', sup, { payloads: [{ metadata: { encoding: '%%%' } }] })).status).toBe(400);
    const [sealed] = await firstPayloads(1);
    const unknownKey = { ...sealed, metadata: { ...sealed!.metadata, [METADATA_KEY_ID]: Buffer.from('k-gone').toString('base64') } };
    const res = await api.call('POST', '/codec/decode', sup, { payloads: [unknownKey] });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/key 'k-gone', which is not configured/);
  });

  it('answers the Web UI’s CORS preflight for its origin, and no other origin', async () => {
    const preflight = (origin: string) =>
      api.app.request('/codec/decode', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' },
      });
    const ok = await preflight(UI_ORIGIN);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    const allowed = (ok.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const h of ['content-type', 'x-namespace', 'authorization']) expect(allowed).toContain(h);

    const other = await preflight('http://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('the Web UI signs in to the codec with a cookie', () => {
  it('a supervisor signs the browser in; the cookie alone then decodes; an agent cannot; signing out clears it', async () => {
    const signIn = async (token: string) =>
      api.app.request('/codec-session', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${encodeURIComponent(token)}` });
    const tokenOf = (headers: Record<string, string>) => headers.authorization.replace(/^Bearer /, '');
    const supervisor = as('codec-sup', 'supervisor');
    const agent = as('codec-agent', 'agent');
    await api.call('GET', '/me', supervisor); // registers the test users' tokens
    await api.call('GET', '/me', agent);

    expect((await api.app.request('/codec-session')).status).toBe(200);
    expect((await signIn('cdt_unknown')).status).toBe(401);
    expect((await signIn(tokenOf(agent))).status).toBe(403);
    const res = await signIn(tokenOf(supervisor));
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^complaint_desk_codec=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Path=\/codec/);
    expect(cookie).toMatch(/SameSite=Lax/);

    const encrypted = (await testDataConverter.payloadCodecs![0].encode([{ metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode('"Zhang Wei"') }]))[0];
    const body = JSON.stringify({ payloads: [payloadToJSON(encrypted)] });
    const decode = (headers: Record<string, string>) => api.app.request('/codec/decode', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const withCookie = await decode({ cookie: cookie.split(';')[0] });
    expect(withCookie.status).toBe(200);
    const decoded = (await withCookie.json()) as { payloads: Array<{ data: string }> };
    expect(Buffer.from(decoded.payloads[0].data, 'base64').toString('utf8')).toBe('"Zhang Wei"');
    expect((await decode({})).status).toBe(401);
    expect((await decode({ cookie: 'complaint_desk_codec=cdt_forged' })).status).toBe(401);

    const out = await api.app.request('/codec-session', { method: 'DELETE' });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/complaint_desk_codec=;.*Max-Age=0/);
  });
});
