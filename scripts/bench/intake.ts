/**
 * `npm run bench -- --only intake` (part of `npm run bench`): how filing a complaint over the API
 * compares with Temporal's bare workflow start, measured in one run against the same servers.
 *
 *   bare start   client.workflow.start(emptyWorkflow) on a baseline worker's task queue: the latency
 *                of the start call alone (the floor: one gRPC round trip into Temporal)
 *   API intake   HTTP POST /complaints over loopback, signed in with a bearer token; a 201 means
 *                validated, workflow started, intake record and first events written to PostgreSQL,
 *                answered
 *
 * The complaint worker, the baseline worker and the API run in this process, as the load generator
 * does: on a small machine they compete for the same cores, which the printed figures include.
 *
 * Settings (flag, or env):  --count N (BENCH_COUNT, 1000)   --concurrency N (BENCH_CONCURRENCY, 50)
 *                           --warmup N (BENCH_WARMUP, 50)   --timeout S (BENCH_TIMEOUT_S, 600)
 *
 * Exit code: 0 when every request succeeded and every acknowledged complaint is on file exactly once;
 * 1 otherwise; 2 when the stack did not start; 3 when the run hit its time limit.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { createApp } from '../../api/app.js';
import { connect, type Db } from '../../db/connect.js';
import { createUser, issueToken } from '../../db/users.js';
import { SAMPLE_CREATE_BODY } from '../stack/sample-complaints.js';
import { createComplaintWorker } from '../../worker/worker.js';
import {
  abort,
  machineLines,
  mb,
  measure,
  onCleanup,
  positiveInt,
  printTable,
  readFlags,
  runAsProgram,
  runBounded,
  stackLine,
  treeCpuMs,
  startServers,
  verdict,
  type PhaseResult,
  type Stack,
} from './common.js';
import { emptyWorkflow } from './empty-workflow.js';

interface Settings {
  count: number;
  concurrency: number;
  warmup: number;
  timeoutS: number;
}

/** Flags win over the environment, which wins over the defaults. */
function readSettings(): Settings {
  const values = readFlags(['count', 'concurrency', 'warmup', 'timeout']);
  const env = process.env;
  return {
    count: positiveInt('count', values.count ?? env.BENCH_COUNT, 1000),
    concurrency: positiveInt('concurrency', values.concurrency ?? env.BENCH_CONCURRENCY, 50),
    warmup: positiveInt('warmup', values.warmup ?? env.BENCH_WARMUP, 50, true),
    timeoutS: positiveInt('timeout', values.timeout ?? env.BENCH_TIMEOUT_S, 600),
  };
}

// ---- The rig -------------------------------------------------------------------------------------

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
      workflowsPath: new URL('./empty-workflow.ts', import.meta.url).pathname,
    }),
  ]);
  runWorker('complaint worker', complaintWorker);
  runWorker('baseline worker', baselineWorker);

  // One client for the API and for the bare starts: both phases go through the same gRPC connection.
  const connection = await Connection.connect({ address: stack.temporalAddress });
  onCleanup('the client’s Temporal connection', () => connection.close());
  const client = new Client({ connection, namespace: stack.namespace });

  const app = createApp({ db, temporal: client, taskQueue: complaintQueue });
  await createUser(db, { id: 'bench-agent', displayName: 'Bench agent', role: 'agent' }, 'bench');
  const { token } = await issueToken(db, 'bench-agent', 'npm run bench', 'bench');
  AGENT_HEADERS = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
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
/** Signed in as an agent with a real bearer token (issued at start), as a desk client would be. */
let AGENT_HEADERS: Record<string, string> = {};
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

/**
 * Waits until every filed complaint's workflow has run its first task, seen from PostgreSQL: the
 * projection's last sequence number moves from 0 when the first events (receipt, clocks) are on file.
 * Gives how many got there (all, unless the wait ran out).
 */
async function awaitFirstTask(db: Db, filed: Filed[], timeoutMs = 300_000): Promise<number> {
  const ids = filed.map((f) => f.complaintId);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let done = 0;
    for (let i = 0; i < ids.length; i += 1000) {
      const { n } = await db
        .selectFrom('complaints')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('id', 'in', ids.slice(i, i + 1000))
        .where('last_seq', '>=', 1)
        .executeTakeFirstOrThrow();
      done += Number(n);
    }
    if (done === ids.length || Date.now() > deadline) return done;
    await new Promise((r) => setTimeout(r, 100));
  }
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
 * machine clock) beside the HTTP request: where the intake's time goes, up to the answer and on through
 * the workflow's first task (which the answer does not wait for).
 */
async function explainOneIntake(rig: Rig, filed: Filed[]): Promise<{ steps: Step[]; bareMs: number }> {
  const bareT0 = performance.now();
  await bareStart(rig, [])('explain', 0);
  const bareMs = performance.now() - bareT0;

  const t0 = Date.now();
  await apiIntake(rig, filed)('explain', 0);
  const answeredMs = Date.now() - t0;
  const { complaintId } = filed[filed.length - 1]!;
  // The first task's writes are on file before the task's completion is in the history: wait for both.
  await awaitFirstTask(rig.db, filed.slice(-1), 30_000);
  let history = await rig.client.workflow.getHandle(complaintId).fetchHistory();
  for (let i = 0; i < 100 && !history.events?.some((e) => e.timerStartedEventAttributes); i++) {
    await new Promise((r) => setTimeout(r, 50));
    history = await rig.client.workflow.getHandle(complaintId).fetchHistory();
  }
  const steps: Step[] = [{ atMs: 0, what: 'HTTP POST sent' }];
  for (const event of history.events ?? []) {
    steps.push({ atMs: timestampMs(event.eventTime) - t0, what: eventName(event as unknown as Record<string, unknown>) });
  }
  steps.push({ atMs: answeredMs, what: 'HTTP 201 received' });
  // Up to the answer, and on to the first task's end (the workflow waiting on its clocks): later events
  // (the deadline loop) are not the intake's cost.
  const firstWait = steps.find((s) => s.what === 'TimerStarted')?.atMs ?? Infinity;
  return { steps: steps.filter((s) => s.atMs <= Math.max(answeredMs, firstWait)).sort((a, b) => a.atMs - b.atMs), bareMs };
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

// ---- Where the CPU goes -----------------------------------------------------------------------------

interface CpuMs {
  temporal: number;
  postgres: number;
  /** This process: the workers, the API and the load generator. */
  node: number;
}

/** Starts counting CPU time; the returned function gives what each side used since. */
function cpuMeter(stack: Stack): () => CpuMs {
  const read = (): CpuMs => {
    const own = process.cpuUsage();
    return { temporal: treeCpuMs(stack.temporalPid), postgres: treeCpuMs(stack.postgresPid), node: (own.user + own.system) / 1000 };
  };
  const before = read();
  return () => {
    const after = read();
    return { temporal: after.temporal - before.temporal, postgres: after.postgres - before.postgres, node: after.node - before.node };
  };
}

/**
 * CPU per operation on each side: on a machine where everything shares the cores, this says which
 * side saturates first and what one filing costs against one bare start.
 */
function printCpu(count: number, bare: CpuMs, intake: CpuMs): void {
  const per = (n: number) => (n / count).toFixed(2).padStart(7);
  console.log(
    [
      '',
      'CPU per operation (ms), each phase until the work behind its answers is done',
      '                   Temporal  PostgreSQL  workers+API+load',
      `  bare start      ${per(bare.temporal)}     ${per(bare.postgres)}           ${per(bare.node)}`,
      `  API intake      ${per(intake.temporal)}     ${per(intake.postgres)}           ${per(intake.node)}`,
    ].join('\n'),
  );
}

// ---- Printing ----------------------------------------------------------------------------------

function printMachine(settings: Settings, rig: Rig): void {
  console.log(
    [
      '',
      ...machineLines(),
      'Settings',
      `  count ${settings.count} per phase, concurrency ${settings.concurrency}, warm-up ${settings.warmup} of each, timeout ${settings.timeoutS} s`,
      stackLine(rig.stack),
      `  in this process: complaint worker (${rig.complaintQueue}), baseline worker (${rig.baselineQueue}), API at ${rig.apiUrl}, load generator`,
    ].join('\n'),
  );
}

function printRatios(bare: PhaseResult, intake: PhaseResult): void {
  const throughputRatio = intake.throughput / bare.throughput;
  const p99Ratio = intake.p99 / bare.p99;
  console.log(
    [
      '',
      'Ratios',
      `  intake throughput / bare throughput   ${throughputRatio.toFixed(3)}   (target ≥ 0.7: ${verdict(throughputRatio >= 0.7)})`,
      `  intake p99 / bare p99                 ${p99Ratio.toFixed(2)}    (target ≤ 2: ${verdict(p99Ratio <= 2)})`,
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

async function main(settings: Settings): Promise<number> {

  let rig: Rig;
  try {
    console.error('bench: starting the stack (PostgreSQL, Temporal, workers, API)');
    rig = await startRig();
  } catch (err) {
    console.error(`bench: the stack did not start: ${(err as Error).message}`);
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
  const bareCpu = cpuMeter(rig.stack);
  const bareT0 = performance.now();
  const bareResult = await measure('bare start', settings.count, settings.concurrency, (i) => bare('run', i));
  const completed = await awaitCompletion(rig.client, bareIds, settings.concurrency);
  const bareDrainS = (performance.now() - bareT0) / 1000;
  const bareCpuMs = bareCpu();
  // Let the baseline's completions settle so the intake phase starts on a quiet server.
  await new Promise((r) => setTimeout(r, 2_000));
  console.error(`bench: API intake × ${settings.count}`);
  const intakeCpu = cpuMeter(rig.stack);
  const intakeT0 = performance.now();
  const intakeResult = await measure('API intake', settings.count, settings.concurrency, (i) => intake('run', i));
  // A 201 comes before the worker has run the complaint's first task (its clocks, its trail):
  // the phase is over when every filed complaint has had it, as the bare phase waits for its workflows.
  const drained = await awaitFirstTask(rig.db, filed);
  const filedInPhases = filed.length;
  const intakeDrainS = (performance.now() - intakeT0) / 1000;
  const intakeCpuMs = intakeCpu();
  const rssAfter = process.memoryUsage().rss;

  const explained = await explainOneIntake(rig, filed);
  const verification = await verifyFiled(rig.db, filed, rig.stack.ownDatabase);

  printTable('Results', [bareResult, intakeResult]);
  printRatios(bareResult, intakeResult);
  printCpu(settings.count, bareCpuMs, intakeCpuMs);
  console.log(
    [
      '',
      'Until the work behind the answers is done',
      `  bare start: all ${settings.count} empty workflows completed ${bareDrainS.toFixed(2)} s after the phase began (${(settings.count / bareDrainS).toFixed(1)} /s)`,
      `  API intake: all ${settings.count} complaints through their first workflow task (clocks set, trail begun) ${intakeDrainS.toFixed(2)} s after the phase began (${(settings.count / intakeDrainS).toFixed(1)} /s)`,
      `  empty workflows completed: ${completed} of ${bareIds.length} started (warm-up and measured); complaints through their first task: ${drained} of ${filedInPhases}`,
    ].join('\n'),
  );
  console.log(`  process RSS (workers + API + load generator): ${mb(rssBefore)} before warm-up, ${mb(rssAfter)} after intake`);
  printSteps(explained);
  printVerification(verification);

  const errors = warmBare.errors + warmIntake.errors + bareResult.errors + intakeResult.errors;
  if (warmBare.errors + warmIntake.errors) printTable('Warm-up errors', [warmBare, warmIntake]);
  const ok = errors === 0 && verification.ok && completed === bareIds.length && drained === filedInPhases;
  console.log(`\n${ok ? 'bench: done' : `bench: done with problems (${errors} errors)`}`);
  return ok ? 0 : 1;
}

const settings = readSettings();
await runAsProgram(settings.timeoutS, () => main(settings));
