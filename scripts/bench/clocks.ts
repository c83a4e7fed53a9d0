/**
 * `npm run bench -- --only clocks` (part of `npm run bench`): service clocks falling due together, and
 * how long after its due time each breach is on record. Target: 1,000 clocks due in the same minute,
 * due → breach recorded p99 ≤ 1 s.
 *
 * The worker and the API run as processes of their own (`worker/main.ts`, `api/main.ts`). A policy gives
 * the first-contact clock D minutes of calendar time (nights included, so due = receipt + D exactly; no
 * warnings, the acknowledgement days away). Complaints are filed through the API with `receivedAt` in the
 * past, chosen so that their first-contact clocks fall due after filing has finished:
 *
 *   spread        N clocks (--clocks) due over one minute from T0, evenly (the target's case)
 *   same second   M clocks (--same-second) all due at the same instant T1 = T0 + 2 min (the worst case)
 *
 * Nobody contacts the complainants, so every clock breaches. Per clock: due → the `clock.breached`
 * event's `recorded_at` in PostgreSQL (the audit trail's insert time), split at the event's `at` (the
 * workflow's time: its timer fired and a workflow task ran). Then, from every complaint's Temporal
 * history, where the time went: timer fired, workflow task started, the write started, on record.
 *
 * Settings (flag, or env):  --clocks N (BENCH_CLOCKS, 1000)          --same-second M (BENCH_SAME_SECOND, = N; 0 skips)
 *                           --concurrency N (BENCH_CONCURRENCY, 32)   --warmup N (BENCH_WARMUP, 50)
 *                           --lead S (BENCH_CLOCKS_LEAD_S; from the warm-up's filing rate when unset)
 *                           --timeout S (BENCH_TIMEOUT_S, 1800)
 *
 * Exit code: 0 when every clock was filed before its due time and breached exactly once (one event on
 * record, no other clock breached); 1 otherwise; 2 when the stack did not start; 3 when the run hit its
 * time limit.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { connect, type Db } from '../../db/connect.js';
import { savePolicy } from '../../db/reference-data.js';
import { SAMPLE_CREATE_BODY } from '../stack/sample-complaints.js';
import { DEFAULT_POLICY, type ServiceLevelPolicy } from '../../workflows/rules/sla-policy.js';
import { freePorts } from '../stack/ports.js';
import {
  childEnv,
  fileComplaint,
  historyEventName,
  machineLines,
  mb,
  measure,
  ms,
  onCleanup,
  percentile,
  positiveInt,
  printTable,
  cpuByProcess,
  protoTimestampMs,
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
  type MemorySampler,
  type PhaseResult,
  type Stack,
} from './common.js';

const TARGET_P99_MS = 1000;
const MINUTE = 60_000;

interface Settings {
  clocks: number;
  sameSecond: number;
  concurrency: number;
  warmup: number;
  leadS?: number;
  timeoutS: number;
}

function readSettings(): Settings {
  const values = readFlags(['clocks', 'same-second', 'concurrency', 'warmup', 'lead', 'timeout']);
  const env = process.env;
  const clocks = positiveInt('clocks', values.clocks ?? env.BENCH_CLOCKS, 1000);
  const lead = values.lead ?? env.BENCH_CLOCKS_LEAD_S;
  return {
    clocks,
    sameSecond: positiveInt('same-second', values['same-second'] ?? env.BENCH_SAME_SECOND, clocks, true),
    concurrency: positiveInt('concurrency', values.concurrency ?? env.BENCH_CONCURRENCY, 32),
    warmup: positiveInt('warmup', values.warmup ?? env.BENCH_WARMUP, 50, true),
    leadS: lead === undefined || lead === '' ? undefined : positiveInt('lead', lead, 0),
    timeoutS: positiveInt('timeout', values.timeout ?? env.BENCH_TIMEOUT_S, 1800),
  };
}

/** Every general clock on calendar time (due = start + minutes, whatever the business calendar); no warnings. */
function policy(id: string, firstContactMinutes: number): ServiceLevelPolicy {
  const p = structuredClone(DEFAULT_POLICY);
  p.id = id;
  p.general = {
    firstContact: { basis: 'calendar', minutes: firstContactMinutes },
    acknowledgement: { basis: 'calendar', minutes: 7 * 24 * 60 },
    preliminaryVerification: { basis: 'calendar', minutes: 7 * 24 * 60 },
  };
  p.warningFractions = [];
  return p;
}

// ---- The rig -------------------------------------------------------------------------------------

interface Rig {
  stack: Stack;
  db: Db;
  client: Client;
  apiUrl: string;
  headers: Record<string, string>;
  workerPid: number;
  workerSettings: string;
  sampler: MemorySampler;
}

async function startRig(): Promise<Rig> {
  const stack = await startServers();
  if (!stack.ownTemporal) throw new Error('this part needs a Temporal server of its own (unset TEMPORAL_ADDRESS): its worker polls the complaints task queue');
  const db = connect(stack.databaseUrl);
  onCleanup('the bench database pool', () => db.destroy());
  const headers = await signedInHeaders(db, 'bench-agent', 'agent');

  const [apiPort] = await freePorts(1);
  const env = childEnv(stack, { PORT: String(apiPort), API_HOST: '127.0.0.1' });
  const worker = startNodeProgram('worker', 'worker/main.ts', env);
  const api = startNodeProgram('API', 'api/main.ts', env);
  const [, workerSettings] = await worker.waitForLine(/^worker: settings (.*)$/, 180_000);
  await worker.waitForLine(/^worker: polling/, 30_000);
  worker.watch();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await api.unlessExited(waitForHttp(`${apiUrl}/healthz`, 60_000));
  api.watch();
  const sampler = startMemorySampler(worker.proc.pid, 1000);

  // Histories only (their timestamps): no payloads are decoded, so no payload key is needed here.
  const connection = await Connection.connect({ address: stack.temporalAddress });
  onCleanup('the bench’s Temporal connection', () => connection.close());
  const client = new Client({ connection, namespace: stack.namespace });
  return { stack, db, client, apiUrl, headers, workerPid: worker.proc.pid, workerSettings, sampler };
}

// ---- The plan: which clock falls due when ---------------------------------------------------------

interface Clock {
  batch: 'spread' | 'same second';
  index: number;
  dueAt: number;
  receivedAt: number;
  complaintId?: string;
  /** When the API answered 201 (epoch ms). */
  filedAt?: number;
}

interface Plan {
  t0: number;
  t1: number;
  minutes: number;
  clocks: Clock[];
}

/** Spread: due T0 + i·60 s/N; same second: all due at T1. Receipt = due − D, D whole minutes reaching past now. */
function makePlan(settings: Settings, leadS: number): Plan {
  const now = Date.now();
  const t0 = Math.ceil((now + leadS * 1000) / 1000) * 1000;
  const t1 = t0 + 2 * MINUTE;
  // receivedAt must not be in the future (the API refuses it): D reaches back from the last due time past now.
  const minutes = Math.ceil((t1 - now) / MINUTE) + 1;
  const clocks: Clock[] = [];
  for (let i = 0; i < settings.clocks; i++) {
    const dueAt = t0 + Math.floor((i * MINUTE) / settings.clocks);
    clocks.push({ batch: 'spread', index: i, dueAt, receivedAt: dueAt - minutes * MINUTE });
  }
  for (let i = 0; i < settings.sameSecond; i++) {
    clocks.push({ batch: 'same second', index: i, dueAt: t1, receivedAt: t1 - minutes * MINUTE });
  }
  return { t0, t1, minutes, clocks };
}

// ---- Reading the outcome ------------------------------------------------------------------------------

interface Breach {
  complaintId: string;
  kind: string;
  dueAt: number;
  /** The workflow's time when it recorded the breach (its workflow task's start). */
  at: number;
  recordedAt: number;
}

async function readBreaches(db: Db, ids: string[]): Promise<Breach[]> {
  const out: Breach[] = [];
  for (let i = 0; i < ids.length; i += 1000) {
    const rows = await db
      .selectFrom('complaint_events')
      .select(['complaint_id', 'at', 'recorded_at', 'data'])
      .where('action', '=', 'clock.breached')
      .where('complaint_id', 'in', ids.slice(i, i + 1000))
      .execute();
    for (const r of rows) {
      const data = r.data as { kind?: string; dueAt?: number };
      out.push({
        complaintId: r.complaint_id,
        kind: String(data.kind),
        dueAt: Number(data.dueAt),
        at: new Date(r.at as unknown as string).getTime(),
        recordedAt: new Date(r.recorded_at as unknown as string).getTime(),
      });
    }
  }
  return out;
}

/** Polls until `expected` breaches of these complaints are on record, or `until` (epoch ms). */
async function waitForBreaches(db: Db, ids: string[], expected: number, until: number, log: (m: string) => void): Promise<void> {
  let last = -1;
  for (;;) {
    let n = 0;
    for (let i = 0; i < ids.length; i += 1000) {
      const { count } = await db
        .selectFrom('complaint_events')
        .select((eb) => eb.fn.countAll<string>().as('count'))
        .where('action', '=', 'clock.breached')
        .where('complaint_id', 'in', ids.slice(i, i + 1000))
        .executeTakeFirstOrThrow();
      n += Number(count);
    }
    if (n !== last) log(`${n} of ${expected} breaches on record`);
    last = n;
    if (n >= expected || Date.now() > until) return;
    await sleep(2000);
  }
}

/** Where one breach's time went, from its complaint's Temporal history (ms after the due time). */
interface Trace {
  /** When the server was to fire the timer: its TimerStarted event (the end of the workflow task that set it) + its duration. */
  timerDue?: number;
  timerFired?: number;
  taskStarted?: number;
  writeStarted?: number;
  recorded: number;
  /** The events from the timer to the next workflow task after the write (for the printed example). */
  events: Array<{ atMs: number; what: string }>;
}

async function traceBreach(client: Client, breach: Breach): Promise<Trace> {
  const history = await client.workflow.getHandle(breach.complaintId).fetchHistory();
  const raw = history.events ?? [];
  const events = raw.map((e) => ({ at: protoTimestampMs(e.eventTime), what: historyEventName(e) }));
  const fired = events.findIndex((e) => e.what === 'TimerFired' && e.at >= breach.dueAt - 1000);
  const trace: Trace = { recorded: breach.recordedAt - breach.dueAt, events: [] };
  if (fired < 0) return trace;
  trace.timerFired = events[fired]!.at - breach.dueAt;
  // The timer's own start: the server counts its duration from the end of the task that set it.
  const startedId = String(raw[fired]!.timerFiredEventAttributes?.startedEventId ?? '');
  const timerStarted = raw.find((e) => String(e.eventId ?? '') === startedId);
  const timeout = timerStarted?.timerStartedEventAttributes?.startToFireTimeout;
  if (timerStarted && timeout) trace.timerDue = protoTimestampMs(timerStarted.eventTime) + protoTimestampMs(timeout) - breach.dueAt;
  const after = events.slice(fired);
  const started = after.find((e) => e.what === 'WorkflowTaskStarted');
  if (started) trace.taskStarted = started.at - breach.dueAt;
  // An activity's start; a local activity runs inside the workflow task (its marker comes at the task's end).
  const write = after.find((e) => e.what.startsWith('ActivityTaskStarted'));
  if (write) trace.writeStarted = write.at - breach.dueAt;
  let tasksDone = 0;
  for (const e of after) {
    trace.events.push({ atMs: e.at - breach.dueAt, what: e.what });
    if (e.what === 'WorkflowTaskCompleted' && ++tasksDone === 2) break;
  }
  return trace;
}

/** This run's processes by what they are, for the CPU figures. */
function classifyProcess(command: string): string | undefined {
  if (command.includes('worker/main.ts')) return 'worker';
  if (command.includes('api/main.ts')) return 'API';
  if (command.includes('temporal') && command.includes('start-dev')) return 'Temporal';
  if (/(^|\/)postgres(:| |$)/.test(command)) return 'PostgreSQL';
  return undefined;
}

// ---- Main ----------------------------------------------------------------------------------------

async function main(settings: Settings): Promise<number> {
  let rig: Rig;
  try {
    console.error('bench: starting the stack (PostgreSQL, Temporal), the worker and the API as processes');
    rig = await startRig();
  } catch (err) {
    console.error(`bench: the stack did not start: ${(err as Error).message}`);
    return 2;
  }
  const log = (m: string) => console.error(`bench: ${m}`);
  const runTag = randomUUID().slice(0, 8);

  // Warm-up under a policy whose clocks are days away: JIT, pools, the worker's bundle; and the filing rate.
  const idle = policy('bench-clocks-idle', 7 * 24 * 60);
  await savePolicy(rig.db, idle);
  let warm: PhaseResult | undefined;
  if (settings.warmup > 0) {
    log(`warm-up: filing ${settings.warmup} complaints`);
    warm = await measure('warm-up', settings.warmup, settings.concurrency, async (i) => {
      await fileComplaint(rig.apiUrl, rig.headers, `bench-clocks-${runTag}-warm-${i}`, { ...SAMPLE_CREATE_BODY, policyId: idle.id });
    });
  }
  const total = settings.clocks + settings.sameSecond;
  const rate = warm && warm.throughput > 0 ? warm.throughput : 5;
  const leadS = settings.leadS ?? Math.ceil(30 + (1.5 * total) / rate);
  const plan = makePlan(settings, leadS);
  const hasty = policy('bench-clocks', plan.minutes);
  await savePolicy(rig.db, hasty);
  log(`T0 (first clock due) in ${((plan.t0 - Date.now()) / 1000).toFixed(0)} s; filing ${total} complaints first (first contact: ${plan.minutes} min of calendar time)`);

  // Filed in the order they fall due, each with its own receipt time.
  let retries = 0;
  const filingStarted = Date.now();
  const filing = await measure('file (clocks)', total, settings.concurrency, async (i) => {
    const clock = plan.clocks[i]!;
    const body = { ...SAMPLE_CREATE_BODY, policyId: hasty.id, receivedAt: new Date(clock.receivedAt).toISOString() };
    const r = await fileComplaint(rig.apiUrl, rig.headers, `bench-clocks-${runTag}-${clock.batch}-${clock.index}`, body);
    clock.complaintId = r.complaintId;
    clock.filedAt = Date.now();
    retries += r.retries;
  });
  const filingEnded = Date.now();
  const filed = plan.clocks.filter((c) => c.complaintId);
  const filedLate = filed.filter((c) => c.filedAt! > c.dueAt);
  log(`filed ${filed.length} in ${((filingEnded - filingStarted) / 1000).toFixed(0)} s; ${filingEnded < plan.t0 ? `${((plan.t0 - filingEnded) / 1000).toFixed(0)} s before T0` : 'AFTER T0'}`);

  // CPU per process over each batch's window (from just before its first due time until its last breach is on record).
  const ids = filed.map((c) => c.complaintId!);
  const windows: Array<{ name: string; seconds: number; cpu: Map<string, number> }> = [];
  for (const name of ['spread', 'same second'] as const) {
    const mine = filed.filter((c) => c.batch === name);
    if (!mine.length) continue;
    await sleep(Math.max(0, Math.min(...mine.map((c) => c.dueAt)) - 1000 - Date.now()));
    const before = cpuByProcess(classifyProcess);
    const started = Date.now();
    const mineIds = mine.map((c) => c.complaintId!);
    await waitForBreaches(rig.db, mineIds, mineIds.length, plan.t1 + 5 * MINUTE, (m) => log(`${name}: ${m}`));
    const after = cpuByProcess(classifyProcess);
    windows.push({ name, seconds: (Date.now() - started) / 1000, cpu: new Map([...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)])) });
  }
  await sleep(3000); // late duplicates, if any, would show now

  const breaches = await readBreaches(rig.db, ids);
  log('reading the complaints’ Temporal histories');
  const byId = new Map(filed.map((c) => [c.complaintId!, c]));
  const firstContact = breaches.filter((b) => b.kind === 'firstContact');
  const traces = new Map<string, Trace>();
  await runBounded(firstContact.length, 16, async (i) => {
    const b = firstContact[i]!;
    try {
      traces.set(b.complaintId, await traceBreach(rig.client, b));
    } catch {
      // the figures stand without it; counted below
    }
  });

  // ---- Checks: each clock breached exactly once, at its planned due time; nothing else breached.
  const perComplaint = new Map<string, number>();
  for (const b of firstContact) perComplaint.set(b.complaintId, (perComplaint.get(b.complaintId) ?? 0) + 1);
  const missing = filed.filter((c) => !perComplaint.has(c.complaintId!));
  const duplicated = [...perComplaint.values()].filter((k) => k > 1).length;
  const otherKinds = breaches.filter((b) => b.kind !== 'firstContact');
  const wrongDue = firstContact.filter((b) => byId.get(b.complaintId)?.dueAt !== b.dueAt);
  const notFiled = plan.clocks.length - filed.length;

  // ---- Printing
  console.log(
    [
      '',
      ...machineLines(),
      'Settings',
      `  spread: ${settings.clocks} clocks due over one minute; same second: ${settings.sameSecond} clocks due at one instant, 2 min later`,
      `  filing ${settings.concurrency} in flight, warm-up ${settings.warmup}, lead ${leadS} s${settings.leadS === undefined ? ` (from the warm-up's ${rate.toFixed(1)} filed/s)` : ''}; timeout ${settings.timeoutS} s`,
      stackLine(rig.stack),
      `  worker (worker/main.ts, pid ${rig.workerPid}) and API (api/main.ts) as processes; filed by HTTP POST /complaints with receivedAt in the past`,
      `  policy ${hasty.id}: first contact ${plan.minutes} min of calendar time, acknowledgement 7 days, no warnings`,
      `  worker settings: ${rig.workerSettings}`,
      `  worker tuning from the environment: ${['WORKER_MAX_CACHED_WORKFLOWS', 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 'WORKER_MAX_CONCURRENT_ACTIVITIES', 'WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES', 'NODE_OPTIONS'].filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]}`).join(' ') || 'none (defaults)'}`,
    ].join('\n'),
  );
  printTable('Filing', [...(warm ? [warm] : []), filing], 'filed/s');
  if (retries) console.log(`  retried with the same Idempotency-Key: ${retries}`);
  console.log(`  filing ended ${filingEnded < plan.t0 ? `${((plan.t0 - filingEnded) / 1000).toFixed(1)} s before the first clock fell due` : `${((filingEnded - plan.t0) / 1000).toFixed(1)} s AFTER the first clock fell due (raise --lead)`}`);

  const batches = (['spread', 'same second'] as const).filter((name) => filed.some((c) => c.batch === name));
  const results: PhaseResult[] = [];
  const splits: string[] = [];
  const stages: string[] = [];
  const verdicts: string[] = [];
  for (const name of batches) {
    const mine = firstContact.filter((b) => byId.get(b.complaintId)?.batch === name);
    const latencies = mine.map((b) => b.recordedAt - b.dueAt).sort((a, b) => a - b);
    const first = Math.min(...mine.map((b) => b.dueAt));
    const last = Math.max(...mine.map((b) => b.recordedAt));
    const expected = filed.filter((c) => c.batch === name).length;
    results.push({
      name: `${name}: due → on record`,
      count: expected,
      errors: expected - mine.length,
      wallS: (last - first) / 1000,
      throughput: mine.length / Math.max(0.001, (last - first) / 1000),
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? NaN,
      failures: new Map(),
    });
    const toTask = mine.map((b) => b.at - b.dueAt).sort((a, b) => a - b);
    const toRecord = mine.map((b) => b.recordedAt - b.at).sort((a, b) => a - b);
    const q = (xs: number[]) => `p50 ${ms(percentile(xs, 50))}  p99 ${ms(percentile(xs, 99))}  max ${ms(xs[xs.length - 1] ?? NaN)}`;
    splits.push(`  ${name.padEnd(12)} due → workflow's time (timer fired, task ran)   ${q(toTask)}`);
    splits.push(`  ${''.padEnd(12)} workflow's time → recorded_at (the write)      ${q(toRecord)}`);
    const t = mine.map((b) => traces.get(b.complaintId)).filter((x): x is Trace => x !== undefined);
    const stage = (label: string, pick: (x: Trace) => number | undefined) => {
      const xs = t.map(pick).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
      return `  ${name.padEnd(12)} ${label.padEnd(36)} ${xs.length ? q(xs) : '-'}${xs.length && xs.length < t.length ? ` (${xs.length} of ${t.length})` : ''}`;
    };
    stages.push(
      stage('timer due (set at task end + duration)', (x) => x.timerDue),
      stage('timer fired', (x) => x.timerFired),
      stage('workflow task started', (x) => x.taskStarted),
      stage('write started (activity task)', (x) => x.writeStarted),
      stage('on record (recorded_at)', (x) => x.recorded),
    );
    const p99 = percentile(latencies, 99);
    verdicts.push(`  ${name.padEnd(12)} p99 ${ms(p99)} ms   (target p99 ≤ 1 s: ${verdict(p99 <= TARGET_P99_MS)}${name === 'same second' ? '; the worst case, beyond the target' : ''})`);
  }
  printTable('Due → breach on record (ms; recorded_at − due time)', results, 'breaches/s');
  console.log(['', 'Split at the breach event\'s own time (ms)', ...splits].join('\n'));
  console.log(['', `Where the time goes, from the Temporal histories (ms after due; ${traces.size} of ${firstContact.length} traced)`, ...stages].join('\n'));
  for (const name of batches) {
    const worst = firstContact
      .filter((b) => byId.get(b.complaintId)?.batch === name)
      .sort((a, b) => b.recordedAt - b.dueAt - (a.recordedAt - a.dueAt))[0];
    const trace = worst && traces.get(worst.complaintId);
    if (!trace) continue;
    console.log(
      [`\nThe slowest of ${name} (ms after due)`]
        .concat(trace.events.map((e) => `  ${e.atMs.toFixed(0).padStart(7)}  ${e.what}`))
        .concat(`  ${trace.recorded.toFixed(0).padStart(7)}  clock.breached on record (recorded_at)`)
        .join('\n'),
    );
  }
  console.log(['', `CPU while the breaches were recorded (% of one core; ${os.cpus().length} cores; the processes of this run only)`]
    .concat(windows.map((w) => `  ${w.name.padEnd(12)} ${w.seconds.toFixed(1).padStart(5)} s   ` +
      [...w.cpu].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${((100 * v) / Math.max(0.001, w.seconds)).toFixed(0)} %`).join(', ')))
    .concat(`  worker RSS peak of the run: ${mb(rig.sampler.peakRss())}`, '', ...verdicts)
    .join('\n'));

  const ok = notFiled === 0 && filedLate.length === 0 && missing.length === 0 && duplicated === 0 && otherKinds.length === 0 && wrongDue.length === 0;
  console.log(
    [
      '',
      'Verification (PostgreSQL audit trail)',
      `  clocks planned / filed before falling due        ${plan.clocks.length} / ${filed.length - filedLate.length}${filedLate.length ? ` (${filedLate.length} filed after their due time)` : ''}`,
      `  first-contact breaches on record                 ${firstContact.length} (${perComplaint.size} clocks)`,
      `  clocks with no breach / with more than one       ${missing.length} / ${duplicated}`,
      `  breaches at a due time other than planned        ${wrongDue.length}`,
      `  breaches of other clocks                         ${otherKinds.length}`,
      `  ${ok ? 'OK: every clock breached exactly once, at its due time' : 'FAILED: see above'}`,
    ].join('\n'),
  );
  console.log(`\n${ok ? 'bench: done' : 'bench: done with problems'}`);
  return ok ? 0 : 1;
}

const settings = readSettings();
await runAsProgram(settings.timeoutS, () => main(settings));
