/**
 * The worker process: `npm run worker` (started for you by `npm start`).
 *
 * Tuning (env; unset → the default shown):
 *   WORKER_MAX_CACHED_WORKFLOWS            complaints kept in memory between their workflow tasks
 *                                          (Temporal's sticky cache) (100); the others are replayed
 *                                          from their history when a timer or an action wakes them
 *   WORKER_MAX_CONCURRENT_WORKFLOW_TASKS   workflow tasks run at once (40)
 *   WORKER_MAX_CONCURRENT_ACTIVITIES       activities run at once (100)
 *   WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES local activities run at once (100)
 *   WORKER_WORKFLOW_TASK_POLLERS           workflow-task polls open at once (10)
 *   WORKER_PROCESS_TUNING=off              keep the process as started (see "Memory" below)
 *   WORKER_MEMORY_REPORT_S                 every this many seconds, a `worker: memory` line: resident set,
 *                                          the main thread's V8 heap and the workflow thread's
 *   WORKER_WORKFLOW_BUNDLE                 a workflow bundle built ahead (bundleWorkflowCode); unset: the
 *                                          worker has one built by a child process at start
 *   WORKER_SHUTDOWN_GRACE_S                on SIGINT/SIGTERM, seconds in-flight activities get before they are
 *                                          cancelled (10); workflow tasks and local activities finish
 *   WORKER_SHUTDOWN_FORCE_S                seconds after which the worker stops waiting and exits (25)
 * Connection (Temporal address, namespace, task queue, TLS, API key): workflows/wire/temporal-connection.ts;
 * PostgreSQL (DATABASE_URL, TLS, pool size): db/connect.ts. At start the worker checks that the
 * namespace has the workflow's search attributes, and does not start without them (`npm run setup`).
 * At start the worker prints the settings it runs with (the line starting `worker: settings`).
 *
 * Memory (`npm run bench -- --only memory`: 10,000 open complaints; the target is 500 MB resident). The
 * SDK sizes the sticky cache from V8's heap limit (2,395 complaints with Node's 4 GB default, 1.6 GB
 * resident); bundling the workflow code in this process leaves ~185 MB behind; and under an intake burst
 * V8's young generation (two isolates: this thread and the workflow thread) and glibc's per-thread malloc
 * arenas grow and keep what they took. Hence the cache default above, the bundle built by a child process,
 * and settings that only take effect when a process starts: 4 MB semi-spaces, an old-generation cap of
 * 192 MB + 0.5 MB per cached complaint, MALLOC_ARENA_MAX=2. Started without them, the worker replaces
 * itself with the same program and them (process.execve: same pid, same output streams; Node ≥ 23.11).
 * Flags already given (NODE_OPTIONS, node's arguments) and MALLOC_ARENA_MAX from the environment win.
 */
import v8 from 'node:v8';
import { NativeConnection, Runtime, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import { connect, databaseSettingsFromEnv, type DatabaseSettings } from '../db/connect.js';
import { dataConverterFromEnvOrExit } from '../workflows/wire/payload-codec.js';
import {
  SettingError,
  checkSearchAttributes,
  connectionOptions,
  secondsFromEnv,
  temporalSettingsFromEnv,
  type TemporalSettings,
} from '../workflows/wire/temporal-connection.js';
import { tracingFromEnv } from '../workflows/wire/tracing.js';
import { workerRuntimeOptionsOrExit } from './telemetry.js';
import { bundleWorkflowsInChildProcess, createComplaintWorker, describeWorkerSettings } from './worker.js';

/** The sticky cache's default size: what 10,000 open complaints within 500 MB allowed (see above). */
const DEFAULT_MAX_CACHED_WORKFLOWS = 100;
/** Shutdown: seconds activities may take to finish, and to wait for everything (see below). */
const DEFAULT_SHUTDOWN_GRACE_S = 10;
const DEFAULT_SHUTDOWN_FORCE_S = 25;

/** A whole number ≥ `min` from the environment, or undefined when unset; anything else stops the worker. */
function envCount(name: string, min: number): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`worker: ${name}=${raw} is not a whole number ≥ ${min}`);
    process.exit(2);
  }
  return n;
}

const maxCachedWorkflows = envCount('WORKER_MAX_CACHED_WORKFLOWS', 0) ?? DEFAULT_MAX_CACHED_WORKFLOWS;

// ---- Memory settings that only a process start applies (see "Memory" above) ----------------------
const TUNED_MARK = 'WORKER_PROCESS_TUNED';
if (process.env.WORKER_PROCESS_TUNING !== 'off' && process.env[TUNED_MARK] !== '1') {
  const given = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`.replaceAll('_', '-');
  const flags = [
    ['--max-semi-space-size', '4'],
    ['--max-old-space-size', String(192 + Math.ceil(maxCachedWorkflows / 2))],
  ]
    .filter(([name]) => !given.includes(name!))
    .map(([name, value]) => `${name}=${value}`);
  const env = { ...process.env, [TUNED_MARK]: '1', MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX || '2' };
  if (typeof process.execve === 'function') {
    process.execve(process.execPath, [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)], env);
  }
  console.error(`worker: Node.js ${process.version} cannot restart itself with its memory settings (process.execve, Node ≥ 23.11); running without them`);
}

// Temporal and PostgreSQL (workflows/wire/temporal-connection.ts, db/connect.ts): a bad setting stops
// the worker here, named (never its secret value).
let temporalSettings: TemporalSettings;
let database: DatabaseSettings;
let shutdownGraceS: number;
let shutdownForceS: number;
try {
  temporalSettings = temporalSettingsFromEnv();
  database = databaseSettingsFromEnv();
  shutdownGraceS = secondsFromEnv(process.env, 'WORKER_SHUTDOWN_GRACE_S', DEFAULT_SHUTDOWN_GRACE_S);
  shutdownForceS = secondsFromEnv(process.env, 'WORKER_SHUTDOWN_FORCE_S', Math.max(DEFAULT_SHUTDOWN_FORCE_S, shutdownGraceS + 5));
} catch (err) {
  if (!(err instanceof SettingError)) throw err;
  console.error(`worker: ${err.message}`);
  process.exit(2);
}
const { namespace, taskQueue } = temporalSettings;
// Payloads hold personal data: encrypted with the key from PAYLOAD_KEYS / PAYLOAD_KEY_FILE (required).
const dataConverter = dataConverterFromEnvOrExit('worker');

// Shutdown (SIGINT, SIGTERM: the Runtime's signals): no new tasks; in-flight workflow tasks and local
// activities finish, activities get WORKER_SHUTDOWN_GRACE_S before they are cancelled, and past
// WORKER_SHUTDOWN_FORCE_S the worker gives up waiting (run() throws) and exits.
const tuning: Partial<WorkerOptions> = { maxCachedWorkflows, shutdownGraceTime: shutdownGraceS * 1000, shutdownForceTime: shutdownForceS * 1000 };
const maxWorkflowTasks = envCount('WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 2);
if (maxWorkflowTasks !== undefined) tuning.maxConcurrentWorkflowTaskExecutions = maxWorkflowTasks;
const maxActivities = envCount('WORKER_MAX_CONCURRENT_ACTIVITIES', 1);
if (maxActivities !== undefined) tuning.maxConcurrentActivityTaskExecutions = maxActivities;
const maxLocalActivities = envCount('WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES', 1);
if (maxLocalActivities !== undefined) tuning.maxConcurrentLocalActivityExecutions = maxLocalActivities;
const workflowTaskPollers = envCount('WORKER_WORKFLOW_TASK_POLLERS', 2);
if (workflowTaskPollers !== undefined) tuning.workflowTaskPollerBehavior = { type: 'simple-maximum', maximum: workflowTaskPollers };

// The SDK's own messages (workflow bundling, state changes) at LOG_LEVEL, WARN unless asked.
// Payloads are never logged: they hold complainants' personal data.
const logLevel = (process.env.LOG_LEVEL?.trim() || 'WARN').toUpperCase() as LogLevel;
if (!['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'].includes(logLevel)) {
  console.error(`worker: LOG_LEVEL: '${process.env.LOG_LEVEL}' is not one of TRACE, DEBUG, INFO, WARN, ERROR`);
  process.exit(2);
}
// As JSON lines, and the SDK's metrics on WORKER_METRICS_ADDRESS when set (worker/telemetry.ts).
Runtime.install(workerRuntimeOptionsOrExit());
const db = connect(database.url, database.options);
console.log(`worker: temporal ${temporalSettings.summary}; postgres ${database.summary}`);
const connection = await NativeConnection.connect(connectionOptions(temporalSettings));
// The search attributes the workflow writes: without them every workflow task fails
// (BAD_SEARCH_ATTRIBUTES) and nothing moves, so the worker does not start.
const attributes = await checkSearchAttributes(connection.operatorService, namespace);
if (attributes.status === 'missing' || attributes.status === 'no-namespace') {
  console.error(`worker: not starting: ${attributes.message}`);
  await connection.close();
  await db.destroy();
  process.exit(1);
}
if (attributes.status === 'unknown') console.error(`worker: ${attributes.message}`);
// The workflow code: a prebuilt bundle, or bundled now by a child process (not in this one: see
// bundleWorkflowsInChildProcess).
const prebuilt = process.env.WORKER_WORKFLOW_BUNDLE?.trim() || undefined;
// Traces when OTEL_EXPORTER_OTLP_ENDPOINT is set (workflows/wire/tracing.ts): its workflow interceptors go in the bundle.
const tracing = await tracingFromEnv('complaint-desk-worker');
const bundle = prebuilt ? { path: prebuilt, remove: () => undefined } : await bundleWorkflowsInChildProcess(tracing?.workflowInterceptorModules);
let worker;
try {
  worker = await createComplaintWorker({ connection, namespace, taskQueue, db, dataConverter, tuning: { ...tuning, ...(tracing ? { plugins: tracing.plugins } : {}) }, workflowBundlePath: bundle.path });
} finally {
  bundle.remove();
}
const nodeFlags = `${process.execArgv.filter((a) => a.startsWith('--max')).join(' ')} ${process.env.NODE_OPTIONS ?? ''}`.trim();
console.log(
  `worker: settings ${describeWorkerSettings(worker, v8.getHeapStatistics().heap_size_limit)}` +
    ` nodeFlags=${JSON.stringify(nodeFlags)} MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? 'unset'}`,
);
console.log(`worker: polling task queue ${taskQueue} on ${temporalSettings.address} (namespace ${namespace})`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => console.log(`worker: ${signal}: finishing in-flight tasks (activities get ${shutdownGraceS} s, at most ${shutdownForceS} s in all)`));
}
const memoryReportS = envCount('WORKER_MEMORY_REPORT_S', 1);
if (memoryReportS !== undefined) {
  const mib = (n: number) => Math.round(n / 1024 / 1024);
  // The workflow thread's heap, through the SDK's internals (not its API: absent if they change).
  type HeapReporter = { getHeapStatistics?: () => Promise<v8.HeapInfo> };
  const threads = (worker as unknown as { workflowCreator?: { workerThreadClients?: Array<{ workerThread?: HeapReporter }> } }).workflowCreator?.workerThreadClients ?? [];
  setInterval(async () => {
    const m = process.memoryUsage();
    let workflows = '';
    try {
      const stats = await Promise.all(threads.map((t) => t.workerThread?.getHeapStatistics?.()));
      const used = stats.reduce((sum, h) => sum + (h?.used_heap_size ?? 0), 0);
      const total = stats.reduce((sum, h) => sum + (h?.total_heap_size ?? 0), 0);
      if (stats.length && stats.every(Boolean)) workflows = ` workflowHeapUsed=${mib(used)} workflowHeapTotal=${mib(total)}`;
    } catch {
      // not reachable: the line goes without it
    }
    console.log(`worker: memory rss=${mib(m.rss)} heapUsed=${mib(m.heapUsed)} heapTotal=${mib(m.heapTotal)} external=${mib(m.external)} arrayBuffers=${mib(m.arrayBuffers)}${workflows} (MiB)`);
  }, memoryReportS * 1000).unref();
}
try {
  await worker.run(); // returns after SIGINT/SIGTERM, once in-flight tasks are done
} finally {
  await tracing?.shutdown();
  await connection.close();
  await db.destroy();
  console.log('worker: stopped');
}
