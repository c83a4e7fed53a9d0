/**
 * An API test harness: its own database, a worker on its own task queue against the suite's
 * Temporal dev server (see dev-server.ts), and the app called in-process with `app.request()`.
 * Who is calling comes from `as()` alone, so the way the API signs a caller in is told here once.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createApp } from '../../api/app.js';
import type { Db } from '../../db/connect.js';
import { hashToken } from '../../db/users.js';
import type { Role } from '../../workflows/model.js';
import type { ApiDeps } from '../../api/deps.js';
import { startDevServerSuite, type DevServerSuite, type DevServerSuiteOptions } from './dev-server.js';
import { testClient } from './temporal.js';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Test users: the bearer token `as()` hands out for each user, and the user it stands for. */
const tokenOf = new Map<string, string>();
const userOf = new Map<string, { id: string; role: Role }>();

/**
 * The headers that make a request come from this user acting in this role: a bearer token, as in
 * production. The user and the token's hash are put in the harness's database before the request
 * that first uses them (see `signInUsers`).
 */
export const as = (id: string, role: string): Record<string, string> => {
  let token = tokenOf.get(`${id}|${role}`);
  if (!token) {
    token = `cdt_${randomBytes(32).toString('base64url')}`;
    tokenOf.set(`${id}|${role}`, token);
    userOf.set(token, { id, role: role as Role });
  }
  return { authorization: `Bearer ${token}` };
};

/** Makes the caller's `as()` token valid in this database: the user (with that role) and the token's hash. */
async function signInUsers(db: Db, known: Set<string>, headers: Record<string, string>): Promise<void> {
  const token = /^Bearer (\S+)$/.exec(headers.authorization ?? '')?.[1];
  const user = token ? userOf.get(token) : undefined;
  if (!token || !user || known.has(token)) return;
  await db
    .insertInto('users')
    .values({ id: user.id, display_name: user.id, role: user.role, created_by: 'test' })
    .onConflict((oc) => oc.column('id').doUpdateSet({ role: user.role }))
    .execute();
  await db
    .insertInto('api_tokens')
    .values({ id: randomUUID(), user_id: user.id, token_hash: hashToken(token), label: 'test', created_by: 'test' })
    .onConflict((oc) => oc.column('token_hash').doNothing())
    .execute();
  known.add(token);
}

export type App = ReturnType<typeof createApp>;

export interface ApiResponse {
  status: number;
  /** The Content-Type answered. */
  type: string | null;
  headers: Headers;
  body: Json;
}

export interface ApiCaller {
  app: App;
  /** `body` is sent as JSON; `raw` instead is sent as it is (for malformed JSON). */
  call(method: string, path: string, headers: Record<string, string>, body?: unknown, raw?: string): Promise<ApiResponse>;
  post(path: string, headers: Record<string, string>, body?: unknown): Promise<ApiResponse>;
}

export type ApiOptions = Partial<Pick<ApiDeps, 'actionTimeoutMs'>>;

export interface ApiHarness extends DevServerSuite, ApiCaller {
  /** Another app on the same database, Temporal client and task queue, built with these options. */
  withOptions(options: ApiOptions): ApiCaller;
}

function caller(app: App, db: Db): ApiCaller {
  const known = new Set<string>();
  const call: ApiCaller['call'] = async (method, path, headers, body, raw) => {
    await signInUsers(db, known, headers);
    const res = await app.request(path, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type'), headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Json };
  };
  return { app, call, post: (path, headers, body = {}) => call('POST', path, headers, body) };
}

export async function startApiHarness(options: ApiOptions & DevServerSuiteOptions = {}): Promise<ApiHarness> {
  const { taskQueuePrefix = 'api', policies, ...appOptions } = options;
  const suite = await startDevServerSuite({ taskQueuePrefix, policies });
  const temporal = testClient(suite.temporal.connection);
  const build = (more: ApiOptions) =>
    caller(createApp({ db: suite.database.db, temporal, taskQueue: suite.taskQueue, ...appOptions, ...more }), suite.database.db);
  return { ...suite, temporal, ...build({}), withOptions: build };
}
