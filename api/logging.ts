/**
 * The API's request log and request ids. One JSON line per request, when the app is given a log
 * (api/main.ts gives it stdout):
 *
 *   {"time":"…","level":"info","msg":"request","requestId":"…","method":"POST",
 *    "route":"/complaints/{id}/assessment","status":200,"durationMs":12.3,"complaintId":"…"}
 *
 * `route` is the template, never the path; `complaintId` only on the routes of one complaint
 * (`/complaints/{id}…`, a UUID). Nothing else of the request is written: no query, no body, no
 * header but the request id, so no personal data (names, phones, descriptions) can reach the log.
 * `level` is `info`, `warn` for a 4xx, `error` for a 5xx.
 *
 * The request id: the caller's `X-Request-Id` when it is sane (1 to 128 of `A-Z a-z 0-9 . _ : -`),
 * else a new UUID; answered in `X-Request-Id` on every response.
 */
import { randomUUID } from 'node:crypto';

export type LogLevel = 'info' | 'warn' | 'error';
/** Where log entries go: one object per line. */
export type LogSink = (entry: Record<string, unknown> & { level: LogLevel; msg: string }) => void;

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function requestIdFrom(header: string | undefined): string {
  const given = header?.trim();
  return given && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

/** The complaint a request is about, from a route of one complaint (`/complaints/{id}…`), if a UUID. */
export function complaintIdOf(route: string, path: string): string | undefined {
  if (!route.startsWith('/complaints/{id}')) return undefined;
  const id = path.split('/')[2];
  return id && UUID.test(id) ? id.toLowerCase() : undefined;
}

/** The request log api/main.ts runs with: JSON lines on stdout, or none with API_REQUEST_LOG=off. */
export function requestLogFromEnv(env: NodeJS.ProcessEnv = process.env): LogSink | undefined {
  return env.API_REQUEST_LOG?.trim().toLowerCase() === 'off' ? undefined : jsonLinesToStdout;
}

/** JSON lines on stdout, with the time first. */
export const jsonLinesToStdout: LogSink = (entry) => {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...entry }) + '\n');
};

export function levelOf(status: number): LogLevel {
  return status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
}
