/**
 * What every part of `npm run bench` shares: settings from flags and the environment, an ordered
 * clean-up, its own servers (embedded PostgreSQL, Temporal dev server), bounded load, percentiles and
 * the printed tables. The parts print figures and assert nothing about speed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/connect.js';
import { migrateToLatest } from '../../db/migrate.js';
import { createUser, issueToken } from '../../db/users.js';
import type { Role } from '../../workflows/model.js';
import { repoRoot } from '../stack/cache.js';
import { freePorts } from '../stack/ports.js';
import { spawnManaged, withTail, type ManagedProcess } from '../stack/process.js';
import { startEmbeddedPostgres } from '../stack/postgres.js';
import { startTemporalDevServer } from '../stack/temporal-dev-server.js';
import { sqlTargetOf, startTemporalServer, TEMPORAL_SERVER_VERSION } from '../stack/temporal-server.js';
import { runSetup } from '../setup.js';

// ---- Settings ------------------------------------------------------------------------------------

export function positiveInt(name: string, raw: string | undefined, fallback: number, allowZero = false): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw new Error(`${name}=${raw} is not a ${allowZero ? 'non-negative' : 'positive'} integer`);
  return n;
}

/**
 * The `--name value` flags a part knows, as strings. Flags of the other parts pass through
 * `npm run bench` to every part, so flags a part does not know are left alone.
 */
export function readFlags<const N extends string>(names: readonly N[]): Partial<Record<N, string>> {
  const { values } = parseArgs({
    options: Object.fromEntries(names.map((n) => [n, { type: 'string' as const }])),
    strict: false,
  });
  const out: Partial<Record<N, string>> = {};
  for (const n of names) if (typeof values[n] === 'string') out[n] = values[n] as string;
  return out;
}

// ---- Clean-up: every piece registers how to stop it; they stop in reverse order ----------------------

const cleanups: Array<{ name: string; run: () => Promise<void> | void }> = [];
export const onCleanup = (name: string, run: () => Promise<void> | void) => cleanups.push({ name, run });
let cleaning: Promise<boolean> | undefined;

/** Runs every clean-up step once (later calls share the first); resolves false if a step failed. */
export function cleanUp(): Promise<boolean> {
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
export async function abort(why: string, code: number): Promise<never> {
  console.error(`\nbench: ${why}; stopping everything`);
  // A hung step must not hang the exit; children still running get a signal from the stack's exit hook.
  await Promise.race([cleanUp(), new Promise((r) => setTimeout(r, 30_000).unref())]);
  process.exit(code);
}

/**
 * Runs a bench part as a program: a global time limit, Ctrl-C handling, clean-up, and the exit code
 * (0 ok, 1 problems, 2 the stack did not start, 3 over time).
 */
export async function runAsProgram(timeoutS: number, main: () => Promise<number>): Promise<never> {
  setTimeout(() => void abort(`the run took longer than ${timeoutS} s (BENCH_TIMEOUT_S / --timeout)`, 3), timeoutS * 1000).unref();
  process.once('SIGINT', () => void abort('interrupted', 130));
  process.once('SIGTERM', () => void abort('terminated', 143));
  let code = 1;
  try {
    code = await main();
  } catch (err) {
    console.error(`bench: ${(err as Error).stack ?? err}`);
  }
  const stoppedCleanly = await cleanUp();
  console.error(stoppedCleanly ? 'bench: stopped' : 'bench: stopped, with problems');
  process.exit(code || (stoppedCleanly ? 0 : 1));
}

// ---- Statistics ----------------------------------------------------------------------------------

/** Nearest-rank percentile of an ascending array (p in 0..100); NaN when empty. */
export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sortedMs.length);
  return sortedMs[Math.min(sortedMs.length, Math.max(1, rank)) - 1]!;
}

export interface PhaseResult {
  name: string;
  count: number;
  errors: number;
  wallS: number;
  /** Operations per second over the phase's wall time, successes only. */
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
export async function runBounded(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
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
export async function measure(name: string, total: number, concurrency: number, op: (i: number) => Promise<void>): Promise<PhaseResult> {
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

// ---- The servers ---------------------------------------------------------------------------------

export interface Stack {
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  /** Whether PostgreSQL is ours alone (then every complaints row is one this run filed). */
  ownDatabase: boolean;
  /** Whether the Temporal server is ours alone. */
  ownTemporal: boolean;
  /** `--cluster`: ours is the Temporal server on the same PostgreSQL (SQL visibility), not the dev server. */
  cluster: boolean;
  /** A folder of this run's, removed at the end. */
  tmpDir: string;
  /** Process IDs of the servers this run started (absent for servers named by the environment). */
  temporalPid?: number;
  postgresPid?: number;
}

/** `npm run bench -- --cluster` (or BENCH_CLUSTER=1): the production layout's Temporal server instead of the dev server. */
export const clusterLayout = process.argv.includes('--cluster') || process.env.BENCH_CLUSTER === '1';

/**
 * PostgreSQL and Temporal (ours unless DATABASE_URL / TEMPORAL_ADDRESS name yours), side by side, then
 * migrations. With --cluster, Temporal is the Temporal server on that PostgreSQL (after it), set up by
 * `npm run setup`.
 */
export async function startServers(): Promise<Stack> {
  if (clusterLayout && !process.env.TEMPORAL_ADDRESS) return await startClusterServers();
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
  return {
    databaseUrl,
    temporalAddress,
    namespace: process.env.TEMPORAL_NAMESPACE || 'default',
    ownDatabase: !process.env.DATABASE_URL,
    ownTemporal: !process.env.TEMPORAL_ADDRESS,
    cluster: false,
    tmpDir,
    temporalPid: temporalResult.status === 'fulfilled' ? temporalResult.value?.process.pid : undefined,
    postgresPid: pgResult.status === 'fulfilled' ? pgResult.value?.process.pid : undefined,
  };
}

async function startClusterServers(): Promise<Stack> {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'complaints-bench-'));
  if (process.getuid?.() === 0) fs.chmodSync(tmpDir, 0o711);
  onCleanup('the temp folder', () => fs.rmSync(tmpDir, { recursive: true, force: true }));
  const log = (m: string) => console.error(`[stack] ${m}`);
  const ownPg = !process.env.DATABASE_URL;
  const [pgPort, temporalPort] = await freePorts(2);
  const pg = ownPg ? await startEmbeddedPostgres({ dataDir: path.join(tmpDir, 'postgres'), port: pgPort!, durable: false, log }) : undefined;
  if (pg) onCleanup('PostgreSQL', pg.stop);
  const databaseUrl = process.env.DATABASE_URL || pg!.url;
  const temporal = await startTemporalServer({ dataDir: path.join(tmpDir, 'temporal'), postgres: sqlTargetOf(databaseUrl), port: temporalPort! });
  onCleanup('Temporal', temporal.stop);
  const namespace = process.env.TEMPORAL_NAMESPACE || 'default';
  const setup = await runSetup({ address: temporal.address, namespace, log: () => undefined });
  if (!setup.ready) throw new Error(`npm run setup did not make the Temporal server ready: ${setup.problems.join('; ')}`);
  await migrateToLatest(databaseUrl);
  return {
    databaseUrl,
    temporalAddress: temporal.address,
    namespace,
    ownDatabase: ownPg,
    ownTemporal: true,
    cluster: true,
    tmpDir,
    temporalPid: temporal.process.pid,
    postgresPid: pg?.process.pid,
  };
}

// ---- Processes' CPU time (Linux /proc) -------------------------------------------------------------

const CLOCK_TICKS_PER_S = 100; // USER_HZ on Linux

/** CPU time (user + system, ms) used so far by `pid` and every process below it; 0 where /proc is absent. */
export function treeCpuMs(pid: number | undefined): number {
  if (pid === undefined || !fs.existsSync('/proc')) return 0;
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended while we looked
    }
    // Fields after the command name (which may hold spaces) in parentheses: state ppid … utime(14) stime(15).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  let total = 0;
  const queue = [pid];
  while (queue.length) {
    const p = queue.pop()!;
    total += ticks.get(p) ?? 0;
    queue.push(...(children.get(p) ?? []));
  }
  return (total * 1000) / CLOCK_TICKS_PER_S;
}

// ---- Printing ------------------------------------------------------------------------------------

export const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
export const ms = (n: number) => (Number.isNaN(n) ? '-' : n.toFixed(1));

/** The machine the figures were taken on. */
export function machineLines(): string[] {
  const cpus = os.cpus();
  return [
    'Machine',
    `  CPU       ${cpus[0]?.model ?? 'unknown'} × ${cpus.length}`,
    `  memory    ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `  Node.js   ${process.version} (${os.platform()} ${os.arch()})`,
  ];
}

export function stackLine(stack: Stack): string {
  return (
    `  PostgreSQL ${stack.ownDatabase ? 'embedded, non-durable (fsync off)' : 'from DATABASE_URL'}; ` +
    `Temporal ${stack.cluster ? `server ${TEMPORAL_SERVER_VERSION} on that PostgreSQL (SQL visibility)` : stack.ownTemporal ? 'dev server, in memory' : 'from TEMPORAL_ADDRESS'} at ${stack.temporalAddress}`
  );
}

/** A table of timed phases; failures grouped by message below it. */
export function printTable(title: string, results: PhaseResult[], unit = 'req/s'): void {
  const header = ['phase', 'count', 'errors', 'wall s', unit, 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'];
  const rows = results.map((r) => [r.name, String(r.count), String(r.errors), r.wallS.toFixed(2), r.throughput.toFixed(1), ms(r.p50), ms(r.p95), ms(r.p99), ms(r.max)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(['', title, line(header), ...rows.map(line)].join('\n'));
  // Bodies can differ per request, so only the first few kinds are shown.
  for (const r of results) {
    const kinds = [...r.failures].sort((a, b) => b[1] - a[1]);
    for (const [what, n] of kinds.slice(0, 10)) console.log(`  ${r.name} error ×${n}: ${what}`);
    if (kinds.length > 10) console.log(`  ${r.name}: ${kinds.length - 10} more kinds of error`);
  }
}

/** "target met" / "target MISSED" beside a figure. */
export function verdict(met: boolean): string {
  return met ? 'target met' : 'target MISSED';
}

// ---- The worker and the API as child processes (the memory and clocks parts) ------------------------

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The environment of this run's worker and API processes: its servers, a payload key of its own (both
 * processes must share it), the engine's logs at WARN, `extra` on top (undefined removes a variable).
 */
export function childEnv(stack: Stack, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.namespace,
    PAYLOAD_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    LOG_LEVEL: 'WARN',
  };
  delete env.PAYLOAD_KEY_FILE;
  delete env.TASK_QUEUE;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export interface NodeProgram {
  proc: ManagedProcess;
  /** Resolves with the first output line (past or future) matching `pattern`; rejects after `timeoutMs` or if the program exits. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Calls `listener` with each output line from now on (stdout and stderr). */
  onLine(listener: (line: string) => void): void;
  /** `ready`, unless the program exits first (then a rejection with its last output). */
  unlessExited<T>(ready: Promise<T>): Promise<T>;
  /** From now on the program's exit aborts the run (call once it is up: a failed start is the caller's to report). */
  watch(): void;
}

/**
 * Runs `node --import tsx <script>` (a path from the repository root) as a child process of its own,
 * stopped by its pid at clean-up (SIGTERM, SIGKILL after 15 s). Once watched, exiting while the bench
 * still needs it aborts the run, with the program's last output.
 */
export function startNodeProgram(name: string, script: string, env: NodeJS.ProcessEnv): NodeProgram {
  const seen: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (m: RegExpMatchArray) => void }>();
  const listeners: Array<(line: string) => void> = [];
  const proc = spawnManaged(name, process.execPath, ['--import', 'tsx', script], {
    cwd: repoRoot,
    env,
    keepLines: 200,
    onLine: (line) => {
      if (seen.length < 1000) seen.push(line);
      for (const listener of listeners) listener(line);
      for (const w of waiters) {
        const m = line.match(w.pattern);
        if (m) {
          waiters.delete(w);
          w.resolve(m);
        }
      }
    },
  });
  let stopping = false;
  let watched = false;
  void proc.exited.then(({ code, signal }) => {
    if (watched && !stopping) void abort(withTail(`the ${name} (pid ${proc.pid}) exited on its own (${code ?? signal})`, proc, 20), 1);
  });
  onCleanup(`the ${name} (pid ${proc.pid})`, async () => {
    stopping = true;
    await proc.stop({ signal: 'SIGTERM', graceMs: 15_000 });
  });
  return {
    proc,
    watch: () => {
      watched = true;
    },
    onLine: (listener) => {
      listeners.push(listener);
    },
    unlessExited: (ready) =>
      Promise.race([
        ready,
        proc.exited.then(({ code, signal }) => {
          throw new Error(withTail(`the ${name} exited (${code ?? signal}) while starting`, proc, 20));
        }),
      ]),
    waitForLine(pattern, timeoutMs) {
      for (const line of seen) {
        const m = line.match(pattern);
        if (m) return Promise.resolve(m);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(withTail(`the ${name} printed no line matching ${pattern} within ${timeoutMs} ms`, proc, 20)));
        }, timeoutMs);
        const waiter = {
          pattern,
          resolve: (m: RegExpMatchArray) => {
            clearTimeout(timer);
            resolve(m);
          },
        };
        waiters.add(waiter);
        void proc.exited.then(() => {
          if (!waiters.delete(waiter)) return;
          clearTimeout(timer);
          reject(new Error(withTail(`the ${name} exited before printing ${pattern}`, proc, 20)));
        });
      });
    },
  };
}

/** Polls `url` until it answers 200 (the API's /healthz: PostgreSQL and Temporal both up). */
export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await res.text();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > until) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
    await sleep(250);
  }
}

/** A user of `role` with a bearer token, as a desk client signs in; the headers to send. */
export async function signedInHeaders(db: Db, id: string, role: Role): Promise<Record<string, string>> {
  await createUser(db, { id, displayName: `Bench ${role}`, role }, 'bench');
  const { token } = await issueToken(db, id, 'npm run bench', 'bench');
  return { 'content-type': 'application/json', authorization: `Bearer ${token}` };
}

/**
 * POST /complaints with an Idempotency-Key; what fails in transit (network, 5xx, 429) is sent again
 * with the same key, up to `attempts` times, as a desk client would. Resolves with the 201's body and
 * how many retries it took.
 */
export async function fileComplaint(
  apiUrl: string,
  headers: Record<string, string>,
  key: string,
  body: unknown,
  attempts = 5,
): Promise<{ complaintId: string; number: string; retries: number }> {
  for (let attempt = 1; ; attempt++) {
    let failure: string;
    let retryable = true;
    try {
      const res = await fetch(`${apiUrl}/complaints`, {
        method: 'POST',
        headers: { ...headers, 'idempotency-key': key },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      });
      const text = await res.text();
      if (res.status === 201 || res.status === 200) {
        const { complaintId, number } = JSON.parse(text) as { complaintId: string; number: string };
        return { complaintId, number, retries: attempt - 1 };
      }
      failure = `HTTP ${res.status} ${text.slice(0, 300)}`;
      retryable = res.status >= 500 || res.status === 429;
    } catch (err) {
      failure = (err as Error).message;
    }
    if (!retryable || attempt >= attempts) throw new Error(attempt > 1 ? `${failure} (after ${attempt} attempts)` : failure);
    await sleep(500 * attempt);
  }
}

// ---- A process's memory and CPU (Linux /proc) -------------------------------------------------------

export interface ProcMemory {
  /** Resident set size now (VmRSS). */
  rss: number;
  /** The resident set's high-water mark since the process started (VmHWM). */
  hwm: number;
}

/** VmRSS and VmHWM of `pid` in bytes; undefined when the process is gone (or no /proc). */
export function procMemory(pid: number): ProcMemory | undefined {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** CPU seconds (user + system) `pid` has used so far; NaN when gone. */
export function procCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Pids of `pid`'s descendants (children, their children, …), from /proc; [] without /proc. */
export function descendantPids(pid: number): number[] {
  const parentOf = new Map<number, number>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    const child = Number(entry);
    if (!Number.isInteger(child)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${child}/stat`, 'utf8');
      parentOf.set(child, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

/** Command line of `pid` (arguments joined by spaces); '' when gone. */
export function procCommand(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/**
 * CPU seconds used so far by each of this process's descendants that `classify` names (by command line),
 * summed per name, and by this process itself ('bench'). Processes that have exited are not counted.
 */
export function cpuByProcess(classify: (command: string) => string | undefined): Map<string, number> {
  const out = new Map<string, number>([['bench', procCpuSeconds(process.pid)]]);
  for (const pid of descendantPids(process.pid)) {
    const name = classify(procCommand(pid));
    if (!name) continue;
    const cpu = procCpuSeconds(pid);
    if (!Number.isNaN(cpu)) out.set(name, (out.get(name) ?? 0) + cpu);
  }
  return out;
}

export interface MemorySample extends ProcMemory {
  /** ms since the sampler started. */
  atMs: number;
}

export interface MemorySampler {
  readonly samples: MemorySample[];
  /** Reads now (besides the periodic samples) and keeps the reading. */
  sample(): MemorySample | undefined;
  /** The highest VmRSS sampled. */
  peakRss(): number;
  stop(): void;
}

/** Samples VmRSS and VmHWM of `pid` every `intervalMs` until stopped (or the process is gone). */
export function startMemorySampler(pid: number, intervalMs = 1000): MemorySampler {
  const started = performance.now();
  const samples: MemorySample[] = [];
  const sample = () => {
    const m = procMemory(pid);
    if (!m) return undefined;
    const s = { ...m, atMs: performance.now() - started };
    samples.push(s);
    return s;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  onCleanup('the memory sampler', () => clearInterval(timer));
  return {
    samples,
    sample,
    peakRss: () => samples.reduce((max, s) => Math.max(max, s.rss), 0),
    stop: () => clearInterval(timer),
  };
}

/**
 * Waits until `pid` uses less than `share` of one core over a `windowMs` window (its queued work done),
 * or `timeoutMs` passes; resolves whether it went quiet.
 */
export async function waitForQuietProcess(pid: number, { share = 0.05, windowMs = 3000, timeoutMs = 300_000 } = {}): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  let before = procCpuSeconds(pid);
  while (Date.now() < until) {
    await sleep(windowMs);
    const after = procCpuSeconds(pid);
    if ((after - before) / (windowMs / 1000) < share) return true;
    before = after;
  }
  return false;
}

// ---- Temporal histories: where the time went --------------------------------------------------------

/** "seconds.nanos" of a protobuf Timestamp → epoch milliseconds. */
export function protoTimestampMs(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  const s = ts?.seconds as number | { toNumber(): number } | undefined;
  const seconds = typeof s === 'number' ? s : (s?.toNumber() ?? 0);
  return seconds * 1000 + (ts?.nanos ?? 0) / 1e6;
}

/** A history event's type from its set attributes field (`timerFiredEventAttributes` → TimerFired), with the activity's name. */
export function historyEventName(event: object): string {
  const fields = event as Record<string, unknown>;
  const key = Object.keys(fields).find((k) => k.endsWith('EventAttributes') && fields[k]);
  if (!key) return 'event';
  const name = key.replace(/EventAttributes$/, '');
  const attrs = fields[key] as { activityType?: { name?: string }; markerName?: string };
  const detail = attrs.activityType?.name ?? attrs.markerName;
  return name[0]!.toUpperCase() + name.slice(1) + (detail ? ` (${detail})` : '');
}
