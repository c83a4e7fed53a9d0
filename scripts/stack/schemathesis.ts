/**
 * Schemathesis (https://schemathesis.io), the API fuzzer, in a Python venv in the tools cache, and one
 * way to run it against the API's served OpenAPI document and read back what it found. Used by
 * `npm run fuzz` (scripts/fuzz.ts) and the short run in the test suite (test/fuzz/api-fuzz.test.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheRoot, which, withCacheLock } from './cache.js';

/** Pinned: its CLI flags and report format are what runSchemathesis relies on. */
export const SCHEMATHESIS_VERSION = '4.32.5';

function python(): string {
  const found = process.env.PYTHON || which('python3.11') || which('python3') || which('python');
  if (!found) throw new Error('schemathesis needs Python 3.10+ (python3 on PATH, or PYTHON=…)');
  return found;
}

/** The venv with schemathesis installed (once, under a cache lock); resolves with the `st` executable. */
export async function ensureSchemathesis(): Promise<string> {
  const dir = path.join(cacheRoot(), `schemathesis-${SCHEMATHESIS_VERSION}`);
  const st = path.join(dir, 'bin', 'st');
  const done = path.join(dir, '.installed');
  if (fs.existsSync(done)) return st;
  return await withCacheLock(`${dir}.lock`, `installing schemathesis ${SCHEMATHESIS_VERSION}`, async () => {
    if (fs.existsSync(done)) return st;
    fs.rmSync(dir, { recursive: true, force: true });
    const run = (cmd: string, args: string[]) => {
      const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr || r.stdout}`);
    };
    console.error(`installing schemathesis ${SCHEMATHESIS_VERSION} into ${dir} (once)`);
    run(python(), ['-m', 'venv', dir]);
    run(path.join(dir, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`]);
    fs.writeFileSync(done, SCHEMATHESIS_VERSION);
    return st;
  });
}

export interface FuzzRunOptions {
  /** The served document, e.g. http://127.0.0.1:PORT/openapi.json (its origin is the base URL). */
  schemaUrl: string;
  /** Bearer token the requests carry. */
  token: string;
  /** Test cases per operation. */
  maxExamples: number;
  seed: number;
  workers?: number;
  /** Seconds; schemathesis is killed after this. */
  timeoutS?: number;
  /** Which phases (default examples, coverage, fuzzing: coverage alone sends ~3,600 requests here). */
  phases?: string[];
  /** Where the reports go (a fresh temp folder if not given). */
  reportDir?: string;
}

export interface FuzzFailure {
  check: string;
  operation: string;
  title: string;
  /** The request that failed, as a curl command when schemathesis gives one. */
  reproduce?: string;
  status?: number;
}

export interface FuzzRunResult {
  requests: number;
  /** Responses with a 5xx status. */
  serverErrors: number;
  /** Distinct failures of response_schema_conformance / status_code / content_type / headers checks. */
  conformanceFailures: number;
  failures: FuzzFailure[];
  exitCode: number | null;
  /** The tail of schemathesis' own output. */
  output: string;
  durationS: number;
}

/** The checks the run makes: no 5xx, and responses as the document says (status, type, headers, body). */
export const FUZZ_CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
];

/** Runs schemathesis once (all phases but stateful) and tallies its ndjson event stream. */
export async function runSchemathesis(st: string, o: FuzzRunOptions): Promise<FuzzRunResult> {
  const reportDir = o.reportDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'complaints-fuzz-'));
  fs.mkdirSync(reportDir, { recursive: true });
  const ndjson = path.join(reportDir, 'events.ndjson');
  const har = path.join(reportDir, 'requests.har');
  const args = [
    'run', o.schemaUrl,
    '-H', `Authorization: Bearer ${o.token}`,
    '--checks', FUZZ_CHECKS.join(','),
    '--phases', (o.phases ?? ['examples', 'coverage', 'fuzzing']).join(','),
    '--max-examples', String(o.maxExamples),
    '--seed', String(o.seed),
    '--workers', String(o.workers ?? 2),
    '--continue-on-failure',
    '--suppress-health-check', 'all',
    '--request-timeout', '30',
    '--generation-database', 'none',
    '--report', 'ndjson,har',
    '--report-ndjson-path', ndjson,
    '--report-har-path', har,
    '--no-color',
    '--output-sanitize', 'false',
  ];
  const started = performance.now();
  let output = '';
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(st, args, { cwd: reportDir /* its .schemathesis cache goes there, not in the checkout */, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SCHEMATHESIS_HOOKS: '' } });
    const keep = (b: Buffer) => (output = (output + b.toString()).slice(-200_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = o.timeoutS ? setTimeout(() => child.kill('SIGKILL'), o.timeoutS * 1000) : undefined;
    child.on('error', reject);
    child.on('exit', (code) => {
      if (timer) clearTimeout(timer);
      resolve(code);
    });
  });
  const durationS = (performance.now() - started) / 1000;

  // Requests and statuses from the HAR (every request sent); failures from the ndjson events.
  let requests = 0;
  let serverErrors = 0;
  if (fs.existsSync(har)) {
    const entries = (JSON.parse(fs.readFileSync(har, 'utf8')) as { log: { entries: Array<{ response: { status: number } }> } }).log.entries;
    requests = entries.length;
    serverErrors = entries.filter((e) => e.response.status >= 500).length;
  }
  const failures: FuzzFailure[] = [];
  if (fs.existsSync(ndjson)) collectFailures(fs.readFileSync(ndjson, 'utf8'), failures);
  const conformanceFailures = failures.filter((f) => f.check !== 'not_a_server_error').length;
  return { requests, serverErrors, conformanceFailures, failures, exitCode, output: output.slice(-20_000), durationS };
}

/** Walks any JSON value for check results with status FAILURE (the event layout differs between events). */
function collectFailures(text: string, into: FuzzFailure[]): void {
  const seen = new Set<string>();
  const visit = (v: unknown, operation: string | undefined) => {
    if (Array.isArray(v)) return v.forEach((x) => visit(x, operation));
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    const label = typeof o.label === 'string' ? o.label : operation;
    if (typeof o.name === 'string' && FUZZ_CHECKS.includes(o.name) && String(o.status).toUpperCase().includes('FAIL')) {
      const failure = (o.failure_info ?? {}) as Record<string, unknown>;
      const inner = (failure.failure ?? {}) as Record<string, unknown>;
      const title = String(inner.title ?? inner.message ?? '') + (inner.message && inner.title ? `: ${String(inner.message).slice(0, 500)}` : '');
      const key = `${o.name}|${label}|${title}`;
      if (!seen.has(key)) {
        seen.add(key);
        const response = (o.response ?? {}) as Record<string, unknown>;
        into.push({
          check: o.name,
          operation: label ?? '?',
          title,
          reproduce: typeof failure.code_sample === 'string' ? failure.code_sample : undefined,
          status: typeof response.status_code === 'number' ? response.status_code : undefined,
        });
      }
    }
    for (const x of Object.values(o)) visit(x, label);
  };
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      visit(JSON.parse(line), undefined);
    } catch {
      // a truncated last line
    }
  }
}
