/**
 * What every part of `npm run bench` shares: settings from flags and the environment, an ordered
 * clean-up, its own servers (embedded PostgreSQL, Temporal dev server), bounded load, percentiles and
 * the printed tables. The parts print figures and assert nothing about speed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { migrateToLatest } from '../../db/migrate.js';
import { freePorts } from '../stack/ports.js';
import { startEmbeddedPostgres } from '../stack/postgres.js';
import { startTemporalDevServer } from '../stack/temporal-dev-server.js';

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
  /** A folder of this run's, removed at the end. */
  tmpDir: string;
}

/** PostgreSQL and Temporal (ours unless DATABASE_URL / TEMPORAL_ADDRESS name yours), side by side, then migrations. */
export async function startServers(): Promise<Stack> {
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
    tmpDir,
  };
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
    `Temporal ${stack.ownTemporal ? 'dev server, in memory' : 'from TEMPORAL_ADDRESS'} at ${stack.temporalAddress}`
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
