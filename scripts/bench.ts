/**
 * `npm run bench`: how filing a complaint over the API compares with Temporal's bare workflow start,
 * measured in one run against the same servers.
 *
 *   bare start   client.workflow.start(emptyWorkflow) on a baseline worker's task queue: the latency
 *                of the start call alone (the floor: one gRPC round trip into Temporal)
 *   API intake   HTTP POST /complaints over loopback; a 201 means validated, workflow started, intake
 *                record written to PostgreSQL, answered
 *
 * The stack is its own (embedded PostgreSQL, Temporal dev server, both in a temp folder) unless
 * DATABASE_URL / TEMPORAL_ADDRESS name yours. The complaint worker, the baseline worker and the API run
 * in this process, as the load generator does: on a small machine they compete for the same cores, which
 * the printed figures include.
 *
 * Settings (flag, or env):  --count N (BENCH_COUNT, 1000)   --concurrency N (BENCH_CONCURRENCY, 50)
 *                           --warmup N (BENCH_WARMUP, 50)   --timeout S (BENCH_TIMEOUT_S, 600)
 *
 * It prints figures and asserts nothing about speed. Exit code: 0 when every request succeeded and every
 * acknowledged complaint is on file exactly once; 1 otherwise; 2 when the stack did not start; 3 when
 * the run hit its global timeout.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { createApp } from '../api/app.js';
import { connect, type Db } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { SAMPLE_CREATE_BODY } from '../test/support/intake.js';
import { createComplaintWorker } from '../worker/worker.js';
import { emptyWorkflow } from './bench-workflows.js';
import { freePorts } from './stack/ports.js';
import { startEmbeddedPostgres } from './stack/postgres.js';
import { startTemporalDevServer } from './stack/temporal-dev-server.js';

// ---- Settings ------------------------------------------------------------------------------------

interface Settings {
  count: number;
  concurrency: number;
  warmup: number;
  timeoutS: number;
}

function positiveInt(name: string, raw: string | undefined, fallback: number, allowZero = false): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw new Error(`${name}=${raw} is not a ${allowZero ? 'non-negative' : 'positive'} integer`);
  return n;
}

/** Flags win over the environment, which wins over the defaults. */
function readSettings(): Settings {
  const { values } = parseArgs({
    options: {
      count: { type: 'string' },
      concurrency: { type: 'string' },
      warmup: { type: 'string' },
      timeout: { type: 'string' },
    },
    strict: true,
  });
  const env = process.env;
  return {
    count: positiveInt('count', values.count ?? env.BENCH_COUNT, 1000),
    concurrency: positiveInt('concurrency', values.concurrency ?? env.BENCH_CONCURRENCY, 50),
    warmup: positiveInt('warmup', values.warmup ?? env.BENCH_WARMUP, 50, true),
    timeoutS: positiveInt('timeout', values.timeout ?? env.BENCH_TIMEOUT_S, 600),
  };
}

// ---- Clean-up: every piece registers how to stop it; they stop in reverse order ----------------------

const cleanups: Array<{ name: string; run: () => Promise<void> | void }> = [];
const onCleanup = (name: string, run: () => Promise<void> | void) => cleanups.push({ name, run });
let cleaning: Promise<boolean> | undefined;

/** Runs every clean-up step once (later calls share the first); resolves false if a step failed. */
function cleanUp(): Promise<boolean> {
  cleaning ??= (async () => {
    let ok = true;
    for (const { name, run } of cleanups.reverse()) {
      try {
        await run();
      } catch (err) {
        ok = false;
        console.error(`bench: stopping ${name} failed: ${(err as Error).message}`);
      }
    }
    return ok;
  })();
  return cleaning;
}

/** Leaves now (timeout, Ctrl-C, a worker that died): a bounded attempt to stop things, then exit. */
async function abort(why: string, code: number): Promise<never> {
  console.error(`\nbench: ${why}; stopping everything`);
  // A hung step must not hang the exit; children still running get a signal from the stack's exit hook.
  await Promise.race([cleanUp(), new Promise((r) => setTimeout(r, 30_000).unref())]);
  process.exit(code);
}

// ---- Statistics ----------------------------------------------------------------------------------

/** Nearest-rank percentile of an ascending array (p in 0..100); NaN when empty. */
function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sortedMs.length);
  return sortedMs[Math.min(sortedMs.length, Math.max(1, rank)) - 1]!;
}

interface PhaseResult {
  name: string;
  count: number;
  errors: number;
  wallS: number;
  /** Requests per second over the phase's wall time, successes only. */
  throughput: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Failure description → how many times. */
  failures: Map<string, number>;
}

// ---- Load generation -----------------------------------------------------------------------------

/** Runs task(0..total-1) with at most `concurrency` in flight (a fixed pool of lanes pulling the next index). */
async function runBounded(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < total) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
}

/**
 * Times `op` `total` times at `concurrency`. An op that throws is an error; latency percentiles are over
 * the successes (an error's time says little about the path being measured).
 */
async function measure(name: string, total: number, concurrency: number, op: (i: number) => Promise<void>): Promise<PhaseResult> {
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  const started = performance.now();
  await runBounded(total, concurrency, async (i) => {
    const t0 = performance.now();
    try {
      await op(i);
      latencies.push(performance.now() - t0);
    } catch (err) {
      const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      failures.set(what, (failures.get(what) ?? 0) + 1);
    }
  });
  const wallS = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    name,
    count: total,
    errors: total - latencies.length,
    wallS,
    throughput: latencies.length / wallS,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    failures,
  };
}

// ---- The stack -----------------------------------------------------------------------------------

interface Stack {
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  /** Whether PostgreSQL is ours alone (then every complaints row is one this run filed). */
  ownDatabase: boolean;
}

/** PostgreSQL and Temporal (ours unless the environment names them), side by side, then migrations. */
async function startServers(): Promise<Stack> {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'complaints-bench-'));
  // PostgreSQL refuses root and runs as `postgres`, which must be able to traverse this folder.
  if (process.getuid?.() === 0) fs.chmodSync(tmpDir, 0o711);
  onCleanup('the temp folder', () => fs.rmSync(tmpDir, { recursive: true, force: true }));

  const [pgPort, temporalPort] = await freePorts(2);
  const log = (m: string) => console.error(`[stack] ${m}`);
  const [pgResult, temporalResult] = await Promise.allSettled([
    process.env.DATABASE_URL
      ? Promise.resolve(undefined)
      : startEmbeddedPostgres({ dataDir: path.join(tmpDir, 'postgres'), port: pgPort!, durable: false, log }),
    process.env.TEMPORAL_ADDRESS ? Promise.resolve(undefined) : startTemporalDevServer({ port: temporalPort!, headless: true }),
  ]);
  if (pgResult.status === 'fulfilled' && pgResult.value) onCleanup('PostgreSQL', pgResult.value.stop);
  if (temporalResult.status === 'fulfilled' && temporalResult.value) onCleanup('Temporal', temporalResult.value.stop);
  const failed = [pgResult, temporalResult].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length) throw new Error(failed.map((f) => (f.reason as Error).message).join('\n'));

  const databaseUrl = process.env.DATABASE_URL || (pgResult as PromiseFulfilledResult<{ url: string }>).value.url;
  const temporalAddress = process.env.TEMPORAL_ADDRESS || (temporalResult as PromiseFulfilledResult<{ address: string }>).value.address;
  await migrateToLatest(databaseUrl);
  return { databaseUrl, temporalAddress, namespace: process.env.TEMPORAL_NAMESPACE || 'default', ownDatabase: !process.env.DATABASE_URL };
}

/** Starts a worker's run loop; if it ends while the bench still needs it, the bench cannot go on. */
function runWorker(name: string, worker: Worker): void {
  let stopping = false;
  const running = worker.run().then(
    () => {
      if (!stopping) void abort(`the ${name} stopped on its own`, 1);
    },
    (err: Error) => {
      if (!stopping) void abort(`the ${name} failed: ${err.message}`, 1);
    },
  );
  onCleanup(`the ${name}`, async () => {
    stopping = true;
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });
}

/** Serves the app on a free loopback port; resolves with its base URL. */
async function serveApi(fetchHandler: (req: Request) => Response | Promise<Response>): Promise<string> {
  return await new Promise((resolve) => {
    const server = serve({ fetch: fetchHandler, port: 0, hostname: '127.0.0.1' }, (info) => resolve(`http://127.0.0.1:${info.port}`)) as Server;
    onCleanup('the API server', () => new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections(); // keep-alive sockets of the load generator would hold close() open
    }));
  });
}

interface Rig {
  stack: Stack;
  client: Client;
  apiUrl: string;
  /** The API's own pool; also used to verify what was filed. */
  db: Db;
  complaintQueue: string;
  baselineQueue: string;
}

async function startRig(): Promise<Rig> {
  const stack = await startServers();

  // The engine's own logs only when something is wrong: the output is the figures. No shutdown signals:
  // Ctrl-C goes to this script's abort(), which stops the workers in order with everything else.
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
  });

  // Each task queue unique to this run, so a worker elsewhere on a shared server takes none of our tasks.
  const runId = randomUUID().slice(0, 8);
  const complaintQueue = `bench-complaints-${runId}`;
  const baselineQueue = `bench-baseline-${runId}`;

  // Separate pools for the worker and the API, as when they run as two processes (10 connections each).
  const workerDb = connect(stack.databaseUrl);
  onCleanup('the worker database pool', () => workerDb.destroy());
  const db = connect(stack.databaseUrl);
  onCleanup('the API database pool', () => db.destroy());

  const native = await NativeConnection.connect({ address: stack.temporalAddress });
  onCleanup('the workers’ Temporal connection', () => native.close());
  // Both workers bundle their workflow code at creation (seconds each): side by side.
  const [complaintWorker, baselineWorker] = await Promise.all([
    createComplaintWorker({ connection: native, namespace: stack.namespace, db: workerDb, taskQueue: complaintQueue }),
    Worker.create({
      connection: native,
      namespace: stack.namespace,
      taskQueue: baselineQueue,
      workflowsPath: new URL('./bench-workflows.ts', import.meta.url).pathname,
    }),
  ]);
  runWorker('complaint worker', complaintWorker);
  runWorker('baseline worker', baselineWorker);

  // One client for the API and for the bare starts: both phases go through the same gRPC connection.
  const connection = await Connection.connect({ address: stack.temporalAddress });
  onCleanup('the client’s Temporal connection', () => connection.close());
  const client = new Client({ connection, namespace: stack.namespace });

  const app = createApp({ db, temporal: client, taskQueue: complaintQueue });
  const apiUrl = await serveApi(app.fetch);
  return { stack, client, apiUrl, db, complaintQueue, baselineQueue };
}

// ---- The two operations --------------------------------------------------------------------------

interface Filed {
  complaintId: string;
  number: string;
}

/** What one run uses to tell its workflows and keys apart. */
const runTag = randomUUID();
const AGENT_HEADERS = { 'content-type': 'application/json', 'x-actor-id': 'bench-agent', 'x-actor-role': 'agent' };
// Serialised once: the same body every time (each request has its own key, so each is a new complaint).
const BODY = JSON.stringify(SAMPLE_CREATE_BODY);

function bareStart(rig: Rig, started: string[]) {
  return async (label: string, i: number) => {
    const workflowId = `bench-empty-${runTag}-${label}-${i}`;
    await rig.client.workflow.start(emptyWorkflow, { workflowId, taskQueue: rig.baselineQueue });
    started.push(workflowId);
  };
}

function apiIntake(rig: Rig, filed: Filed[]) {
  return async (label: string, i: number) => {
    const res = await fetch(`${rig.apiUrl}/complaints`, {
      method: 'POST',
      headers: { ...AGENT_HEADERS, 'idempotency-key': `bench-${runTag}-${label}-${i}` },
      body: BODY,
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`HTTP ${res.status} ${text.slice(0, 300)}`);
    const { complaintId, number } = JSON.parse(text) as Filed;
    filed.push({ complaintId, number });
  };
}

/**
 * Waits until every empty workflow has completed, so the baseline worker's work does not spill into the
 * next phase; also shows the baseline did real round trips.
 */
async function awaitCompletion(client: Client, workflowIds: string[], concurrency: number): Promise<number> {
  let completed = 0;
  await runBounded(workflowIds.length, concurrency, async (i) => {
    await client.workflow.getHandle(workflowIds[i]!).result().then(() => completed++, () => undefined);
  });
  return completed;
}

// ---- Where one intake's time goes ----------------------------------------------------------------

interface Step {
  atMs: number;
  what: string;
}

/** "seconds.nanos" of a protobuf Timestamp → epoch milliseconds. */
function timestampMs(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  const s = ts?.seconds as number | { toNumber(): number } | undefined;
  const seconds = typeof s === 'number' ? s : (s?.toNumber() ?? 0);
  return seconds * 1000 + (ts?.nanos ?? 0) / 1e6;
}

/** A history event's type, read from its set attributes field (`workflowTaskStartedEventAttributes` → WorkflowTaskStarted). */
function eventName(event: Record<string, unknown>): string {
  const key = Object.keys(event).find((k) => k.endsWith('EventAttributes') && event[k]);
  if (!key) return 'event';
  const name = key.replace(/EventAttributes$/, '');
  const attrs = event[key] as { activityType?: { name?: string } };
  const activity = attrs.activityType?.name ? ` (${attrs.activityType.name})` : '';
  return name[0]!.toUpperCase() + name.slice(1) + activity;
}

/**
 * Files one complaint with nothing else in flight and lays the workflow's history (server timestamps, same
 * machine clock) beside the HTTP request: where the intake's time goes.
 */
async function explainOneIntake(rig: Rig, filed: Filed[]): Promise<{ steps: Step[]; bareMs: number }> {
  const bareT0 = performance.now();
  await bareStart(rig, [])('explain', 0);
  const bareMs = performance.now() - bareT0;

  const t0 = Date.now();
  await apiIntake(rig, filed)('explain', 0);
  const answeredMs = Date.now() - t0;
  const { complaintId } = filed[filed.length - 1]!;
  const history = await rig.client.workflow.getHandle(complaintId).fetchHistory();
  const steps: Step[] = [{ atMs: 0, what: 'HTTP POST sent' }];
  for (const event of history.events ?? []) {
    steps.push({ atMs: timestampMs(event.eventTime) - t0, what: eventName(event as unknown as Record<string, unknown>) });
  }
  steps.push({ atMs: answeredMs, what: 'HTTP 201 received' });
  // Only what happened up to the answer: later events (the deadline loop) are not the intake's cost.
  return { steps: steps.filter((s) => s.atMs <= answeredMs).sort((a, b) => a.atMs - b.atMs), bareMs };
}

// ---- Verification --------------------------------------------------------------------------------

interface Verification {
  acknowledged: number;
  rows: number;
  distinctNumbers: number;
  numbersMatch: boolean;
  /** All complaints rows in the database (meaningful only when it is ours alone). */
  totalRows?: number;
  ok: boolean;
}

/** Every complaint answered 201 is in PostgreSQL exactly once, under the number the API gave out. */
async function verifyFiled(db: Db, filed: Filed[], ownDatabase: boolean): Promise<Verification> {
  const ids = filed.map((f) => f.complaintId);
  const rows: Filed[] = [];
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000); // bounded parameter lists
    const found = await db.selectFrom('complaints').select(['id', 'number']).where('id', 'in', chunk).execute();
    rows.push(...found.map((r) => ({ complaintId: r.id, number: r.number })));
  }
  const numberById = new Map(rows.map((r) => [r.complaintId, r.number]));
  const numbersMatch = filed.every((f) => numberById.get(f.complaintId) === f.number);
  const distinctNumbers = new Set(rows.map((r) => r.number)).size;
  let totalRows: number | undefined;
  if (ownDatabase) {
    const { n } = await db.selectFrom('complaints').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    totalRows = Number(n);
  }
  const ok =
    new Set(ids).size === filed.length &&
    rows.length === filed.length &&
    distinctNumbers === filed.length &&
    numbersMatch &&
    (totalRows === undefined || totalRows === filed.length);
  return { acknowledged: filed.length, rows: rows.length, distinctNumbers, numbersMatch, totalRows, ok };
}

// ---- Printing ------------------------------------------------------------------------------------

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const ms = (n: number) => (Number.isNaN(n) ? '-' : n.toFixed(1));

function printMachine(settings: Settings, rig: Rig): void {
  const cpus = os.cpus();
  console.log(
    [
      '',
      'Machine',
      `  CPU       ${cpus[0]?.model ?? 'unknown'} × ${cpus.length}`,
      `  memory    ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
      `  Node.js   ${process.version} (${os.platform()} ${os.arch()})`,
      'Settings',
      `  count ${settings.count} per phase, concurrency ${settings.concurrency}, warm-up ${settings.warmup} of each, timeout ${settings.timeoutS} s`,
      `  PostgreSQL ${rig.stack.ownDatabase ? 'embedded, non-durable (fsync off)' : 'from DATABASE_URL'}; ` +
        `Temporal ${process.env.TEMPORAL_ADDRESS ? 'from TEMPORAL_ADDRESS' : 'dev server, in memory'} at ${rig.stack.temporalAddress}`,
      `  in this process: complaint worker (${rig.complaintQueue}), baseline worker (${rig.baselineQueue}), API at ${rig.apiUrl}, load generator`,
    ].join('\n'),
  );
}

function printTable(results: PhaseResult[]): void {
  const header = ['phase', 'count', 'errors', 'wall s', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'];
  const rows = results.map((r) => [r.name, String(r.count), String(r.errors), r.wallS.toFixed(2), r.throughput.toFixed(1), ms(r.p50), ms(r.p95), ms(r.p99), ms(r.max)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(['', 'Results', line(header), ...rows.map(line)].join('\n'));
  // Failures grouped by message; bodies can differ per request, so only the first few kinds are shown.
  for (const r of results) {
    const kinds = [...r.failures].sort((a, b) => b[1] - a[1]);
    for (const [what, n] of kinds.slice(0, 10)) console.log(`  ${r.name} error ×${n}: ${what}`);
    if (kinds.length > 10) console.log(`  ${r.name}: ${kinds.length - 10} more kinds of error`);
  }
}

function printRatios(bare: PhaseResult, intake: PhaseResult): void {
  console.log(
    [
      '',
      'Ratios',
      `  intake throughput / bare throughput   ${(intake.throughput / bare.throughput).toFixed(3)}`,
      `  intake p99 / bare p99                 ${(intake.p99 / bare.p99).toFixed(2)}`,
    ].join('\n'),
  );
}

function printSteps(explained: { steps: Step[]; bareMs: number }): void {
  console.log(['', 'One intake alone, where the time goes (ms since the POST was sent; Temporal history events)']
    .concat(explained.steps.map((s) => `  ${s.atMs.toFixed(0).padStart(6)}  ${s.what}`))
    .concat(`  (one bare start alone: ${explained.bareMs.toFixed(1)} ms)`)
    .join('\n'));
}

function printVerification(v: Verification): void {
  console.log(
    [
      '',
      'Verification (PostgreSQL)',
      `  complaints acknowledged with 201 (warm-up, measured, explained)  ${v.acknowledged}`,
      `  of them found in complaints                                     ${v.rows}`,
      `  distinct numbers among them                                     ${v.distinctNumbers}`,
      `  numbers on file match the numbers answered                      ${v.numbersMatch ? 'yes' : 'NO'}`,
      ...(v.totalRows !== undefined ? [`  complaints rows in the whole database                           ${v.totalRows}`] : []),
      `  ${v.ok ? 'OK: every acknowledged complaint is on file exactly once' : 'FAILED: the database does not match what was acknowledged'}`,
    ].join('\n'),
  );
}

// ---- Main ----------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const settings = readSettings();
  setTimeout(() => void abort(`the run took longer than ${settings.timeoutS} s (BENCH_TIMEOUT_S / --timeout)`, 3), settings.timeoutS * 1000).unref();
  process.once('SIGINT', () => void abort('interrupted', 130));
  process.once('SIGTERM', () => void abort('terminated', 143));

  let rig: Rig;
  try {
    console.error('bench: starting the stack (PostgreSQL, Temporal, workers, API)');
    rig = await startRig();
  } catch (err) {
    console.error(`bench: the stack did not start: ${(err as Error).message}`);
    await cleanUp();
    return 2;
  }
  printMachine(settings, rig);

  const bareIds: string[] = [];
  const filed: Filed[] = [];
  const bare = bareStart(rig, bareIds);
  const intake = apiIntake(rig, filed);
  const rssBefore = process.memoryUsage().rss;

  // Warm-up: workflow bundles loaded, JIT warm, pools and sockets open; not counted.
  console.error(`bench: warm-up (${settings.warmup} of each)`);
  const warmBare = await measure('warm-up bare', settings.warmup, settings.concurrency, (i) => bare('warm', i));
  const warmIntake = await measure('warm-up intake', settings.warmup, settings.concurrency, (i) => intake('warm', i));

  // Separate phases, same count and concurrency; the baseline's workflows finish before intake starts.
  console.error(`bench: bare start × ${settings.count}`);
  const bareResult = await measure('bare start', settings.count, settings.concurrency, (i) => bare('run', i));
  const completed = await awaitCompletion(rig.client, bareIds, settings.concurrency);
  console.error(`bench: API intake × ${settings.count}`);
  const intakeResult = await measure('API intake', settings.count, settings.concurrency, (i) => intake('run', i));
  const rssAfter = process.memoryUsage().rss;

  const explained = await explainOneIntake(rig, filed);
  const verification = await verifyFiled(rig.db, filed, rig.stack.ownDatabase);

  printTable([bareResult, intakeResult]);
  printRatios(bareResult, intakeResult);
  console.log(`  empty workflows completed: ${completed} of ${bareIds.length} started (warm-up and measured)`);
  console.log(`  process RSS (workers + API + load generator): ${mb(rssBefore)} before warm-up, ${mb(rssAfter)} after intake`);
  printSteps(explained);
  printVerification(verification);

  const errors = warmBare.errors + warmIntake.errors + bareResult.errors + intakeResult.errors;
  if (warmBare.errors + warmIntake.errors) printTable([warmBare, warmIntake]);
  const ok = errors === 0 && verification.ok && completed === bareIds.length;
  console.log(`\n${ok ? 'bench: done' : `bench: done with problems (${errors} errors)`}`);
  return ok ? 0 : 1;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(`bench: ${(err as Error).stack ?? err}`);
}
const stoppedCleanly = await cleanUp();
console.error(stoppedCleanly ? 'bench: stopped' : 'bench: stopped, with problems');
process.exit(code || (stoppedCleanly ? 0 : 1));
