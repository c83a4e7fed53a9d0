/**
 * `npm run fuzz`: schemathesis against the API's served OpenAPI document (/openapi.json), once per role
 * with a valid token for a user of that role: generated requests (examples, coverage — wrong types,
 * huge and empty strings, unknown fields, bad IDs — and random fuzzing). It checks that no response is a
 * 5xx and that every response conforms to the document (status, content type, headers, body schema).
 *
 * The stack is its own: embedded PostgreSQL and a Temporal dev server in a temp folder, the worker and
 * the API in this process (payloads encrypted with a throw-away key), the API on a loopback port only.
 *
 * Settings (env):  FUZZ_REQUESTS  request budget over all roles (10000), spread as fuzzing test cases
 *                                 per operation; the coverage phase adds its own (see main), so the
 *                                 count sent is above it
 *                  FUZZ_SEED      (20261124)          FUZZ_WORKERS  schemathesis workers per run (2)
 *                  FUZZ_TIMEOUT_S global timeout (1800)
 *                  FUZZ_SUMMARY   where the JSON summary goes (fuzz-summary.json); or the first argument
 *
 * Exit code: 0 when no 5xx and no non-conformance; 1 otherwise; 2 when the stack did not start; 3 on
 * the global timeout.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createApp } from '../api/app.js';
import { connect } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { createUser, issueToken } from '../db/users.js';
import { ROLES, type Role } from '../workflows/model.js';
import { dataConverterFor, parsePayloadKeys } from '../workflows/wire/payload-codec.js';
import { createComplaintWorker } from '../worker/worker.js';
import { freePorts } from './stack/ports.js';
import { startEmbeddedPostgres } from './stack/postgres.js';
import { ensureSchemathesis, runSchemathesis, type FuzzRunResult } from './stack/schemathesis.js';
import { startTemporalDevServer } from './stack/temporal-dev-server.js';

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}=${raw} is not a positive integer`);
  return n;
}

const budget = int('FUZZ_REQUESTS', 10_000);
const seed = int('FUZZ_SEED', 20261124);
const workers = int('FUZZ_WORKERS', 2);
const timeoutS = int('FUZZ_TIMEOUT_S', 1800);
const summaryPath = path.resolve(process.argv[2] ?? process.env.FUZZ_SUMMARY ?? 'fuzz-summary.json');

const cleanups: Array<{ name: string; run: () => Promise<void> | void }> = [];
const onCleanup = (name: string, run: () => Promise<void> | void) => cleanups.push({ name, run });
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const { name, run } of cleanups.reverse()) {
      try {
        await run();
      } catch (err) {
        console.error(`fuzz: stopping ${name} failed: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}
async function abort(why: string, code: number): Promise<never> {
  console.error(`\nfuzz: ${why}; stopping everything`);
  await Promise.race([cleanUp(), new Promise((r) => setTimeout(r, 30_000).unref())]);
  process.exit(code);
}

async function startStack(): Promise<{ apiUrl: string; tokens: Map<Role, string> }> {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'complaints-fuzz-'));
  if (process.getuid?.() === 0) fs.chmodSync(tmpDir, 0o711);
  onCleanup('the temp folder', () => fs.rmSync(tmpDir, { recursive: true, force: true }));
  const [pgPort, temporalPort] = await freePorts(2);
  const log = (m: string) => console.error(`[stack] ${m}`);
  const [pg, temporal] = await Promise.allSettled([
    startEmbeddedPostgres({ dataDir: path.join(tmpDir, 'postgres'), port: pgPort!, durable: false, log }),
    startTemporalDevServer({ port: temporalPort!, headless: true }),
  ]);
  if (pg.status === 'fulfilled') onCleanup('PostgreSQL', pg.value.stop);
  if (temporal.status === 'fulfilled') onCleanup('Temporal', temporal.value.stop);
  if (pg.status === 'rejected' || temporal.status === 'rejected') {
    throw new Error([pg, temporal].filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)).join('\n'));
  }
  await migrateToLatest(pg.value.url);

  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('WARN') });
  const dataConverter = dataConverterFor(parsePayloadKeys(`fuzz:${randomBytes(32).toString('base64')}`));
  const taskQueue = `fuzz-${randomBytes(4).toString('hex')}`;
  const workerDb = connect(pg.value.url);
  onCleanup('the worker database pool', () => workerDb.destroy());
  const db = connect(pg.value.url);
  onCleanup('the API database pool', () => db.destroy());
  const native = await NativeConnection.connect({ address: temporal.value.address });
  onCleanup('the worker’s Temporal connection', () => native.close());
  const worker = await createComplaintWorker({ connection: native, namespace: 'default', db: workerDb, taskQueue, dataConverter });
  let stopping = false;
  const running = worker.run().catch((err: Error) => {
    if (!stopping) void abort(`the worker failed: ${err.message}`, 1);
  });
  onCleanup('the worker', async () => {
    stopping = true;
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });
  const connection = await Connection.connect({ address: temporal.value.address });
  onCleanup('the client’s Temporal connection', () => connection.close());
  const client = new Client({ connection, namespace: 'default', dataConverter });

  const tokens = new Map<Role, string>();
  for (const role of ROLES) {
    await createUser(db, { id: `fuzz-${role}`, displayName: `Fuzz ${role}`, role }, 'fuzz');
    tokens.set(role, (await issueToken(db, `fuzz-${role}`, 'fuzz', 'fuzz')).token);
  }

  const app = createApp({ db, temporal: client, taskQueue });
  const apiUrl = await new Promise<string>((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(`http://127.0.0.1:${info.port}`)) as Server;
    onCleanup('the API server', () => new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    }));
  });
  return { apiUrl, tokens };
}

/** How many operations the document has (to spread the budget as test cases per operation). */
async function operationCount(apiUrl: string): Promise<number> {
  const doc = (await (await fetch(`${apiUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const methods = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
  return Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).filter((k) => methods.has(k)).length, 0);
}

async function main(): Promise<number> {
  setTimeout(() => void abort(`the run took longer than ${timeoutS} s (FUZZ_TIMEOUT_S)`, 3), timeoutS * 1000).unref();
  process.once('SIGINT', () => void abort('interrupted', 130));
  const st = await ensureSchemathesis();
  let stack: Awaited<ReturnType<typeof startStack>>;
  try {
    stack = await startStack();
  } catch (err) {
    console.error(`fuzz: the stack did not start: ${(err as Error).message}`);
    await cleanUp();
    return 2;
  }
  const operations = await operationCount(stack.apiUrl);
  // The budget sets the fuzzing phase's test cases per operation: budget / (roles × operations × 2).
  // The coverage phase (boundary values, wrong types, missing and unknown fields, bad headers) adds a
  // number of its own, about 3,600 requests per role for 63 operations: so a run sends more than the
  // budget (10,000 → about 22,000), never less.
  const maxExamples = Math.max(1, Math.round(budget / (ROLES.length * operations * 2)));
  console.error(`fuzz: ${operations} operations, ${ROLES.length} roles, ${maxExamples} test cases per operation, seed ${seed}`);

  const results: Array<{ role: Role } & FuzzRunResult> = [];
  for (const role of ROLES) {
    const r = await runSchemathesis(st, {
      schemaUrl: `${stack.apiUrl}/openapi.json`, token: stack.tokens.get(role)!, maxExamples, seed, workers,
    });
    results.push({ role, ...r });
    console.log(`${role.padEnd(10)} requests ${String(r.requests).padStart(6)}   5xx ${String(r.serverErrors).padStart(4)}   non-conformance ${String(r.conformanceFailures).padStart(4)}   ${r.durationS.toFixed(0)} s`);
    for (const f of r.failures) console.log(`  [${f.check}] ${f.operation}: ${f.title}\n    ${f.reproduce ?? ''}`);
  }
  const total = {
    requests: results.reduce((n, r) => n + r.requests, 0),
    serverErrors: results.reduce((n, r) => n + r.serverErrors, 0),
    conformanceFailures: results.reduce((n, r) => n + r.conformanceFailures, 0),
    durationS: results.reduce((n, r) => n + r.durationS, 0),
  };
  console.log(`total      requests ${String(total.requests).padStart(6)}   5xx ${String(total.serverErrors).padStart(4)}   non-conformance ${String(total.conformanceFailures).padStart(4)}   ${total.durationS.toFixed(0)} s`);
  const ranOk = results.every((r) => r.requests > 0 && r.exitCode !== null);
  if (!ranOk) for (const r of results.filter((x) => x.requests === 0 || x.exitCode === null)) console.error(`fuzz: the ${r.role} run did not complete:\n${r.output.slice(-3000)}`);
  fs.writeFileSync(summaryPath, JSON.stringify({
    schemathesis: st, seed, budget, operations, maxExamples, total,
    roles: results.map(({ output: _output, ...r }) => r),
  }, null, 2));
  console.log(`summary: ${summaryPath}`);
  await cleanUp();
  return total.serverErrors === 0 && total.conformanceFailures === 0 && ranOk ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => abort(`failed: ${err.stack ?? err.message}`, 1),
);
