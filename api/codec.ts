/**
 * The codec endpoint: Temporal's codec-server protocol, so the Web UI and the `temporal` CLI can show
 * the payloads the worker and the API encrypt (worker/payload-codec.ts) to the people allowed to see
 * them, without the Temporal server ever holding the key.
 *
 *   POST …/decode   {"payloads": [{"metadata": {"encoding": "<base64>", …}, "data": "<base64>"}]}
 *   POST …/encode   the same shape; the answer holds the payloads run through the codec
 *
 * Bodies are `Payloads` in protobuf JSON: every metadata value and the data are base64 of bytes. Only
 * the last part of the path counts, so `/codec/decode` and `/codec/<namespace>/decode` (the CLI's
 * `--codec-endpoint http://…/codec/{namespace}`) are both served; the UI's `X-Namespace` header is
 * accepted and not needed (one set of keys for every namespace).
 *
 * Who may use it: what `authorize` lets through (codecUsersOnly: a signed-in supervisor, QA or
 * admin). The Web UI calls it from its own origin, so CORS answers that origin (TEMPORAL_UI_ORIGIN,
 * default http://localhost:8233), preflight included, with credentials. Decoded payloads are
 * personal data: never logged, never cached.
 */
import type { Client } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { JSONToPayload, payloadToJSON, type JSONPayload } from '@temporalio/common/lib/proto-utils.js';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { every } from 'hono/combine';
import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import type { Role } from '../workflows/model.js';
import { requireActor, type ActorEnv } from './actor.js';
import { problem } from './problems.js';

/** The roles that may read decoded payloads (everything a complaint's history holds). */
export const CODEC_ROLES: readonly Role[] = ['supervisor', 'qa', 'admin'];

export const DEFAULT_UI_ORIGIN = 'http://localhost:8233';

/** Signed in (requireActor: 401 otherwise) and of a codec role (403 otherwise). */
export const codecUsersOnly: MiddlewareHandler = every(
  requireActor,
  createMiddleware<ActorEnv>(async (c, next) => {
    const { role } = c.get('actor');
    if (!CODEC_ROLES.includes(role)) {
      return problem(c, 403, 'forbidden', 'Not allowed for your role', `decoding workflow payloads needs the role ${CODEC_ROLES.join(', ')}; you act as ${role}`);
    }
    await next();
  }),
);

export interface CodecDeps {
  codec: PayloadCodec;
  /** Lets the request through (calls next) or answers the refusal: e.g. codecUsersOnly. */
  authorize: MiddlewareHandler;
  /** Origins of the Web UI allowed to call from a browser; default TEMPORAL_UI_ORIGIN (comma-separated) or http://localhost:8233. */
  uiOrigins?: string[];
  /** Largest request body, bytes (default 8 MiB). */
  maxBodyBytes?: number;
}

/** The origins in TEMPORAL_UI_ORIGIN (comma-separated), or the dev server's UI. */
export function uiOriginsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const listed = (env.TEMPORAL_UI_ORIGIN ?? '').split(',').map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean);
  return listed.length ? listed : [DEFAULT_UI_ORIGIN];
}

/** The client's payload codecs as one codec (encode in order, decode in reverse), for codecRoutes. */
export function clientCodec(client: Client): PayloadCodec {
  const codecs = client.options.loadedDataConverter.payloadCodecs;
  return {
    async encode(payloads) {
      for (const codec of codecs) payloads = await codec.encode(payloads);
      return payloads;
    },
    async decode(payloads) {
      for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads);
      return payloads;
    },
  };
}

export function codecRoutes(deps: CodecDeps) {
  const app = new Hono();
  const origins = deps.uiOrigins ?? uiOriginsFromEnv();
  app.use(
    '*',
    cors({
      origin: origins,
      allowMethods: ['POST', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'X-Namespace', 'Authorization'],
      credentials: true,
      maxAge: 600,
    }),
  );
  app.use('*', deps.authorize);

  const maxSize = deps.maxBodyBytes ?? 8 * 1024 * 1024;
  const limit = bodyLimit({
    maxSize,
    onError: (c) => problem(c, 413, 'validation', 'Payloads too large', `at most ${maxSize} bytes per request`),
  });

  const run = (direction: 'encode' | 'decode') => async (c: Context): Promise<Response> => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return problem(c, 400, 'malformedJson', 'Malformed JSON', 'the body is not JSON: send {"payloads": [...]}');
    }
    // Protobuf JSON leaves empty fields out: `{}` is no payloads (the CLI sends it). Other fields are not Payloads.
    const fields = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
    const raw = fields && Object.keys(fields).every((k) => k === 'payloads') ? (fields.payloads ?? []) : undefined;
    if (!Array.isArray(raw)) {
      return problem(c, 400, 'validation', 'Invalid payloads', 'send {"payloads": [{"metadata": {…}, "data": "<base64>"}]}', [
        { pointer: '/payloads', message: 'must be an array' },
      ]);
    }
    const payloads: Payload[] = [];
    for (const [i, p] of raw.entries()) {
      try {
        payloads.push(JSONToPayload(p as JSONPayload));
      } catch {
        return problem(c, 400, 'validation', 'Invalid payloads', 'each payload is protobuf JSON: metadata values and data in base64', [
          { pointer: `/payloads/${i}`, message: 'not a payload' },
        ]);
      }
    }
    let out: Payload[];
    try {
      out = await deps.codec[direction](payloads);
    } catch (err) {
      // The codec's messages name key ids at most, never payload contents or key material.
      return problem(c, 400, 'validation', `Payloads could not be ${direction}d`, (err as Error).message);
    }
    return c.body(JSON.stringify({ payloads: out.map(payloadToJSON) }), 200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  };

  for (const direction of ['encode', 'decode'] as const) {
    app.post(`/${direction}`, limit, run(direction));
    app.post(`/:namespace/${direction}`, limit, run(direction));
  }
  return app;
}
