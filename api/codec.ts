/**
 * The codec endpoint: Temporal's codec-server protocol, so the Web UI and the `temporal` CLI can show
 * the payloads the worker and the API encrypt (workflows/wire/payload-codec.ts) to the people allowed to see
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
import { createRoute } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { every } from 'hono/combine';
import { cors } from 'hono/cors';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Role } from '../workflows/model.js';
import { requireActor, type ActorEnv } from './actor.js';
import { jsonResponse, operation, pathParam, problems, routesApp } from './openapi-route.js';
import { problem } from './problems.js';
import { CodecPayloadsRequestSchema, CodecPayloadsSchema } from './responses.js';
import { z } from 'zod';

/** The roles that may read decoded payloads (everything a complaint's history holds). */
export const CODEC_ROLES: readonly Role[] = ['supervisor', 'qa', 'admin'];

export const DEFAULT_UI_ORIGIN = 'http://localhost:8233';

/**
 * The Web UI cannot send our bearer token, but it can send cookies ("Include cross-origin
 * credentials" in its codec settings): a codec user signs the browser in once at /codec-session,
 * which sets this HttpOnly cookie holding their token, scoped to /codec.
 */
export const CODEC_SESSION_COOKIE = 'complaint_desk_codec';

/** The 401 a browser (the Web UI) gets without the session cookie, and a program without a token. */
export const NOT_SIGNED_IN =
  'not signed in for decoding: a browser signs in at /codec-session (and the Web UI must send its cookie: see that page); a program sends Authorization: Bearer <token> of a supervisor, QA officer or admin';

/** Signed in (a bearer token, or the codec session cookie: 401 otherwise) and of a codec role (403 otherwise). */
export const codecUsersOnly: MiddlewareHandler = every(
  async (c, next) => {
    const cookie = getCookie(c, CODEC_SESSION_COOKIE);
    const hasBearer = /^Bearer\s/i.test(c.req.header('authorization') ?? '');
    // The Web UI's request with no cookie: its red "Codec Server could not connect" banner means this.
    if (!cookie && !c.req.header('authorization')) {
      c.header('WWW-Authenticate', 'Bearer realm="complaint-desk"');
      return problem(c, 401, 'unauthenticated', 'Sign-in needed', NOT_SIGNED_IN);
    }
    if (hasBearer || !cookie) return requireActor(c, next);
    const actor = await (c as Context<ActorEnv>).get('resolveActor')(cookie);
    if (!actor) return problem(c, 401, 'unauthenticated', 'Sign-in needed', 'the codec session has expired or its token was revoked: sign in again at /codec-session');
    (c as Context<ActorEnv>).set('actor', actor);
    await next();
  },
  createMiddleware<ActorEnv>(async (c, next) => {
    const { role } = c.get('actor');
    if (!CODEC_ROLES.includes(role)) {
      return problem(c, 403, 'forbidden', 'Not allowed for your role', `decoding workflow payloads needs the role ${CODEC_ROLES.join(', ')}; you act as ${role}`);
    }
    await next();
  }),
);

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * The sign-in page, and what to set in the Web UI (2.42.1): the UI sends the cookie only when its
 * codec setting in force includes credentials. The dev server's UI (`temporal server start-dev`, CLI
 * 1.5.1) has the endpoint at the cluster level and credentials off, and there the browser's own switch
 * is ignored unless the browser's setting overrides the cluster's; the UI of `npm run cluster`
 * includes credentials at the cluster level.
 */
const SESSION_PAGE = (message: string, codecEndpoint: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Decode in the Temporal UI</title>
<style>body{font:15px system-ui,sans-serif;max-width:44em;margin:3em auto;padding:0 1em}input{width:100%;padding:.4em;font:inherit}button{margin-top:.8em;padding:.4em 1em;font:inherit}li{margin:.3em 0}</style></head>
<body><h1>Decode complaint payloads in the Temporal UI</h1><p>${message}</p>
<form method="post" action=""><label for="token">Your bearer token (supervisor, QA or admin)</label>
<input id="token" name="token" type="password" autocomplete="off" required><button type="submit">Sign this browser in</button></form>
<h2>Then, in the Temporal Web UI</h2>
<p>Open its <em>Codec Server</em> settings (the icon at the top right of a workflow's page):</p>
<ul>
<li><strong>The dev server's UI</strong> (<code>npm start</code>, port 8233): choose <em>Use my browser setting and ignore Cluster-level setting</em>,
paste the endpoint <code>${escapeHtml(codecEndpoint)}</code>, turn on <em>Include cross-origin credentials</em>, <em>Apply</em>, and reload the page.
Turning the switch on while the cluster-level setting is in use changes nothing: that UI then never sends this browser's cookie.</li>
<li><strong>The UI of <code>npm run cluster</code></strong> (credentials included at the cluster level): nothing to change; reload the page.</li>
</ul>
<p>Until this browser is signed in and the UI sends its cookie, the UI shows a red <em>Codec Server could not connect</em>: it means
<strong>not signed in for decoding</strong>, not an outage. Payloads then stay ciphertext (<code>binary/encrypted</code>), as they do
for other roles; the search attributes, event types, timers and activity names stay readable.</p></body></html>`;

const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' as const } } } });

const sessionPage = createRoute({
  method: 'get',
  path: '/',
  ...operation({
    tag: 'ops',
    summary: 'Codec sign-in page',
    description: 'A page where a supervisor, QA officer or admin pastes their token to let this browser decode payloads in the Temporal Web UI.',
    callers: 'public',
    operationId: 'codecSessionPage',
  }),
  responses: { 200: htmlPage('The page.') },
});

const sessionSignIn = createRoute({
  method: 'post',
  path: '/',
  ...operation({
    tag: 'ops',
    summary: 'Sign this browser in for the codec',
    description:
      'Form field `token` (application/x-www-form-urlencoded): a token of a supervisor, QA officer or admin. Sets an HttpOnly, SameSite=Lax cookie for `/codec`, valid 8 hours, which the Web UI sends when *Include cross-origin credentials* is on. An unknown, revoked or expired token answers 401, a token of another role 403, each as an HTML page.',
    callers: 'public',
    operationId: 'codecSessionSignIn',
  }),
  responses: {
    200: htmlPage('Signed in; the page says as whom.'),
    401: htmlPage('The token is unknown, revoked or expired (an HTML page).'),
    403: htmlPage('The token is of another role (an HTML page).'),
  },
});

const sessionSignOut = createRoute({
  method: 'delete',
  path: '/',
  ...operation({ tag: 'ops', summary: 'Sign this browser out of the codec', callers: 'public', operationId: 'codecSessionSignOut' }),
  responses: { 204: { description: 'The cookie is cleared.' } },
});

/** /codec-session: signs a browser in (or out) for the codec endpoint with an HttpOnly cookie. */
export function codecSessionRoutes() {
  const app = routesApp();
  const page = (c: Context, message: string, status: 200 | 401 | 403 = 200) =>
    c.html(SESSION_PAGE(message, `${new URL(c.req.url).origin}/codec`), status, { 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'" });
  app.openapi(sessionPage, (c) => page(c, 'Sign this browser in for decoding.'));
  app.openapi(sessionSignIn, async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    const actor = token ? await c.get('resolveActor')(token) : undefined;
    if (!actor) return page(c, 'That token is unknown, revoked or expired.', 401);
    if (!CODEC_ROLES.includes(actor.role)) return page(c, `Decoding needs the role ${CODEC_ROLES.join(', ')}; this token is for ${actor.role}.`, 403);
    setCookie(c, CODEC_SESSION_COOKIE, token, { httpOnly: true, sameSite: 'Lax', path: '/codec', maxAge: 8 * 3600 });
    return page(c, `This browser is signed in for decoding as ${actor.id} (${actor.role}) for 8 hours.`);
  });
  app.openapi(sessionSignOut, (c) => {
    deleteCookie(c, CODEC_SESSION_COOKIE, { path: '/codec' });
    return c.body(null, 204);
  });
  return app;
}

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

/**
 * POST /codec/{encode,decode} and /codec/{namespace}/{encode,decode}. The body is read by hand (the
 * protocol's own 400s), so the route documents it by reference (CodecPayloadsRequest, registered below).
 */
function codecRoute(direction: 'encode' | 'decode', inNamespace: boolean) {
  return createRoute({
    method: 'post',
    path: inNamespace ? `/{namespace}/${direction}` : `/${direction}`,
    ...operation({
      tag: 'ops',
      summary: direction === 'decode' ? 'Decode workflow payloads' : 'Encode workflow payloads',
      description:
        "Temporal's codec-server protocol, for the Web UI (CORS for its origin) and `temporal --codec-endpoint`. " +
        (inNamespace ? 'The namespace in the path is accepted and not needed (one set of keys).' : 'The UI may name the namespace in `X-Namespace`; it is not needed.') +
        ' Decoded payloads are personal data: never cached (`no-store`).',
      callers: CODEC_ROLES,
      operationId: `${direction}Payloads${inNamespace ? 'InNamespace' : ''}`,
    }),
    request: {
      ...(inNamespace ? { params: z.object({ namespace: pathParam('The Temporal namespace (ignored).') }) } : {}),
      body: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CodecPayloadsRequest' }, example: { payloads: [] } } } },
    },
    responses: {
      200: jsonResponse(CodecPayloadsSchema, `The payloads, ${direction}d.`),
      ...problems([400, 401, 403, 413, 503], {
        400: 'Not JSON, not `{"payloads": [...]}`, a payload not in protobuf JSON, or payloads the codec cannot ' + direction + ' (e.g. an unknown key id).',
      }),
    },
  });
}

export function codecRoutes(deps: CodecDeps) {
  const app = routesApp();
  app.openAPIRegistry.register('CodecPayloadsRequest', CodecPayloadsRequestSchema);
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
    for (const inNamespace of [false, true]) app.openapi({ ...codecRoute(direction, inNamespace), middleware: [limit] }, run(direction));
  }
  return app;
}
