/**
 * The worker process: `npm run worker` (started for you by `npm start`).
 *
 * Tuning (env; unset → the default shown):
 *   WORKER_MAX_CACHED_WORKFLOWS            open complaints kept in memory between their workflow tasks
 *                                          (Temporal's sticky cache); 250
 *   WORKER_MAX_CONCURRENT_WORKFLOW_TASKS   workflow tasks run at once (40)
 *   WORKER_MAX_CONCURRENT_ACTIVITIES       activities run at once (100)
 *   WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES local activities run at once (100)
 *   WORKER_MEMORY_REPORT_S                 every this many seconds, a `worker: memory` line: resident set,
 *                                          the main thread's V8 heap and the workflow thread's
 *   WORKER_WORKFLOW_BUNDLE                 a workflow bundle built ahead (bundleWorkflowCode); unset: the
 *                                          worker has one built by a child process at start
 * At start the worker prints the settings it runs with (the line starting `worker: settings`).
 */
import v8 from 'node:v8';
import { DefaultLogger, NativeConnection, Runtime, makeTelemetryFilterString, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import { connect } from '../db/connect.js';
import { dataConverterFromEnvOrExit } from './payload-codec.js';
import { bundleWorkflowsInChildProcess, createComplaintWorker, describeWorkerSettings } from './worker.js';

const temporalAddress = process.env.TEMPORAL_ADDRESS ?? 'localhost:7233';
const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('worker: DATABASE_URL is not set');
  process.exit(2);
}
// Payloads hold personal data: encrypted with the key from PAYLOAD_KEYS / PAYLOAD_KEY_FILE (required).
const dataConverter = dataConverterFromEnvOrExit('worker');

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

const tuning: Partial<WorkerOptions> = {};
// Open complaints sleep for days between actions: a small cache costs a replay when one wakes, while
// the SDK's default (sized from the machine's memory: ~2,400 here) let the worker grow to 1.6 GB with
// 10,000 open complaints against ~550 MB with 250 (`npm run bench -- --only memory`).
const DEFAULT_MAX_CACHED_WORKFLOWS = 250;
tuning.maxCachedWorkflows = envCount('WORKER_MAX_CACHED_WORKFLOWS', 0) ?? DEFAULT_MAX_CACHED_WORKFLOWS;
const maxWorkflowTasks = envCount('WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 2);
if (maxWorkflowTasks !== undefined) tuning.maxConcurrentWorkflowTaskExecutions = maxWorkflowTasks;
const maxActivities = envCount('WORKER_MAX_CONCURRENT_ACTIVITIES', 1);
if (maxActivities !== undefined) tuning.maxConcurrentActivityTaskExecutions = maxActivities;
const maxLocalActivities = envCount('WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES', 1);
if (maxLocalActivities !== undefined) tuning.maxConcurrentLocalActivityExecutions = maxLocalActivities;

// The SDK's own messages (workflow bundling, state changes) at LOG_LEVEL, WARN unless asked.
// Payloads are never logged: they hold complainants' personal data.
const logLevel = (process.env.LOG_LEVEL ?? 'WARN').toUpperCase() as LogLevel;
Runtime.install({
  logger: new DefaultLogger(logLevel),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
});
const db = connect(databaseUrl);
const connection = await NativeConnection.connect({ address: temporalAddress });
// The workflow code: a prebuilt bundle, or bundled now by a child process (not in this one: see
// bundleWorkflowsInChildProcess).
const prebuilt = process.env.WORKER_WORKFLOW_BUNDLE?.trim() || undefined;
const bundle = prebuilt ? { path: prebuilt, remove: () => undefined } : await bundleWorkflowsInChildProcess();
let worker;
try {
  worker = await createComplaintWorker({ connection, namespace, db, dataConverter, tuning, workflowBundlePath: bundle.path });
} finally {
  bundle.remove();
}
console.log(`worker: settings ${describeWorkerSettings(worker, v8.getHeapStatistics().heap_size_limit)}`);
console.log(`worker: polling task queue on ${temporalAddress} (namespace ${namespace})`);
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
  await connection.close();
  await db.destroy();
  console.log('worker: stopped');
}
