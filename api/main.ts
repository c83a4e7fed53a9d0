/**
 * The API process: `npm run api` (started for you by `npm start`).
 *
 * Settings (env), read here once; a bad one stops the process with a message naming it:
 *   PORT (or API_PORT)      the port (3000)
 *   API_HOST                the bind address (127.0.0.1; 0.0.0.0 behind a load balancer)
 *   API_SHUTDOWN_GRACE_S    on SIGTERM/SIGINT, seconds in-flight requests get to finish before their
 *                           connections are closed (10); then the pools close and the process exits
 *   Temporal (address, namespace, task queue, TLS, API key): workflows/wire/temporal-connection.ts
 *   PostgreSQL (DATABASE_URL, TLS, pool size): db/connect.ts
 *   payload keys (PAYLOAD_KEYS / PAYLOAD_KEY_FILE): workflows/wire/payload-codec.ts
 *   TEMPORAL_UI_ORIGIN      the Web UI origins the codec endpoint answers (api/codec.ts)
 *
 * At start it checks that the namespace has the complaint workflow's search attributes (and again
 * every 30 s until it has): missing ones are named in the log and in readiness() (api/readiness.ts).
 */
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { connect, databaseSettingsFromEnv, type DatabaseSettings } from '../db/connect.js';
import { signInCacheMsSetting } from '../db/users.js';
import { dataConverterFromEnvOrExit } from '../workflows/wire/payload-codec.js';
import {
  SettingError,
  checkSearchAttributes,
  connectionOptions,
  secondsFromEnv,
  temporalSettingsFromEnv,
  type TemporalSettings,
} from '../workflows/wire/temporal-connection.js';
import { createApp } from './app.js';
import { tracingFromEnv } from '../workflows/wire/tracing.js';
import { requestLogFromEnv } from './logging.js';
import { setDraining, setSearchAttributeCheck } from './readiness.js';

const RECHECK_MS = 30_000;

let port: number;
let host: string;
let graceS: number;
let temporalSettings: TemporalSettings;
let database: DatabaseSettings;
try {
  const portSetting = process.env.PORT ? 'PORT' : 'API_PORT';
  const rawPort = (process.env.PORT || process.env.API_PORT || '3000').trim();
  port = Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SettingError(portSetting, `'${rawPort}' is not a port number`);
  host = process.env.API_HOST?.trim() || '127.0.0.1';
  if (/[\s/]/.test(host)) throw new SettingError('API_HOST', `'${host}' is not a host name or address`);
  graceS = secondsFromEnv(process.env, 'API_SHUTDOWN_GRACE_S', 10);
  temporalSettings = temporalSettingsFromEnv();
  database = databaseSettingsFromEnv();
  // Read at start, so a wrong value stops the API here instead of failing its first sign-in.
  try {
    signInCacheMsSetting();
  } catch (err) {
    throw new SettingError('API_SIGN_IN_CACHE_S', (err as Error).message);
  }
} catch (err) {
  if (!(err instanceof SettingError)) throw err;
  console.error(`api: ${err.message}`);
  process.exit(2);
}
// The same payload keys as the worker's (PAYLOAD_KEYS / PAYLOAD_KEY_FILE, required): the client
// encrypts what it sends and decrypts what it reads, and the codec endpoint (/codec) uses them.
const dataConverter = dataConverterFromEnvOrExit('api');

const { namespace, taskQueue } = temporalSettings;
const db = connect(database.url, database.options);
console.log(`api: temporal ${temporalSettings.summary}; postgres ${database.summary}`);
const connection = await Connection.connect(connectionOptions(temporalSettings));
// Traces when OTEL_EXPORTER_OTLP_ENDPOINT is set (workflows/wire/tracing.ts); nothing loaded otherwise.
const tracing = await tracingFromEnv('complaint-desk-api');
const temporal = new Client({ connection, namespace, dataConverter, ...(tracing ? { plugins: tracing.plugins } : {}) });
// One JSON line per request on stdout unless API_REQUEST_LOG=off (api/logging.ts); METRICS_TOKEN guards /metrics.
const app = createApp({ db, temporal, taskQueue }, { log: requestLogFromEnv(), tracing });

// The search attributes the workflow writes: without them a filing is accepted and then nothing moves.
// Not ready (and said so) until they are there; the API serves what it can meanwhile.
let recheck: NodeJS.Timeout | undefined;
async function checkAttributes(first: boolean): Promise<void> {
  if (first) setSearchAttributeCheck('checking');
  try {
    const check = await checkSearchAttributes(connection.operatorService, namespace);
    setSearchAttributeCheck(check);
    if (check.status === 'ready') {
      if (!first) console.log(`api: the search attributes of namespace ${namespace} are in place now: ready`);
      return;
    }
    if (check.status === 'unknown') {
      console.error(`api: ${check.message}`);
      return;
    }
    if (first) console.error(`api: NOT READY: ${check.message} (checked again every ${RECHECK_MS / 1000} s)`);
  } catch (err) {
    if (first) console.error(`api: could not check the search attributes yet (${(err as Error).message}); checking again every ${RECHECK_MS / 1000} s`);
  }
  recheck = setTimeout(() => void checkAttributes(false), RECHECK_MS);
  recheck.unref();
}
await checkAttributes(true);

const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
  console.log(`api: listening on http://${host.includes(':') ? `[${host}]` : host === '127.0.0.1' ? 'localhost' : host}:${info.port} (task queue ${taskQueue})`);
});

// Shutdown: stop accepting, let in-flight requests finish (up to API_SHUTDOWN_GRACE_S), then close
// the pools. Idle keep-alive connections are closed at once (Node's server.close does that).
let stopping = false;
async function stop(signal: NodeJS.Signals) {
  if (stopping) return;
  stopping = true;
  setDraining();
  clearTimeout(recheck);
  console.log(`api: ${signal}: finishing in-flight requests (up to ${graceS} s)`);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  let timer: NodeJS.Timeout | undefined;
  const drained = await Promise.race([
    closed.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceS * 1000))),
  ]);
  clearTimeout(timer);
  if (!drained) {
    console.error(`api: requests still running after ${graceS} s; closing their connections`);
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  }
  await connection.close();
  await db.destroy();
  await tracing?.shutdown();
  console.log('api: stopped');
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
