/**
 * The OpenAPI document (generated from the routes, api/openapi-document.ts) and the reference page
 * (api/docs.ts):
 *
 * - the document is valid OpenAPI 3.1, its $refs resolve and its schemas compile;
 * - every route the app serves is in it, and every route in it is served (a route registered
 *   outside `app.openapi(createRoute(...), handler)` fails here);
 * - the request schemas in it reject what the routes reject, and accept what they accept;
 * - real answers of the app (success and problems) fit the documented responses;
 * - /docs serves Swagger UI from node_modules (no CDN) and /openapi.json the document.
 */
import { randomUUID } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { inspectRoutes } from 'hono/dev';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createProductHoldActivities } from '../../activities/product-holds.js';
import { FILING_EXAMPLE } from '../../api/complaints.js';
import { docsRoutes, DOCS_ASSETS } from '../../api/docs.js';
import { buildOpenApiDocument } from '../../api/openapi-document.js';
import { ERROR_STATUSES, TAGS } from '../../api/openapi-route.js';
import { PROPOSAL_EXAMPLE } from '../../api/regulatory.js';
import { ACTION_TABLE, rolesFor } from '../../workflows/actions.js';
const updateActions = ACTION_TABLE.filter((a) => a.message === 'update');
const actionSchemas = Object.fromEntries(updateActions.map((a) => [a.path, a.body])) as Record<string, z.ZodObject>;
import { ROLES } from '../../workflows/model.js';
import { ACTION_RULES } from '../../workflows/rules/permissions.js';
import { as, startApiHarness, type ApiHarness, type Json } from '../support/api.js';

// ajv-formats is CommonJS: its module object is the plugin, and carries it as `default` too.
const addFormats = addFormatsModule.default;

/** Signing in, in one place: the harness's way of naming the actor. */
const signedIn = (role: string) => as(`openapi-${role}`, role);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

let harness: ApiHarness;
let doc: Doc;

beforeAll(async () => {
  harness = await startApiHarness();
  doc = buildOpenApiDocument(harness.app);
});

afterAll(async () => {
  await harness?.stop();
});

// ---- Helpers ----------------------------------------------------------------------------------------

function ajv() {
  const instance = new Ajv2020({ strict: true, allErrors: true, strictRequired: false });
  addFormats(instance);
  instance.addKeyword('example'); // OpenAPI's, harmless to a validator
  return instance;
}

/** Compiles a schema of the document, its $refs to components resolved against the document. */
function compile(schema: Json, ajvInstance = ajv()): ValidateFunction {
  return ajvInstance.compile({ ...inlineRefs(schema), $schema: 'https://json-schema.org/draft/2020-12/schema' });
}

function resolvePointer(pointer: string): unknown {
  if (!pointer.startsWith('#/')) throw new Error(`external $ref ${pointer}`);
  return pointer
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node as Doc | undefined)?.[key], doc);
}

function inlineRefs<T>(node: T): T {
  if (Array.isArray(node)) return node.map(inlineRefs) as T;
  if (node && typeof node === 'object') {
    const ref = (node as Doc).$ref;
    if (typeof ref === 'string') return inlineRefs(resolvePointer(ref) as T);
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inlineRefs(v)])) as T;
  }
  return node;
}

function operationOf(method: string, path: string): Doc {
  const op = doc.paths[path]?.[method];
  if (!op) throw new Error(`${method.toUpperCase()} ${path} is not in the document`);
  return op;
}

function requestSchemaOf(method: string, path: string): Json {
  return inlineRefs(operationOf(method, path).requestBody.content['application/json'].schema);
}

/** The operation serving a concrete URL path (`/complaints/1234`), by the document's templates. */
function templateOf(method: string, urlPath: string): string {
  const path = urlPath.split('?')[0];
  const matches = Object.keys(doc.paths).filter(
    (template) =>
      doc.paths[template][method] && new RegExp('^' + template.replace(/\{[^}]+\}/g, '[^/]+') + '$').test(path),
  );
  // The most specific template: the fewest parameters.
  matches.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  if (!matches.length) throw new Error(`no documented operation for ${method.toUpperCase()} ${path}`);
  return matches[0];
}

/** The harness makes an `as()` user and token valid on their first call through it. */
const signedInAlready = new Set<string>();
async function signInOnce(headers: Record<string, string>) {
  if (!headers.authorization || signedInAlready.has(headers.authorization)) return;
  await harness.call('GET', '/me', headers);
  signedInAlready.add(headers.authorization);
}

/** Calls the real app and checks the answer against the document: its status, media type and body. */
async function callDocumented(method: string, url: string, headers: Record<string, string>, body?: unknown) {
  await signInOnce(headers);
  const raw = await harness.app.request(url, {
    method: method.toUpperCase(),
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await raw.text();
  const res = { status: raw.status, type: raw.headers.get('content-type'), headers: raw.headers };
  const json: unknown = /json/.test(res.type ?? '') && text ? JSON.parse(text) : text;
  const template = templateOf(method, url);
  const responses = operationOf(method, template).responses;
  const documented = inlineRefs(responses[String(res.status)]);
  expect(documented, `${method.toUpperCase()} ${url} answered ${res.status}, which ${template} does not document: ${JSON.stringify(json)?.slice(0, 300)}`).toBeDefined();
  const mediaType = (res.type ?? '').split(';')[0];
  const content = documented.content?.[mediaType];
  expect(content, `${res.status} of ${template} documents ${Object.keys(documented.content ?? {})}, not ${mediaType}`).toBeDefined();
  const validate = compile(content.schema);
  expect(validate(json), `${method.toUpperCase()} ${url} → ${res.status} does not fit its documented schema: ${JSON.stringify(validate.errors)}`).toBe(true);
  return { status: res.status, body: json as Json, headers: res.headers };
}

/** Hono's routes (method and path, OpenAPI style), without middleware entries. */
function servedRoutes(app: Hono<any>): string[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  const routes = inspectRoutes(app)
    .filter((r) => !r.isMiddleware)
    .map((r) => `${r.method.toUpperCase()} ${r.path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}')}`);
  return [...new Set(routes)].sort();
}

/** Every documented operation: method, path and the operation object. */
const operations = () =>
  Object.entries(doc.paths as Record<string, Doc>).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Doc>).map(([method, op]) => ({ method, path, op })),
  );

/** The routes as registered with `app.openapi`: their zod body schemas and examples. */
function registeredBodies(): Array<{ method: string; path: string; schema: z.ZodType; example: unknown }> {
  return harness.app.openAPIRegistry.definitions.flatMap((d) => {
    if (d.type !== 'route') return [];
    const content = d.route.request?.body?.content?.['application/json'] as { schema?: unknown; example?: unknown } | undefined;
    if (!content || !(content.schema instanceof z.ZodType)) return [];
    return [{ method: d.route.method, path: d.route.path, schema: content.schema, example: content.example }];
  });
}

const documentedRoutes = () =>
  Object.entries(doc.paths as Record<string, Doc>)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();

// ---- The document -----------------------------------------------------------------------------------

describe('the document', () => {
  it('documents the codec endpoint the Web UI calls (mounted at /codec)', async () => {
    const withCodec = structuredClone(doc);
    const served = servedRoutes(harness.app);
    expect(served).toEqual(expect.arrayContaining(['POST /codec/decode', 'POST /codec/encode', 'POST /codec/{namespace}/decode', 'POST /codec/{namespace}/encode']));
    const result = await new Validator().validate(withCodec);
    expect(result.errors).toBeUndefined();
    expect(Object.keys(withCodec.paths as Doc).filter((p) => p.startsWith('/codec/'))).toHaveLength(4);
    expect(Object.keys(withCodec.paths as Doc)).toContain('/codec-session');
  });

  it('is valid OpenAPI 3.1 (and the validator does catch a broken one)', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(doc.openapi).toMatch(/^3\.1\./);

    const broken = structuredClone(doc);
    delete broken.paths['/complaints'].post.responses;
    broken.paths['/complaints'].get.parameters[0].in = 'body';
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('has every $ref resolving, and every schema compiling as JSON Schema 2020-12', () => {
    const refs: string[] = [];
    (function walk(node: unknown) {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) (k === '$ref' && typeof v === 'string' ? refs.push(v) : walk(v));
      }
    })(doc);
    expect(refs.length).toBeGreaterThan(50);
    expect(refs.filter((r) => resolvePointer(r) === undefined)).toEqual([]);
    for (const [name, schema] of Object.entries(doc.components.schemas as Record<string, Json>)) {
      expect(() => compile(schema), name).not.toThrow();
    }
  });

  it('describes each operation: tag, summary, who may call it, and the problems it can answer', () => {
    const operationIds = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Doc>)) {
      for (const [method, op] of Object.entries(item as Record<string, Doc>)) {
        const name = `${method.toUpperCase()} ${path}`;
        expect(op.tags, name).toHaveLength(1);
        expect(Object.keys(TAGS), name).toContain(op.tags[0]);
        expect(op.summary, name).toBeTruthy();
        expect(op.description, name).toContain('**Who may call it:**');
        expect(operationIds.has(op.operationId), `${name}: operationId ${op.operationId} twice`).toBe(false);
        operationIds.add(op.operationId);
        const statuses = Object.keys(op.responses).map(Number);
        expect(statuses.some((s) => s >= 200 && s < 300), name).toBe(true);
        // Every error is a problem; the health check answers its 503 with its own body, and the codec
        // sign-in form (a browser page) its 401 and 403 as HTML pages.
        const ownBodies = path === '/healthz' || path === '/codec-session';
        for (const status of statuses.filter((s) => (ERROR_STATUSES as readonly number[]).includes(s) && !ownBodies)) {
          expect(Object.keys(inlineRefs(op.responses[status]).content), `${name} ${status}`).toEqual(['application/problem+json']);
        }
        const expected: number[] = [];
        if (op.security?.length !== 0) expected.push(401); // public operations say `security: []`
        // Bodies checked by a zod schema answer 422 for wrong fields; the codec's protocol answers 400.
        if (op.requestBody) expected.push(400, ...(op.tags[0] === 'ops' ? [] : [422]));
        if (op.parameters?.some((p: Doc) => inlineRefs(p).in === 'query')) expected.push(400);
        if (op['x-roles']) expected.push(403);
        // A path naming a thing answers 404 when there is no such thing (the codec's namespace names none).
        if (path.includes('{') && method !== 'put' && !path.startsWith('/codec')) expected.push(404);
        expect(statuses, name).toEqual(expect.arrayContaining(expected));
      }
    }
  });

  it('shares one Problem schema: type, title, status, detail, errors[{pointer, message}]', () => {
    const problem = doc.components.schemas.Problem;
    expect(problem.required).toEqual(['type', 'title', 'status', 'detail']);
    expect(Object.keys(problem.properties.errors.items.properties)).toEqual(['pointer', 'message']);
    const shared = Object.values(doc.components.responses as Record<string, Doc>);
    expect(shared).toHaveLength(ERROR_STATUSES.length);
    for (const response of shared) expect(response.content).toEqual({ 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } });
    // Each status is answered by some operation.
    const answered = new Set(Object.values(doc.paths as Record<string, Doc>).flatMap((item) => Object.values(item).flatMap((op: Doc) => Object.keys(op.responses))));
    for (const status of [400, 401, 403, 404, 409, 422, 503]) expect(answered.has(String(status)), String(status)).toBe(true);
  });

  it('says the X-Actor headers are no longer read, as the API no longer reads them', async () => {
    const res = await harness.call('GET', '/me', { 'x-actor-id': 'openapi-legacy', 'x-actor-role': 'agent' });
    expect(res.status, 'the API reads X-Actor headers again: document them').toBe(401);
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['bearerAuth']);
    expect(doc.info.description).toMatch(/X-Actor-Id.*no longer read/);
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/healthz'].get.security).toEqual([]);
  });

  it('signs in with a bearer token, and says so on 401', async () => {
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer', description: expect.any(String) });
    expect(doc.security[0]).toEqual({ bearerAuth: [] });
    const res = await callDocumented('get', '/me', { authorization: 'Bearer cdt_not-a-token' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(doc.components.responses.Unauthorized.headers['WWW-Authenticate']).toBeDefined();
    expect((await callDocumented('get', '/me', signedIn('handler'))).body).toEqual({ actor: { id: 'openapi-handler', role: 'handler' } });
  });

  it('has one operation per stage action, with the roles the route enforces and the stages the workflow allows', () => {
    for (const path of Object.keys(actionSchemas) as Array<keyof typeof actionSchemas>) {
      const op = operationOf('post', `/complaints/{id}/${path}`);
      const rule = ACTION_RULES[op.operationId as keyof typeof ACTION_RULES];
      expect(rule, path).toBeDefined();
      const action = updateActions.find((a) => a.path === path)!;
      expect(op.summary, path).toBe(action.label.en);
      expect(op.description, path).toContain(action.help.en);
      expect([...op['x-roles']].sort(), path).toEqual([...rolesFor(action.name)].sort());
      expect(op.description, path).toContain(rule.stages.join(', '));
      expect(op.parameters.map((p: Doc) => inlineRefs(p).name), path).toContain('Idempotency-Key');
      expect(requestSchemaOf('post', `/complaints/{id}/${path}`), path).toEqual(
        (({ $schema: _, ...rest }) => rest)(z.toJSONSchema(actionSchemas[path], { io: 'input' }) as Json),
      );
    }
    expect(operationOf('post', '/complaints/{id}/assessment')['x-roles']).toEqual(['agent', 'supervisor']); // assess, and a supervisor's re-assessment
    expect(operationOf('post', '/complaints/{id}/remedy-approval')['x-roles']).toEqual(['supervisor']);
  });

  it('publishes each body example, and each fits its schema and the route\'s zod schema', () => {
    const withExamples = registeredBodies().filter((r) => r.example !== undefined);
    expect(withExamples.length).toBeGreaterThan(5);
    for (const route of withExamples) {
      const name = `${route.method.toUpperCase()} ${route.path}`;
      const example = operationOf(route.method, route.path).requestBody.content['application/json'].example;
      expect(example, name).toEqual(route.example);
      expect(route.schema.safeParse(example).success, name).toBe(true);
      const validate = compile(requestSchemaOf(route.method, route.path));
      expect(validate(example), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });
});

// ---- The document and the app -----------------------------------------------------------------------

describe('the document and the routes the app serves', () => {
  const docsPaths = () => new Set(servedRoutes(new Hono().route('/', docsRoutes(doc))));

  it('documents every route the app serves (register each with app.openapi(createRoute(...), handler))', () => {
    const documented = new Set(documentedRoutes());
    const exempt = docsPaths();
    const undocumented = servedRoutes(harness.app).filter((r) => !documented.has(r) && !exempt.has(r));
    expect(undocumented, 'served by the app but registered outside app.openapi').toEqual([]);
  });

  it('documents no route the app does not serve', () => {
    const served = new Set(servedRoutes(harness.app));
    expect(documentedRoutes().filter((r) => !served.has(r)), 'in the document but not served by the app').toEqual([]);
  });

  it('the comparison sees through sub-apps and middleware, and catches a new route', () => {
    const app = new Hono();
    const sub = new Hono();
    sub.use('*', async (_c, next) => next());
    sub.get('/', (c) => c.json({}));
    sub.post('/:reportId{[a-z]+}/export', (c) => c.json({}));
    app.route('/reports', sub);
    expect(servedRoutes(app)).toEqual(['GET /reports', 'POST /reports/{reportId}/export']);
  });
});

// ---- Request schemas against the routes -------------------------------------------------------------

describe('request schemas: the document rejects what the route rejects', () => {
  const complaint = () => structuredClone(FILING_EXAMPLE as Json);
  const without = (body: Json, key: string) => {
    const { [key]: _, ...rest } = body;
    return rest;
  };
  const proposal = () => structuredClone(PROPOSAL_EXAMPLE as Json);

  /** [operation, the route's answer ('ok', or the pointer of the wrong field), role, URL, body] */
  const cases: Array<[string, string, string, string, unknown]> = [
    ['post /complaints', '/channel', 'agent', '/complaints', without(complaint(), 'channel')],
    ['post /complaints', '/chanel', 'agent', '/complaints', { ...complaint(), chanel: 'phone' }],
    ['post /complaints', '/channel', 'agent', '/complaints', { ...complaint(), channel: 'fax' }],
    ['post /complaints', '/event/description', 'agent', '/complaints', { ...complaint(), event: { ...complaint().event, description: '' } }],
    ['post /complaints', '/device/expiryDate', 'agent', '/complaints', { ...complaint(), device: { productName: 'pump', expiryDate: '31/12/2027' } }],
    ['post /complaints', '/receivedAt', 'agent', '/complaints', { ...complaint(), receivedAt: '2026-11-24 09:30' }],
    ['post /complaints/{id}/feedback', '/score', 'agent', `/complaints/${randomUUID()}/feedback`, { satisfied: true, score: 6 }],
    ['post /complaints/{id}/feedback', '/score', 'agent', `/complaints/${randomUUID()}/feedback`, { satisfied: true, score: 4.5 }],
    ['post /complaints/{id}/verify-item', '/checks/lot', 'agent', `/complaints/${randomUUID()}/verify-item`, { checks: { product: true, specification: true, expiry: true, manufacturer: true } }],
    ['post /complaints/{id}/assessment', '/severity', 'agent', `/complaints/${randomUUID()}/assessment`, { category: 'product_performance', severity: 'catastrophic', patientSafety: false, suspectedAdverseEvent: false, reasonable: true, department: 'quality', ownerId: 'h' }],
    ['post /complaints/{id}/escalations', '/deadlineDays', 'supervisor', `/complaints/${randomUUID()}/escalations`, { target: 'mediation', reason: 'r', deadlineDays: 0 }],
    ['post /complaints/{id}/mediation/sessions', '/heldAt', 'agent', `/complaints/${randomUUID()}/mediation/sessions`, { heldAt: '2026-11-24', summary: 's' }],
    ['put /calendars/{id}', '/workingHours', 'admin', '/calendars/XX-TEST', { name: 'x', timeZone: 'UTC', workingHours: [], weekendDays: [6, 7], holidays: [], makeUpWorkingDays: [], coverage: { from: '2026-01-01', to: '2026-12-31' }, reason: 'r' }],
    ['post /product-holds/{id}/release', '/decision', 'qa', `/product-holds/${randomUUID()}/release`, { decision: 'burn', reason: 'r' }],
    ['post /regulatory-reports/{reportId}/submission', '/reference', 'qa', '/regulatory-reports/x:report:cn.serious/submission', { reference: '' }],
    ['post /reportability/proposal', '/companyAwareAt', 'qa', '/reportability/proposal', without(proposal(), 'companyAwareAt')],
    ['post /reportability/proposal', '/facts/marketedIn/0', 'qa', '/reportability/proposal', { ...proposal(), facts: { ...proposal().facts, marketedIn: ['JP'] } }],
    ['post /reportability/proposal', '/note', 'qa', '/reportability/proposal', { ...proposal(), note: 'n' }],
    ['post /reportability/proposal', 'ok', 'qa', '/reportability/proposal', proposal()],
  ];

  it.each(cases)('%s → %s', async (operation, expected, role, url, body) => {
    const [method, path] = operation.split(' ');
    const validate = compile(requestSchemaOf(method, path));
    const res = await callDocumented(method, url, signedIn(role), body);
    if (expected === 'ok') {
      expect(res.status).toBe(200);
      expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
      return;
    }
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: Json) => e.pointer)).toContain(expected);
    expect(validate(body)).toBe(false);
    // The document names the same field: its instance path, or the missing or unknown property.
    const pointers = (validate.errors ?? []).map((e) =>
      e.keyword === 'required' ? `${e.instancePath}/${e.params.missingProperty}` : e.keyword === 'additionalProperties' ? `${e.instancePath}/${e.params.additionalProperty}` : e.instancePath,
    );
    expect(pointers).toContain(expected);
  });

  it('the create-complaint body: channel is required, requestedRemedies (with a default) is not', () => {
    const schema = requestSchemaOf('post', '/complaints');
    expect(schema.required).toContain('channel');
    expect(schema.required).not.toContain('requestedRemedies');
    expect(schema.properties.requestedRemedies.default).toEqual([]);
    expect(schema.additionalProperties).toBe(false);
  });

  it('query parameters: the document refuses what the list refuses', async () => {
    const params = (operationOf('get', '/complaints').parameters as Doc[]).map((p) => inlineRefs(p)).filter((p) => p.in === 'query');
    const coercing = new Ajv2020({ strict: true, coerceTypes: true });
    addFormats(coercing);
    const validate = coercing.compile({
      type: 'object',
      properties: Object.fromEntries(params.map((p) => [p.name, p.schema])),
      required: params.filter((p) => p.required).map((p) => p.name),
      additionalProperties: false,
    });
    for (const [query, pointer] of [
      ['limit=0', '/query/limit'],
      ['limit=201', '/query/limit'],
      ['stage=archived', '/query/stage'],
      ['breached=yes', '/query/breached'],
      ['colour=red', '/query/colour'],
      ['limit=20&stage=intake', 'ok'],
    ] as const) {
      const res = await callDocumented('get', `/complaints?${query}`, signedIn('agent'));
      const values = Object.fromEntries(new URLSearchParams(query));
      if (pointer === 'ok') {
        expect(res.status, query).toBe(200);
        expect(validate(values), query).toBe(true);
      } else {
        expect(res.status, query).toBe(400);
        expect(res.body.errors.map((e: Json) => e.pointer), query).toContain(pointer);
        expect(validate(values), query).toBe(false);
      }
    }
    expect(operationOf('get', '/complaints').description).toMatch(/unknown query parameters/i);
  });
});

// ---- Real answers against the documented responses --------------------------------------------------

describe('the app\'s answers fit the documented responses', () => {
  const agent = signedIn('agent');

  it('filing, reading, listing, the trail and an action', async () => {
    const body = FILING_EXAMPLE;
    const key = `openapi-${randomUUID()}`;
    const filed = await callDocumented('post', '/complaints', { ...agent, 'idempotency-key': key }, body);
    expect(filed.status).toBe(201);
    expect(filed.headers.get('location')).toBe(`/complaints/${filed.body.complaintId}`);
    const again = await callDocumented('post', '/complaints', { ...agent, 'idempotency-key': key }, body);
    expect(again.status).toBe(200);
    const reused = await callDocumented('post', '/complaints', { ...agent, 'idempotency-key': key }, { ...(body as Json), mood: 'angry' });
    expect(reused.status).toBe(409);

    const id = filed.body.complaintId as string;
    expect((await callDocumented('get', `/complaints/${id}`, agent)).status).toBe(200);
    expect((await callDocumented('get', '/complaints?limit=5', agent)).status).toBe(200);
    expect((await callDocumented('get', `/complaints/${id}/events`, agent)).status).toBe(200);
    expect((await callDocumented('get', `/complaints/${id}/audit`, agent)).status).toBe(200);
    const page = await callDocumented('get', `/complaints/${id}/audit.html`, agent);
    expect(page.status).toBe(200);
    const verified = await callDocumented('post', `/complaints/${id}/verify-complainant`, agent, { method: 'called back' });
    expect(verified.status).toBe(200);
    // Refused (wrong stage, wrong role): problems, as documented.
    expect((await callDocumented('post', `/complaints/${id}/remedy-approval`, signedIn('supervisor'), { approved: true })).status).toBe(409);
    expect((await callDocumented('post', `/complaints/${id}/verify-item`, signedIn('handler'), { checks: { product: true, specification: true, lot: true, expiry: true, manufacturer: true } })).status).toBe(403);
    expect((await callDocumented('post', `/complaints/${id}/escalations`, agent, { target: 'supervisor', reason: 'r' })).status).toBe(403);
  });

  it('the lists and reads of the other desks', async () => {
    const qa = signedIn('qa');
    for (const url of ['/escalations', '/clusters', '/product-holds', '/regulatory-reports', '/calendars/CN', '/reports/kpis?from=2026-11-01&to=2026-11-30&interval=day', '/me']) {
      expect((await callDocumented('get', url, qa)).status, url).toBe(200);
    }
    expect((await callDocumented('get', '/reports/kpis?from=2026-11-30&to=2026-11-01', qa)).status).toBe(400);
    for (const url of [`/clusters/${randomUUID()}`, `/product-holds/${randomUUID()}`, '/regulatory-reports/none', '/calendars/NOPE', `/complaints/${randomUUID()}`]) {
      expect((await callDocumented('get', url, qa)).status, url).toBe(404);
    }
    expect((await callDocumented('get', '/healthz', {})).status).toBe(200);
  });

  it('every endpoint, for every role: 403 for the roles it does not name, something other than 403 for those it does, 401 for nobody', async () => {
    // The cluster watch's decisions find the alert first and check the role then: 404 for an unknown alert.
    const roleCheckedLater = new Set(['POST /clusters/{id}/confirmation', 'POST /clusters/{id}/dismissal']);
    let checked = 0;
    const signedInOperations = operations().filter(({ op }) => op.security?.length !== 0);
    for (const route of signedInOperations) {
      const name = `${route.method.toUpperCase()} ${route.path}`;
      const roles: readonly string[] = route.op['x-roles'] ?? ROLES;
      const url = route.path.replace(/\{[^}]+\}/g, () => randomUUID());
      const body = route.op.requestBody ? (route.op.requestBody.content['application/json']?.example ?? {}) : undefined;
      expect((await callDocumented(route.method, url, {}, body)).status, `${name} signed out`).toBe(401);
      for (const role of ROLES) {
        const res = await callDocumented(route.method, url, signedIn(role), body);
        if (roles.includes(role)) expect(res.status, `${name} as ${role}`).not.toBe(403);
        else expect(res.status, `${name} as ${role}`).toBe(roleCheckedLater.has(name) ? 404 : 403);
        checked++;
      }
    }
    expect(checked).toBe(signedInOperations.length * ROLES.length);
    expect(signedInOperations.length).toBeGreaterThan(45);
  });

  it('a complaint through intake and assessment, escalated, decided reportable, its report submitted', async () => {
    const qa = signedIn('qa');
    const supervisor = signedIn('supervisor');
    const filed = await callDocumented('post', '/complaints', agent, { ...FILING_EXAMPLE, receivedAt: new Date(Date.now() - 60_000).toISOString() });
    expect(filed.status).toBe(201);
    const base = `/complaints/${filed.body.complaintId}`;
    for (const [path, body] of [
      ['verify-complainant', { method: 'hospital switchboard' }],
      ['verify-item', { checks: { product: true, specification: true, lot: true, expiry: true, manufacturer: true } }],
      ['contacts', { channel: 'phone', summary: 'called back' }],
      ['acknowledgement', { channel: 'email' }],
      ['complete-intake', {}],
      ['assessment', { category: 'product_performance', severity: 'major', patientSafety: true, suspectedAdverseEvent: true, reasonable: true, department: 'quality', ownerId: 'handler-chen' }],
      ['notes', { text: 'checked the pump log' }],
    ] as const) {
      expect((await callDocumented('post', `${base}/${path}`, agent, body)).status, path).toBe(200);
    }
    expect((await callDocumented('post', `${base}/escalations`, supervisor, { target: 'supervisor', reason: 'patient safety' })).status).toBe(202);
    await expect.poll(async () => (await callDocumented('get', '/escalations?kind=escalation', qa)).body.items.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const facts = { eventCountry: 'CN', outcome: 'serious_injury', marketedIn: ['CN'], reporterRole: 'manufacturer', remedialActionNeeded: false };
    expect((await callDocumented('post', `${base}/reportability`, qa, { facts })).status).toBe(200);
    const reports = () => callDocumented('get', `/regulatory-reports?complaint=${filed.body.complaintId}`, qa);
    await expect.poll(async () => (await reports()).body.items.length, { timeout: 10_000 }).toBe(1);
    const [report] = (await reports()).body.items as Json[];
    expect((await callDocumented('get', `/regulatory-reports/${encodeURIComponent(report.reportId)}`, qa)).status).toBe(200);
    expect((await callDocumented('post', `/regulatory-reports/${encodeURIComponent(report.reportId)}/submission`, qa, { reference: 'NMPA-2026-0001' })).status).toBe(200);
    const read = await callDocumented('get', base, qa);
    expect(read.body.state.history.length).toBeGreaterThan(5);
    expect((await callDocumented('get', `${base}/audit`, qa)).body.regulatoryReports).toHaveLength(1);
  });

  it('a possible group event, dismissed; a product hold, released', async () => {
    const qa = signedIn('qa');
    const suffix = randomUUID().slice(0, 8);
    const [model, lot] = [`VIP-200-${suffix}`, `L2026-${suffix}`];
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const receivedAt = Date.now() - (5 - i) * 86_400_000;
      const res = await callDocumented('post', '/complaints', agent, {
        ...FILING_EXAMPLE,
        receivedAt: new Date(receivedAt).toISOString(),
        device: { ...FILING_EXAMPLE.device, model, lot },
        event: { ...FILING_EXAMPLE.event, patientHarmed: true },
      });
      ids.push(res.body.complaintId);
      await harness.reportToClusterWatch({
        model, lot, productName: FILING_EXAMPLE.device.productName, complaintId: res.body.complaintId, number: res.body.number, receivedAt, patientHarmed: true, windowDays: 30, threshold: 3,
      });
    }
    const alerts = () => callDocumented('get', `/clusters?model=${encodeURIComponent(model)}`, qa);
    await expect.poll(async () => (await alerts()).body.items.length, { timeout: 15_000 }).toBe(1);
    const [alert] = (await alerts()).body.items as Json[];
    expect((await callDocumented('get', `/clusters/${alert.alertId}`, qa)).status).toBe(200);
    expect((await callDocumented('post', `/clusters/${alert.alertId}/dismissal`, qa, { reason: 'three unrelated faults' })).status).toBe(200);
    expect((await callDocumented('post', `/clusters/${alert.alertId}/confirmation`, qa, { reason: 'same fault' })).status).toBe(409);

    const placed = await createProductHoldActivities(harness.database.db).placeProductHold({
      complaintId: ids[0], productName: FILING_EXAMPLE.device.productName, model, lot, actor: { id: 'system', role: 'admin' }, reason: 'quality complaint on the lot', at: Date.now(),
    });
    const holdId = (placed as { holdId: string }).holdId;
    expect((await callDocumented('get', `/product-holds?lot=${encodeURIComponent(lot)}`, qa)).body.items).toHaveLength(1);
    expect((await callDocumented('get', `/product-holds/${holdId}`, qa)).status).toBe(200);
    expect((await callDocumented('get', `/complaints/${ids[0]}`, qa)).body.productHolds).toHaveLength(1);
    expect((await callDocumented('post', `/product-holds/${holdId}/release`, qa, { decision: 'release', reason: 'retest passed' })).status).toBe(200);
    expect((await callDocumented('post', `/product-holds/${holdId}/release`, qa, { decision: 'scrap', reason: 'again' })).status).toBe(409);
  });

  it('the admin desk: users, tokens, a calendar corrected', async () => {
    const admin = signedIn('admin');
    const id = `openapi-user-${randomUUID().slice(0, 8)}`;
    expect((await callDocumented('post', '/admin/users', admin, { id, displayName: 'Li Ming', role: 'agent' })).status).toBe(201);
    expect((await callDocumented('post', '/admin/users', admin, { id, displayName: 'Li Ming', role: 'agent' })).status).toBe(409);
    expect((await callDocumented('get', '/admin/users', admin)).status).toBe(200);
    expect((await callDocumented('patch', `/admin/users/${id}`, admin, { displayName: 'Li Ming (desk 7)' })).status).toBe(200);
    const issued = await callDocumented('post', `/admin/users/${id}/tokens`, admin, { label: 'desk 7', expiresInDays: 90 });
    expect(issued.status).toBe(201);
    expect((await callDocumented('get', `/admin/users/${id}/tokens`, admin)).body.items).toHaveLength(1);
    expect((await callDocumented('post', `/admin/tokens/${issued.body.tokenId}/revocation`, admin)).status).toBe(200);
    expect((await callDocumented('post', `/admin/tokens/${issued.body.tokenId}/revocation`, admin)).status).toBe(404);
    const calendar = (await callDocumented('get', '/calendars/CN', admin)).body;
    const { id: _id, ...fields } = calendar;
    expect((await callDocumented('put', '/calendars/XX-OPENAPI', admin, { ...fields, reason: 'a calendar of its own for this test' })).status).toBe(200);
  });

  it('problems: malformed JSON (400), no sign-in (401), wrong role (403)', async () => {
    expect((await callDocumented('post', '/complaints', signedIn('agent'), '{"channel":')).status).toBe(400);
    expect((await callDocumented('get', '/complaints', {})).status).toBe(401);
    expect((await callDocumented('put', '/calendars/CN', signedIn('agent'), {})).status).toBe(403);
    expect((await callDocumented('post', `/product-holds/${randomUUID()}/release`, signedIn('agent'), { decision: 'release', reason: 'r' })).status).toBe(403);
  });
});

// ---- The reference page -----------------------------------------------------------------------------

describe('the reference page', () => {
  /** The app as deployed when app.ts mounts the docs; until then, the docs on their own. */
  const docsApp = () => (servedRoutes(harness.app).includes('GET /docs') ? harness.app : new Hono().route('/', docsRoutes(doc)));

  it('/openapi.json serves the document, without sign-in', async () => {
    const res = await docsApp().request('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('/docs is an HTML page that loads Swagger UI from this server only', async () => {
    const res = await docsApp().request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    const urls = [...html.matchAll(/(?:src|href|data-spec-url)="([^"]+)"/g)].map((m) => m[1]);
    expect(urls).toEqual(expect.arrayContaining(['/docs/assets/swagger-ui-bundle.js', '/docs/assets/swagger-ui.css', '/docs/assets/init.js', '/openapi.json']));
    expect(urls.filter((u) => !u.startsWith('/')), 'no CDN, no other host').toEqual([]);
    for (const url of urls) {
      const asset = await docsApp().request(url);
      expect(asset.status, url).toBe(200);
      await asset.arrayBuffer();
    }
  });

  it('serves the assets with their content types, caches them, and nothing else from node_modules', async () => {
    const bundle = await docsApp().request('/docs/assets/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    const etag = bundle.headers.get('etag')!;
    expect((await docsApp().request('/docs/assets/swagger-ui-bundle.js', { headers: { 'if-none-match': etag } })).status).toBe(304);

    const css = await docsApp().request('/docs/assets/swagger-ui.css');
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    await css.arrayBuffer();

    const init = await (await docsApp().request('/docs/assets/init.js')).text();
    expect(init).toContain('validatorUrl: null'); // Swagger UI would otherwise call an online validator
    expect(DOCS_ASSETS).toContain('swagger-ui-bundle.js');

    for (const url of ['/docs/assets/package.json', '/docs/assets/..%2Fpackage.json', '/docs/assets/swagger-initializer.js', '/docs/assets/absolute-path.js']) {
      const res = await docsApp().request(url);
      expect(res.status, url).toBe(404);
      await res.arrayBuffer();
    }
  });

  it('under a prefix, the page points at the prefixed assets and document', async () => {
    const app = new Hono().route('/api', docsRoutes(doc));
    const html = await (await app.request('/api/docs')).text();
    expect(html).toContain('src="/api/docs/assets/swagger-ui-bundle.js"');
    expect(html).toContain('data-spec-url="/api/openapi.json"');
    expect((await app.request('/api/docs/assets/swagger-ui.css')).status).toBe(200);
  });
});

/** The document is built from any app's routes: a route added shows up with its schemas. */
describe('the routes as the document\'s source', () => {
  it('builds a document from any app, and refuses one missing a path parameter', () => {
    const route = {
      method: 'get' as const,
      path: '/reports/{reportId}',
      tags: ['reports'],
      summary: 'A report',
      'x-roles': ['supervisor', 'qa'],
      request: {
        params: z.object({ reportId: z.string().meta({ description: 'The report.' }) }),
        query: z.strictObject({ format: z.enum(['csv', 'json']).default('json') }),
      },
      responses: { 200: { description: 'The report.', content: { 'application/json': { schema: z.object({ ok: z.boolean() }).meta({ id: 'TestReport' }) } } } },
    };
    const small = new OpenAPIHono();
    small.openapi(createRoute(route), (c) => c.json({ ok: true }, 200));
    const op = (buildOpenApiDocument(small).paths as Doc)['/reports/{reportId}'].get;
    expect(op.tags).toEqual(['reports']);
    expect(op['x-roles']).toEqual(['supervisor', 'qa']);
    expect(op.parameters.map((p: Doc) => p.name)).toEqual(['reportId', 'format']);
    expect(op.parameters[1].schema).toEqual({ default: 'json', type: 'string', enum: ['csv', 'json'] });
    const unnamed = new OpenAPIHono();
    unnamed.openapi(createRoute({ ...route, request: { query: route.request.query } }), (c) => c.json({ ok: true }, 200));
    expect(() => buildOpenApiDocument(unnamed)).toThrow(/path parameter reportId/);

    const page = new OpenAPIHono();
    page.openapi(
      createRoute({ ...route, path: '/reports/{reportId}.html', responses: { 200: { description: 'Printable.', content: { 'text/html': { schema: { type: 'string' } } } } } }),
      (c) => c.html('<p>report</p>'),
    );
    expect((buildOpenApiDocument(page).paths as Doc)['/reports/{reportId}.html'].get.responses[200].content).toEqual({ 'text/html': { schema: { type: 'string' } } });
  });
});
