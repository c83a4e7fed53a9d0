/**
 * `npm run bench -- --only memory` (part of `npm run bench`): the complaint worker's resident memory with
 * 10,000 open complaints waiting on their clocks. Target: ≤ 500 MB.
 *
 * The worker runs as its own process (`node --import tsx worker/main.ts`, as `npm start` runs it), so its
 * resident set is its alone; it is sampled every second from /proc/<pid>/status (VmRSS, and VmHWM, the
 * peak since it started). Complaints are filed through the HTTP API (`api/main.ts`, a process of its
 * own), signed in with a bearer token, each with an Idempotency-Key, under a service-level policy whose
 * clocks are days away, so every complaint stays open, waiting on a timer. With `--via temporal` they are
 * started as the API starts them (executeUpdateWithStart with the `filed` update), without the API.
 *
 * Printed: the worker's settings that bound its memory, the filing (throughput, latency), its RSS at
 * checkpoints (0, 5 %, 10 %, 25 %, 50 %, 100 % filed), once the intake backlog has drained (every complaint's
 * first events on file, the worker idle), and after an idle spell; the verdict against the target.
 *
 * Settings (flag, or env):  --complaints N (BENCH_MEMORY_COMPLAINTS, 10000)
 *                           --concurrency N (BENCH_CONCURRENCY, 32)   filings in flight
 *                           --idle S (BENCH_MEMORY_IDLE_S, 60)        the idle spell at the end
 *                           --via api|temporal (BENCH_MEMORY_VIA, api)
 *                           --timeout S (BENCH_TIMEOUT_S, 3600)
 * The worker's own tuning comes from the environment (WORKER_MAX_CACHED_WORKFLOWS …, see worker/main.ts).
 *
 * Exit code: 0 when all N workflows are running and N complaints are on file in PostgreSQL; 1 otherwise;
 * 2 when the stack did not start; 3 when the run hit its time limit.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import { connect, type Db } from '../../db/connect.js';
import { savePolicy } from '../../db/reference-data.js';
import { SAMPLE_CREATE_BODY, SAMPLE_INTAKE } from '../stack/sample-complaints.js';
import { dataConverterFor, parsePayloadKeys } from '../../workflows/wire/payload-codec.js';
import type { complaint } from '../../workflows/complaint.js';
import { TASK_QUEUE, filedUpdate, type ComplaintInput } from '../../workflows/contract.js';
import { DEFAULT_POLICY } from '../../workflows/rules/sla-policy.js';
import { freePorts } from '../stack/ports.js';
import {
  childEnv,
  fileComplaint,
  machineLines,
  mb,
  measure,
  onCleanup,
  positiveInt,
  printTable,
  readFlags,
  runAsProgram,
  runBounded,
  signedInHeaders,
  sleep,
  stackLine,
  startMemorySampler,
  startNodeProgram,
  startServers,
  verdict,
  waitForHttp,
  waitForQuietProcess,
  type MemorySampler,
  type Stack,
} from './common.js';

const TARGET_BYTES = 500 * 1024 * 1024;
/** Events on file once a complaint is filed: received, and its two clocks started. */
const FIRST_EVENTS = 3;

interface Settings {
  complaints: number;
  concurrency: number;
  idleS: number;
  via: 'api' | 'temporal';
  timeoutS: number;
}

function readSettings(): Settings {
  const values = readFlags(['complaints', 'concurrency', 'idle', 'via', 'timeout']);
  const env = process.env;
  const via = values.via ?? env.BENCH_MEMORY_VIA ?? 'api';
  if (via !== 'api' && via !== 'temporal') throw new Error(`--via takes api or temporal; got ${via}`);
  return {
    complaints: positiveInt('complaints', values.complaints ?? env.BENCH_MEMORY_COMPLAINTS, 10_000),
    concurrency: positiveInt('concurrency', values.concurrency ?? env.BENCH_CONCURRENCY, 32),
    idleS: positiveInt('idle', values.idle ?? env.BENCH_MEMORY_IDLE_S, 60, true),
    via,
    timeoutS: positiveInt('timeout', values.timeout ?? env.BENCH_TIMEOUT_S, 3600),
  };
}

/** Every clock days away (calendar time, so the business calendar does not matter); no warnings on the way. */
const POLICY = (() => {
  const p = structuredClone(DEFAULT_POLICY);
  p.id = 'bench-memory';
  p.general = {
    firstContact: { basis: 'calendar', minutes: 3 * 24 * 60 },
    acknowledgement: { basis: 'calendar', minutes: 3 * 24 * 60 },
    preliminaryVerification: { basis: 'calendar', minutes: 5 * 24 * 60 },
  };
  p.warningFractions = [];
  return p;
})();

// ---- The rig -------------------------------------------------------------------------------------

interface Rig {
  stack: Stack;
  db: Db;
  workerPid: number;
  workerSettings: string;
  sampler: MemorySampler;
  /** Files complaint i; resolves with its id and the retries it took. */
  file: (i: number) => Promise<{ complaintId: string; retries: number }>;
  client: Client;
  how: string;
  /** The worker's V8 heaps as last reported: its main thread's and its workflow thread's. */
  heaps: () => Heaps;
}

interface Heaps {
  mainUsed: number;
  mainTotal: number;
  workflowUsed: number;
  workflowTotal: number;
}

const runTag = randomUUID().slice(0, 8);

async function startRig(settings: Settings): Promise<Rig> {
  const stack = await startServers();
  if (!stack.ownTemporal) throw new Error('this part needs a Temporal server of its own (unset TEMPORAL_ADDRESS): its worker polls the complaints task queue');
  const db = connect(stack.databaseUrl);
  onCleanup('the bench database pool', () => db.destroy());
  await savePolicy(db, POLICY);
  const headers = await signedInHeaders(db, 'bench-agent', 'agent');

  const [apiPort] = await freePorts(1);
  const env = childEnv(stack, { PORT: String(apiPort), API_HOST: '127.0.0.1' });
  // The worker reports its main thread's V8 heap every second: how much of its RSS is that heap.
  const worker = startNodeProgram('worker', 'worker/main.ts', { ...env, WORKER_MEMORY_REPORT_S: '1' });
  let heaps: Heaps = { mainUsed: NaN, mainTotal: NaN, workflowUsed: NaN, workflowTotal: NaN };
  worker.onLine((line) => {
    if (!line.startsWith('worker: memory ')) return;
    const field = (name: string) => Number(line.match(new RegExp(` ${name}=(\\d+)`))?.[1] ?? NaN) * 1024 * 1024;
    heaps = { mainUsed: field('heapUsed'), mainTotal: field('heapTotal'), workflowUsed: field('workflowHeapUsed'), workflowTotal: field('workflowHeapTotal') };
  });
  // Bundling the workflow code takes a few seconds; the worker prints its settings once it is built.
  const [, workerSettings] = await worker.waitForLine(/^worker: settings (.*)$/, 180_000);
  await worker.waitForLine(/^worker: polling/, 30_000);
  worker.watch();
  const sampler = startMemorySampler(worker.proc.pid, 1000);

  const connection = await Connection.connect({ address: stack.temporalAddress });
  onCleanup('the bench’s Temporal connection', () => connection.close());
  const dataConverter = dataConverterFor(parsePayloadKeys(env.PAYLOAD_KEYS!, 'PAYLOAD_KEYS'));
  const client = new Client({ connection, namespace: stack.namespace, dataConverter });

  let file: Rig['file'];
  let how: string;
  if (settings.via === 'api') {
    const api = startNodeProgram('API', 'api/main.ts', env);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await api.unlessExited(waitForHttp(`${apiUrl}/healthz`, 60_000));
    api.watch();
    const body = { ...SAMPLE_CREATE_BODY, policyId: POLICY.id };
    file = async (i) => fileComplaint(apiUrl, headers, `bench-memory-${runTag}-${i}`, body);
    how = `HTTP POST /complaints to the API (api/main.ts, pid of its own) at ${apiUrl}, bearer token, Idempotency-Key each`;
  } else {
    file = async (i) => {
      const complaintId = randomUUID();
      const input: ComplaintInput = {
        complaintId,
        intake: SAMPLE_INTAKE,
        receivedAt: Date.now(),
        receivedBy: { id: 'bench-agent', role: 'agent' },
        fingerprint: createHash('sha256').update(`bench-memory-${runTag}-${i}`).digest('hex'),
        requestId: randomUUID(),
        idempotencyKey: `bench-memory-${runTag}-${i}`,
        policyId: POLICY.id,
      };
      await client.workflow.executeUpdateWithStart(filedUpdate, {
        startWorkflowOperation: new WithStartWorkflowOperation<typeof complaint>('complaint', {
          workflowId: complaintId,
          taskQueue: TASK_QUEUE,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      });
      return { complaintId, retries: 0 };
    };
    how = 'Temporal client in this process, as the API starts a complaint (executeUpdateWithStart, `filed` update); no API';
  }
  return { stack, db, workerPid: worker.proc.pid, workerSettings, sampler, file, client, how, heaps: () => heaps };
}

// ---- Measuring ------------------------------------------------------------------------------------

interface Checkpoint {
  label: string;
  filed: number;
  atS: number;
  rss: number;
  hwm: number;
  heaps: Heaps;
}

async function main(settings: Settings): Promise<number> {
  let rig: Rig;
  try {
    console.error('bench: starting the stack (PostgreSQL, Temporal), the worker and the API as processes');
    rig = await startRig(settings);
  } catch (err) {
    console.error(`bench: the stack did not start: ${(err as Error).message}`);
    return 2;
  }
  const n = settings.complaints;
  const t0 = performance.now();
  const checkpoints: Checkpoint[] = [];
  const mark = (label: string, filed: number) => {
    const s = rig.sampler.sample();
    if (s) checkpoints.push({ label, filed, atS: (performance.now() - t0) / 1000, rss: s.rss, hwm: s.hwm, heaps: rig.heaps() });
    console.error(`bench: ${label}: worker RSS ${s ? mb(s.rss) : '?'}`);
  };

  // The worker has bundled its workflow code (the start's peak) and polls; nothing filed yet.
  await sleep(3000);
  mark('worker started, nothing filed', 0);

  const marks = [...new Set([0.05, 0.1, 0.25, 0.5].map((f) => Math.round(f * n)))].filter((k) => k > 0 && k < n);
  const ids: string[] = [];
  let retries = 0;
  console.error(`bench: filing ${n} complaints, ${settings.concurrency} in flight`);
  const filing = await measure('file a complaint', n, settings.concurrency, async (i) => {
    const r = await rig.file(i);
    ids.push(r.complaintId);
    retries += r.retries;
    if (marks.includes(ids.length)) mark(`${ids.length} filed`, ids.length);
    if (ids.length % 1000 === 0) console.error(`bench: ${ids.length} filed`);
  });
  mark(`${ids.length} filed`, ids.length);

  // The backlog: every complaint's first events on file, then the worker with nothing left to do.
  console.error('bench: waiting for the intake backlog to drain');
  const drainStarted = performance.now();
  const onFile = await waitForFirstEvents(rig.db, ids, 600_000);
  const quiet = await waitForQuietProcess(rig.workerPid, { share: 0.05, windowMs: 3000, timeoutMs: 300_000 });
  const drainS = (performance.now() - drainStarted) / 1000;
  mark('intake backlog drained', ids.length);

  if (settings.idleS > 0) {
    console.error(`bench: idle for ${settings.idleS} s`);
    await sleep(settings.idleS * 1000);
    mark(`after ${settings.idleS} s idle`, ids.length);
  }

  console.error('bench: checking every workflow runs and every complaint is on file');
  const v = await verify(rig, ids, n);

  printReport(settings, rig, filing, retries, checkpoints, { drainS, quiet, onFile }, v);
  const ok = filing.errors === 0 && v.ok;
  console.log(`\n${ok ? 'bench: done' : 'bench: done with problems'}`);
  return ok ? 0 : 1;
}

/** Polls PostgreSQL until every complaint has its first events on file; resolves how many do. */
async function waitForFirstEvents(db: Db, ids: string[], timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    let done = 0;
    for (let i = 0; i < ids.length; i += 1000) {
      const { count } = await db
        .selectFrom('complaints')
        .select((eb) => eb.fn.countAll<string>().as('count'))
        .where('id', 'in', ids.slice(i, i + 1000))
        .where('last_seq', '>=', FIRST_EVENTS)
        .executeTakeFirstOrThrow();
      done += Number(count);
    }
    if (done === ids.length || Date.now() > until) return done;
    await sleep(1000);
  }
}

interface Verification {
  filed: number;
  rows: number;
  running: number;
  notRunning: Map<string, number>;
  ok: boolean;
}

/** All N workflows running (described one by one) and N complaints in PostgreSQL. */
async function verify(rig: Rig, ids: string[], n: number): Promise<Verification> {
  let rows = 0;
  for (let i = 0; i < ids.length; i += 1000) {
    const { count } = await rig.db
      .selectFrom('complaints')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('id', 'in', ids.slice(i, i + 1000))
      .executeTakeFirstOrThrow();
    rows += Number(count);
  }
  let running = 0;
  const notRunning = new Map<string, number>();
  await runBounded(ids.length, 32, async (i) => {
    let status: string;
    try {
      status = (await rig.client.workflow.getHandle(ids[i]!).describe()).status.name;
    } catch (err) {
      status = `describe failed: ${(err as Error).message}`;
    }
    if (status === 'RUNNING') running++;
    else notRunning.set(status, (notRunning.get(status) ?? 0) + 1);
  });
  const ok = ids.length === n && new Set(ids).size === n && rows === n && running === n;
  return { filed: ids.length, rows, running, notRunning, ok };
}

// ---- Printing ------------------------------------------------------------------------------------

function printReport(
  settings: Settings,
  rig: Rig,
  filing: Awaited<ReturnType<typeof measure>>,
  retries: number,
  checkpoints: Checkpoint[],
  drain: { drainS: number; quiet: boolean; onFile: number },
  v: Verification,
): void {
  const final = checkpoints[checkpoints.length - 1]!;
  const peak = Math.max(rig.sampler.peakRss(), ...checkpoints.map((c) => c.hwm));
  console.log(
    [
      '',
      ...machineLines(),
      'Settings',
      `  ${settings.complaints} complaints, ${settings.concurrency} in flight; idle spell ${settings.idleS} s; timeout ${settings.timeoutS} s`,
      stackLine(rig.stack),
      `  filed by: ${rig.how}`,
      `  policy ${POLICY.id}: first contact and acknowledgement due in 3 days (calendar), no warnings: every complaint waits on a timer`,
      `  worker: node --import tsx worker/main.ts, pid ${rig.workerPid}, sampled every second (VmRSS, VmHWM)`,
      `  worker settings: ${rig.workerSettings}`,
      `  worker tuning from the environment: ${['WORKER_MAX_CACHED_WORKFLOWS', 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 'WORKER_MAX_CONCURRENT_ACTIVITIES', 'WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES', 'NODE_OPTIONS'].filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]}`).join(' ') || 'none (defaults)'}`,
    ].join('\n'),
  );
  printTable('Filing', [filing], 'filed/s');
  if (retries) console.log(`  retried with the same Idempotency-Key: ${retries}`);

  const bare = (bytes: number) => (Number.isNaN(bytes) ? '?' : String(Math.round(bytes / 1024 / 1024)));
  const rows = checkpoints.map((c) => [
    c.label,
    String(c.filed),
    c.atS.toFixed(0),
    mb(c.rss),
    mb(c.hwm),
    `${bare(c.heaps.mainUsed)} / ${mb(c.heaps.mainTotal)}`,
    `${bare(c.heaps.workflowUsed)} / ${mb(c.heaps.workflowTotal)}`,
    mb(c.rss - c.heaps.mainTotal - (Number.isNaN(c.heaps.workflowTotal) ? 0 : c.heaps.workflowTotal)),
  ]);
  const header = ['when', 'open', 's', 'worker RSS', 'peak (HWM)', 'main heap used / total', 'workflow heap used / total', 'rest'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(['', 'Worker resident memory', line(header), ...rows.map(line)].join('\n'));
  // While every open complaint fits in the sticky cache, the growth is what one cached complaint costs.
  const zero = checkpoints[0]!;
  const cache = Number(rig.workerSettings.match(/maxCachedWorkflows=(\d+)/)?.[1] ?? NaN);
  const within = checkpoints.filter((c) => c.filed > 0 && c.filed <= cache).at(-1);
  const perCached = within ? `${((within.rss - zero.rss) / within.filed / 1024).toFixed(0)} KB (from nothing filed to ${within.label}, all of them cached)` : '- (no checkpoint within the cache size)';
  console.log(
    [
      `  backlog drained ${drain.drainS.toFixed(0)} s after the last filing (${drain.onFile} of ${v.filed} with their first events on file; worker ${drain.quiet ? 'idle' : 'still busy'})`,
      `  growth per cached complaint: ${perCached}`,
      '  heaps: V8\'s, of the worker\'s main thread (activities, gRPC, codec) and of its workflow thread (the cached complaints);',
      '  rest: RSS less both heaps (native memory: Temporal\'s core, connections, code, allocator)',
      `  complaints beyond the sticky cache (${cache}) are evicted between their workflow tasks: replayed from history when a timer or an action wakes them`,
      `  peak RSS of the run (samples and VmHWM): ${mb(peak)}`,
      '',
      `  worker RSS with ${final.filed} open complaints (${final.label}): ${mb(final.rss)}   (target ≤ 500 MB: ${verdict(final.rss <= TARGET_BYTES)})`,
      `  peak during the run: ${mb(peak)}   (${verdict(peak <= TARGET_BYTES)})`,
    ].join('\n'),
  );

  console.log(
    [
      '',
      'Verification (Temporal and PostgreSQL)',
      `  complaints filed                      ${v.filed} of ${settings.complaints}`,
      `  their workflows running               ${v.running}${[...v.notRunning].map(([s, k]) => `; ${s}: ${k}`).join('')}`,
      `  their rows in complaints              ${v.rows}`,
      `  ${v.ok ? 'OK: every complaint is open, waiting, and on file' : 'FAILED: not every complaint is running and on file'}`,
    ].join('\n'),
  );
}

const settings = readSettings();
await runAsProgram(settings.timeoutS, () => main(settings));
