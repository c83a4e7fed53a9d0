/**
 * An API test harness: its own database, a worker on its own task queue against the suite's
 * Temporal dev server (see dev-server.ts), and the app called in-process with `app.request()`.
 * Who is calling comes from `as()` alone, so the way the API signs a caller in is told here once.
 */
import { createApp } from '../../api/app.js';
import type { ApiDeps } from '../../api/deps.js';
import { startDevServerSuite, type DevServerSuite, type DevServerSuiteOptions } from './dev-server.js';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The headers that make a request come from this user acting in this role. */
export const as = (id: string, role: string): Record<string, string> => ({ 'x-actor-id': id, 'x-actor-role': role });

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

function caller(app: App): ApiCaller {
  const call: ApiCaller['call'] = async (method, path, headers, body, raw) => {
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
  const build = (more: ApiOptions) => caller(createApp({ db: suite.database.db, temporal: suite.temporal, taskQueue: suite.taskQueue, ...appOptions, ...more }));
  return { ...suite, ...build({}), withOptions: build };
}
