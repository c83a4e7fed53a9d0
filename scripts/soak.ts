/**
 * `npm run soak`: prove it holds. Files complaints through the HTTP API and drives each through its
 * life while a fault loop kills and restarts the pieces, then checks the client's log against both
 * systems of record (PostgreSQL and Temporal).
 *
 * Everything it runs is its own, on loopback, in a temp folder: an embedded PostgreSQL (durable), a
 * Temporal dev server with a SQLite file (so it survives its restart), and the worker and the API as
 * child processes (`node --import tsx worker/main.ts`, `api/main.ts`). It stops only those, by pid.
 *
 * Paths, by complaint index mod 5: straight to closure (revisit due at once), dissatisfied → reopened
 * → closed, withdrawn, a first-contact clock breached (short policy, never contacted) then withdrawn,
 * escalated to the supervisor (a signal) then withdrawn.
 *
 * Faults: the worker SIGKILLed (then restarted), the API restarted, the Temporal dev server restarted,
 * PostgreSQL restarted (graceful stop, start on the same data folder and port).
 *
 * `--cluster` (or SOAK_CLUSTER=1): the production layout instead (scripts/stack/cluster.ts's pieces): the
 * Temporal server 1.29.1 on the same PostgreSQL (SQL visibility) set up by `npm run setup`, two workers
 * and two API processes; the client spreads its requests over both APIs, as a load balancer would (a
 * retry goes to the other one); the faults take the workers and the APIs in turn, and restart the
 * Temporal server.
 *
 * Settings (env): SOAK_COMPLAINTS (1000), SOAK_CONCURRENCY (16), SOAK_WORKER_KILLS (5),
 * SOAK_API_RESTARTS (2), SOAK_TEMPORAL_RESTARTS (1), SOAK_POSTGRES_RESTARTS (1),
 * SOAK_FAULT_INTERVAL_S (15), SOAK_BREACH_MINUTES (1), SOAK_TIMEOUT_S (2400), SOAK_CLOCK_BOUND_S (60: a
 * clock that fell due is met or breached on record within it), SOAK_LOG_DIR (the workers' and APIs'
 * output appended there, kept after the run).
 *
 * The checker: nothing lost, nothing twice, every case where its path ends, every clock that fell due
 * met or breached within the bound; for a complaint the client gave up on, its final state in both
 * systems (PostgreSQL's stage, clocks and last event; Temporal's status, stage, workflow-task
 * failures and timeouts, open timers, and why its state query failed).
 *
 * Exit code: 0 when the checker found nothing wrong; 1 on any loss, duplicate or wrong state; 2 when
 * the stack did not start or the run did not finish.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { connect } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { savePolicy } from '../db/reference-data.js';
import { createUser, issueToken } from '../db/users.js';
import { SAMPLE_CREATE_BODY } from './stack/sample-complaints.js';
import { DEFAULT_POLICY } from '../workflows/rules/sla-policy.js';
import { stateQuery } from '../workflows/contract.js';
import { repoRoot } from './stack/cache.js';
import { freePorts } from './stack/ports.js';
import { spawnManaged, withTail, type ManagedProcess } from './stack/process.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './stack/postgres.js';
import { startTemporalDevServer, type TemporalDevServer } from './stack/temporal-dev-server.js';
import { sqlTargetOf, startTemporalServer, type TemporalServer } from './stack/temporal-server.js';
import { runSetup } from './setup.js';

export interface SoakOptions {
  complaints: number;
  concurrency: number;
  workerKills: number;
  apiRestarts: number;
  temporalRestarts: number;
  postgresRestarts: number;
  /** Seconds between faults. */
  faultIntervalS: number;
  /** The first-contact clock of the breach path's policy, in calendar minutes. */
  breachMinutes: number;
  timeoutS: number;
  /**
   * Seconds within which a clock that fell due must be met or breached on record (the breach's
   * event in complaint_events recorded no later than this after the due time); the checker fails
   * otherwise.
   */
  clockBoundS: number;
  /** The production layout: the Temporal server on PostgreSQL, two workers, two APIs. */
  cluster?: boolean;
  /** A folder the workers' and APIs' output is appended to (`worker.log`, `api.log`); kept after the run. */
  logDir?: string;
  log?: (m: string) => void;
}

export interface SoakReport {
  complaints: number;
  acknowledged: number;
  events: number;
  faults: Record<string, number>;
  unexpectedExits: Record<string, number>;
  retries: number;
  clientFailures: string[];
  lost: number;
  duplicated: number;
  wrongState: number;
  /** Clocks that fell due and were neither met nor breached on record within the bound. */
  late: number;
  /** Breaches on record: how long after the due time each reached the file (seconds). */
  breachLateS: { count: number; p50: number; p99: number; max: number };
  /** For each complaint the client gave up on: its final state in PostgreSQL and in Temporal. */
  gaveUp: string[];
  problems: string[];
  paths: Record<string, number>;
  wallS: number;
  ok: boolean;
}

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${raw} is not a non-negative number`);
  return n;
}

export function optionsFromEnv(): SoakOptions {
  return {
    complaints: envInt('SOAK_COMPLAINTS', 1000),
    concurrency: envInt('SOAK_CONCURRENCY', 16),
    workerKills: envInt('SOAK_WORKER_KILLS', 5),
    apiRestarts: envInt('SOAK_API_RESTARTS', 2),
    temporalRestarts: envInt('SOAK_TEMPORAL_RESTARTS', 1),
    postgresRestarts: envInt('SOAK_POSTGRES_RESTARTS', 1),
    faultIntervalS: envInt('SOAK_FAULT_INTERVAL_S', 15),
    breachMinutes: envInt('SOAK_BREACH_MINUTES', 1),
    timeoutS: envInt('SOAK_TIMEOUT_S', 2400),
    clockBoundS: envInt('SOAK_CLOCK_BOUND_S', 60),
    cluster: process.argv.includes('--cluster') || process.env.SOAK_CLUSTER === '1',
    logDir: process.env.SOAK_LOG_DIR || undefined,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type PathKind = 'closed' | 'reopened' | 'withdrawn' | 'breached' | 'escalated';
const PATHS: PathKind[] = ['closed', 'reopened', 'withdrawn', 'breached', 'escalated'];

interface LogEntry {
  index: number;
  path: PathKind;
  key: string;
  complaintId?: string;
  number?: string;
  acknowledged: boolean;
  finished: boolean;
  failure?: string;
}

/** A child process (worker or API) that is restarted when it dies without being asked to. */
class Supervised {
  proc?: ManagedProcess;
  expectedExit = false;
  unexpectedExits = 0;
  private stopped = false;
  constructor(
    private readonly name: string,
    private readonly script: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (m: string) => void,
    /** Where each start's output is appended (`<name>.log`), when set. */
    private readonly logDir?: string,
  ) {}

  start(): void {
    this.expectedExit = false;
    const logFile = this.logDir ? fs.createWriteStream(path.join(this.logDir, `${this.name}.log`), { flags: 'a' }) : undefined;
    const proc = spawnManaged(this.name, process.execPath, ['--import', 'tsx', this.script], {
      cwd: repoRoot,
      env: this.env,
      keepLines: 200,
      onLine: logFile ? (line) => logFile.write(`${new Date().toISOString()} ${line}\n`) : undefined,
    });
    if (logFile) void proc.exited.then(() => logFile.end());
    this.proc = proc;
    void proc.exited.then(({ code, signal }) => {
      if (this.stopped || this.expectedExit || this.proc !== proc) return;
      this.unexpectedExits++;
      this.log(withTail(`${this.name} (pid ${proc.pid}) exited on its own (${code ?? signal}); restarting it`, proc, 15));
      setTimeout(() => !this.stopped && this.proc === proc && this.start(), 1000);
    });
  }

  async kill(): Promise<void> {
    const proc = this.proc!;
    this.expectedExit = true;
    process.kill(proc.pid, 'SIGKILL');
    await proc.exited;
  }

  async gracefulStop(): Promise<void> {
    this.expectedExit = true;
    await this.proc?.stop({ signal: 'SIGTERM', graceMs: 15_000 });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.proc?.stop({ signal: 'SIGTERM', graceMs: 15_000 });
  }
}

class HttpError extends Error {
  constructor(readonly status: number, readonly body: any) {
    super(`HTTP ${status} ${JSON.stringify(body)?.slice(0, 300)}`);
  }
}

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const log = opts.log ?? ((m: string) => console.error(`soak: ${m}`));
  const started = Date.now();
  const deadline = started + opts.timeoutS * 1000;
  const cleanups: Array<() => Promise<void> | void> = [];
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'complaints-soak-'));
  if (process.getuid?.() === 0) fs.chmodSync(tmpDir, 0o711);
  cleanups.push(() => fs.rmSync(tmpDir, { recursive: true, force: true }));
  if (opts.logDir) fs.mkdirSync(opts.logDir, { recursive: true });

  const faults: Record<string, number> = { 'worker SIGKILL': 0, 'API restart': 0, 'Temporal restart': 0, 'PostgreSQL restart': 0 };
  let retries = 0;
  const entries: LogEntry[] = [];
  let workers: Supervised[] = [];
  let apis: Supervised[] = [];
  let pg: EmbeddedPostgres | undefined;
  let temporal: TemporalDevServer | TemporalServer | undefined;

  try {
    // ---- The stack ---------------------------------------------------------------------------
    const [pgPort, temporalPort, ...apiPorts] = await freePorts(opts.cluster ? 4 : 3);
    const pgDir = path.join(tmpDir, 'postgres');
    const temporalDb = path.join(tmpDir, 'temporal.sqlite');
    const pgLog = (m: string) => log(`[postgres] ${m}`);
    const startPg = () => startEmbeddedPostgres({ dataDir: pgDir, port: pgPort!, durable: true, log: pgLog });
    const startTemporal = opts.cluster
      ? () => startTemporalServer({ dataDir: path.join(tmpDir, 'temporal'), postgres: sqlTargetOf(pg!.adminUrl), port: temporalPort! })
      : () => startTemporalDevServer({ port: temporalPort!, headless: true, dbFilename: temporalDb });
    log(`starting PostgreSQL (port ${pgPort}) and ${opts.cluster ? 'the Temporal server on it' : 'the Temporal dev server'} (port ${temporalPort}) in ${tmpDir}`);
    if (opts.cluster) {
      pg = await startPg();
      temporal = await startTemporal();
      const setup = await runSetup({ address: temporal.address, namespace: 'default', log: (l) => log(`[setup] ${l}`) });
      if (!setup.ready) throw new Error(`npm run setup did not make the Temporal server ready: ${setup.problems.join('; ')}`);
    } else {
      [pg, temporal] = await Promise.all([startPg(), startTemporal()]);
    }
    cleanups.push(() => temporal?.stop());
    cleanups.push(() => pg?.stop());
    const databaseUrl = pg.url;
    await migrateToLatest(databaseUrl);

    // Policies: revisit at once (every path), and a short first-contact clock for the breach path.
    const quick = structuredClone(DEFAULT_POLICY);
    quick.id = `soak-quick`;
    for (const level of Object.values(quick.categories)) level.revisit = { afterDays: 0, share: 1 };
    const hasty = structuredClone(quick);
    hasty.id = `soak-hasty`;
    hasty.warningFractions = [];
    hasty.general.firstContact = { basis: 'calendar', minutes: opts.breachMinutes };
    const tokens: Record<'agent' | 'handler' | 'supervisor', string> = { agent: '', handler: '', supervisor: '' };
    {
      const db = connect(databaseUrl);
      try {
        await savePolicy(db, quick);
        await savePolicy(db, hasty);
        for (const role of ['agent', 'handler', 'supervisor'] as const) {
          await createUser(db, { id: `soak-${role}`, displayName: `Soak ${role}`, role }, 'soak');
          tokens[role] = (await issueToken(db, `soak-${role}`, 'soak', 'soak')).token;
        }
      } finally {
        await db.destroy();
      }
    }

    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      API_HOST: '127.0.0.1',
      PAYLOAD_KEYS: `soak:${randomBytes(32).toString('base64')}`,
      LOG_LEVEL: 'WARN',
    };
    delete childEnv.PAYLOAD_KEY_FILE;
    delete childEnv.TASK_QUEUE;
    const processes = opts.cluster ? 2 : 1;
    workers = Array.from({ length: processes }, (_, i) => new Supervised(processes > 1 ? `worker-${i + 1}` : 'worker', 'worker/main.ts', childEnv, log, opts.logDir));
    apis = apiPorts.map((port, i) => new Supervised(processes > 1 ? `api-${i + 1}` : 'api', 'api/main.ts', { ...childEnv, PORT: String(port) }, log, opts.logDir));
    cleanups.push(() => Promise.all(workers.map((w) => w.stop())).then(() => undefined));
    cleanups.push(() => Promise.all(apis.map((a) => a.stop())).then(() => undefined));
    for (const p of [...workers, ...apis]) p.start();
    // Requests go round the APIs, as through a load balancer (a retry reaches the next one).
    const bases = apiPorts.map((port) => `http://127.0.0.1:${port}`);
    let turn = 0;

    // ---- The client: retries what fails during a restart, with the same Idempotency-Key ----------
    async function call(method: 'GET' | 'POST', url: string, role: keyof typeof tokens, body?: unknown, key?: string): Promise<{ status: number; body: any }> {
      let attempt = 0;
      for (;;) {
        let outcome: { status: number; body: any } | Error;
        try {
          const res = await fetch(bases[turn++ % bases.length] + url, {
            method,
            headers: {
              authorization: `Bearer ${tokens[role]}`,
              ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
              ...(key ? { 'idempotency-key': key } : {}),
            },
            body: body !== undefined ? JSON.stringify(body) : undefined,
            signal: AbortSignal.timeout(60_000),
          });
          const text = await res.text();
          let parsed: any = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON
          }
          outcome = { status: res.status, body: parsed };
        } catch (err) {
          outcome = err as Error;
        }
        const retryable = outcome instanceof Error || outcome.status >= 500 || outcome.status === 429;
        if (!retryable) return outcome as { status: number; body: any };
        attempt++;
        if (attempt > 60 || Date.now() > deadline) {
          throw outcome instanceof Error ? outcome : new HttpError(outcome.status, outcome.body);
        }
        retries++;
        await sleep(Math.min(5000, 100 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random()));
      }
    }
    async function act(id: string, action: string, role: keyof typeof tokens, body: unknown, expectStage?: string): Promise<any> {
      const res = await call('POST', `/complaints/${id}/${action}`, role, body, `soak-${id}-${action}-${randomUUID()}`);
      if (res.status !== 200 && res.status !== 202) throw new HttpError(res.status, { action, ...res.body });
      if (expectStage && res.body?.state?.stage !== expectStage) throw new Error(`${action}: stage ${res.body?.state?.stage}, expected ${expectStage}`);
      return res.body;
    }
    // A per-action key that stays the same across the retries of one step (made once per step).
    async function step(id: string, action: string, role: keyof typeof tokens, body: unknown, expectStage?: string) {
      return act(id, action, role, body, expectStage);
    }
    async function waitFor(what: string, id: string, test: (body: any) => boolean, timeoutMs: number): Promise<void> {
      const until = Math.min(deadline, Date.now() + timeoutMs);
      for (;;) {
        const res = await call('GET', `/complaints/${id}`, 'agent');
        if (res.status === 200 && test(res.body)) return;
        if (Date.now() > until) throw new Error(`${what}: not reached ${Date.now() > deadline ? 'before the run\'s time limit' : `in ${timeoutMs} ms`} (last ${res.status} stage ${res.body?.state?.stage})`);
        await sleep(1000);
      }
    }

    const intake = async (id: string, contact = true) => {
      await step(id, 'verify-complainant', 'agent', { method: 'called back on the hospital switchboard' });
      await step(id, 'verify-item', 'agent', { checks: { product: true, specification: true, lot: true, expiry: true, manufacturer: true } });
      if (!contact) return;
      await step(id, 'contacts', 'agent', { channel: 'phone', summary: 'explained next steps' });
      await step(id, 'acknowledgement', 'agent', { channel: 'email' });
      await step(id, 'complete-intake', 'agent', {}, 'assessment');
    };
    const investigation = async (id: string, round: number) => {
      if (round === 1) {
        await step(id, 'assessment', 'agent', { category: 'after_sales_service', severity: 'general', patientSafety: false, suspectedAdverseEvent: false, reasonable: true, department: 'service', ownerId: 'soak-handler' }, 'investigation');
        await step(id, 'responses', 'handler', { channel: 'phone', summary: 'advised a workaround' });
      }
      await step(id, 'findings', 'handler', { department: 'service', summary: `finding round ${round}`, evidenceRefs: [] });
      if (round === 1) await step(id, 'root-cause', 'handler', { cause: 'service', note: 'technician visit overdue' });
      await step(id, 'complete-investigation', 'handler', {}, 'resolution');
    };
    const resolution = async (id: string) => {
      await step(id, 'remedy', 'agent', { remedy: 'repair', details: 'repair on site' });
      await step(id, 'remedy-approval', 'supervisor', { approved: true });
      await step(id, 'customer-decision', 'agent', { accepted: true }, 'feedback');
    };
    const revisitAndClose = async (id: string) => {
      await waitFor('revisit due', id, (b) => b.state?.revisit?.due === true, 120_000);
      await step(id, 'revisit', 'agent', { deviceWorking: true, solvedAtRoot: true, score: 5 }, 'closed');
    };

    const deferred: Array<{ entry: LogEntry; run: () => Promise<void> }> = [];
    async function drive(e: LogEntry): Promise<void> {
      const body = { ...SAMPLE_CREATE_BODY, policyId: e.path === 'breached' ? hasty.id : quick.id };
      const res = await call('POST', '/complaints', 'agent', body, e.key);
      if (res.status !== 201 && res.status !== 200) throw new HttpError(res.status, res.body);
      e.complaintId = res.body.complaintId;
      e.number = res.body.number;
      e.acknowledged = true;
      const id = e.complaintId!;
      switch (e.path) {
        case 'closed':
          await intake(id);
          await investigation(id, 1);
          await resolution(id);
          await step(id, 'feedback', 'agent', { satisfied: true, score: 5 }, 'revisit');
          await revisitAndClose(id);
          break;
        case 'reopened':
          await intake(id);
          await investigation(id, 1);
          await resolution(id);
          await step(id, 'feedback', 'agent', { satisfied: false, score: 2, comment: 'alarms again' }, 'investigation');
          await investigation(id, 2);
          await resolution(id);
          await step(id, 'feedback', 'agent', { satisfied: true, score: 4 }, 'revisit');
          await revisitAndClose(id);
          break;
        case 'withdrawn':
          await intake(id);
          await step(id, 'withdrawal', 'agent', { reason: 'complainant settled it with the hospital' }, 'withdrawn');
          break;
        case 'escalated':
          await intake(id);
          await step(id, 'escalations', 'supervisor', { target: 'supervisor', reason: 'customer is a key account' });
          await step(id, 'withdrawal', 'supervisor', { reason: 'resolved by the supervisor directly' }, 'withdrawn');
          break;
        case 'breached':
          await intake(id, false); // never contacted: the first-contact clock breaches
          // Finished once the rest is done (the clock needs its minutes): no lane waits for it.
          deferred.push({ entry: e, run: async () => {
            await waitFor('first contact breached', id, (b) => (b.state?.clocks ?? []).some((k: any) => k.kind === 'firstContact' && k.status === 'breached'), opts.breachMinutes * 60_000 + 180_000);
            await step(id, 'withdrawal', 'agent', { reason: 'complainant unreachable' }, 'withdrawn');
            e.finished = true;
          } });
          return;
      }
      e.finished = true;
    }

    async function pool(total: number, concurrency: number, task: (i: number) => Promise<void>) {
      let next = 0;
      const lane = async () => {
        while (next < total) await task(next++);
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, total)) }, lane));
    }

    // ---- The fault loop -------------------------------------------------------------------------
    let driving = true;
    const faultPlan: string[] = [];
    {
      const kinds: Array<[string, number]> = [
        ['worker', opts.workerKills],
        ['api', opts.apiRestarts],
        ['temporal', opts.temporalRestarts],
        ['postgres', opts.postgresRestarts],
      ];
      // Interleaved: worker, api, worker, temporal, worker, postgres, …
      let left = true;
      while (left) {
        left = false;
        for (const k of kinds) {
          if (k[1] > 0) {
            faultPlan.push(k[0]);
            k[1]--;
            left = true;
          }
        }
      }
    }
    const faultLoop = (async () => {
      for (const kind of faultPlan) {
        await sleep(opts.faultIntervalS * 1000 * (0.75 + Math.random() * 0.5));
        if (Date.now() > deadline) return;
        const t0 = Date.now();
        switch (kind) {
          case 'worker': {
            const worker = workers[faults['worker SIGKILL']! % workers.length]!;
            await worker.kill();
            await sleep(2000);
            worker.start();
            faults['worker SIGKILL']!++;
            break;
          }
          case 'api': {
            const api = apis[faults['API restart']! % apis.length]!;
            await api.gracefulStop();
            await sleep(1000);
            api.start();
            faults['API restart']!++;
            break;
          }
          case 'temporal':
            await temporal!.stop();
            temporal = await startTemporal();
            faults['Temporal restart']!++;
            break;
          case 'postgres':
            await pg!.stop();
            pg = await startPg();
            faults['PostgreSQL restart']!++;
            break;
        }
        log(`fault: ${kind} (${Date.now() - t0} ms); ${entries.filter((e) => e.finished).length} of ${opts.complaints} complaints through, ${retries} retries`);
      }
    })();

    // ---- Drive ------------------------------------------------------------------------------------
    const runTag = randomUUID().slice(0, 8);
    for (let i = 0; i < opts.complaints; i++) {
      entries.push({ index: i, path: PATHS[i % PATHS.length]!, key: `soak-${runTag}-${i}`, acknowledged: false, finished: false });
    }
    const progress = setInterval(() => log(`${entries.filter((e) => e.acknowledged).length} filed, ${entries.filter((e) => e.finished).length} through, ${retries} retries`), 20_000);
    try {
      await pool(entries.length, opts.concurrency, async (i) => {
        const e = entries[i]!;
        try {
          await drive(e);
        } catch (err) {
          e.failure = (err as Error).message;
        }
      });
      await pool(deferred.length, opts.concurrency, async (i) => {
        const d = deferred[i]!;
        try {
          await d.run();
        } catch (err) {
          d.entry.failure = (err as Error).message;
        }
      });
    } finally {
      clearInterval(progress);
    }
    driving = false;
    await faultLoop;
    void driving;

    // ---- The checker ------------------------------------------------------------------------------
    log('checking PostgreSQL and Temporal against the client log');
    const report = await check(entries, databaseUrl, temporal!.address, opts, log);
    const exits = (ps: Supervised[]) => ps.reduce((n, p) => n + p.unexpectedExits, 0);
    return { ...report, faults, unexpectedExits: { worker: exits(workers), api: exits(apis) }, retries, wallS: (Date.now() - started) / 1000 };
  } finally {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (err) {
        log(`clean-up: ${(err as Error).message}`);
      }
    }
  }
}

const FINAL: Record<PathKind, string> = { closed: 'closed', reopened: 'closed', withdrawn: 'withdrawn', breached: 'withdrawn', escalated: 'withdrawn' };

async function check(entries: LogEntry[], databaseUrl: string, temporalAddress: string, opts: SoakOptions, log: (m: string) => void) {
  const problems: string[] = [];
  let lost = 0;
  let duplicated = 0;
  let wrongState = 0;
  let late = 0;
  /** For each breach on record: how long after its due time its event reached the file (ms). */
  const breachLateness: number[] = [];
  const gaveUp: string[] = [];
  const clientFailures = entries.filter((e) => e.failure).map((e) => `#${e.index} ${e.path} ${e.complaintId ?? '(not acknowledged)'}: ${e.failure}`);
  const acked = entries.filter((e) => e.acknowledged);
  const db = connect(databaseUrl);
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, namespace: 'default' });
  let events = 0;
  try {
    // Every complaints row, every event, every clock: the database is ours alone.
    const rows = await db.selectFrom('complaints').select(['id', 'number', 'idempotency_key', 'stage', 'reopen_count']).execute();
    const byId = new Map<string, typeof rows>();
    const byKey = new Map<string, number>();
    for (const r of rows) {
      byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
      if (r.idempotency_key) byKey.set(r.idempotency_key, (byKey.get(r.idempotency_key) ?? 0) + 1);
    }
    const checkedAt = Date.now();
    const allEvents = await db.selectFrom('complaint_events').select(['complaint_id', 'seq', 'action', 'data', 'recorded_at']).orderBy('complaint_id').orderBy('seq').execute();
    events = allEvents.length;
    const eventsById = new Map<string, typeof allEvents>();
    for (const ev of allEvents) {
      const list = eventsById.get(ev.complaint_id) ?? [];
      list.push(ev);
      eventsById.set(ev.complaint_id, list);
    }
    const clocks = await db.selectFrom('sla_clocks').select(['complaint_id', 'clock_id', 'kind', 'status', 'due_at', 'met_at', 'breached_at', 'cancelled_at']).execute();
    const clocksById = new Map<string, typeof clocks>();
    for (const k of clocks) clocksById.set(k.complaint_id, [...(clocksById.get(k.complaint_id) ?? []), k]);

    const knownKeys = new Set(entries.map((e) => e.key));
    for (const [key, n] of byKey) {
      if (n > 1) {
        duplicated++;
        problems.push(`idempotency key ${key}: ${n} complaints rows`);
      }
      if (!knownKeys.has(key)) problems.push(`a complaint under key ${key} that the client never sent`);
    }
    for (const key of knownKeys) {
      const e = entries.find((x) => x.key === key)!;
      if (!e.acknowledged && byKey.has(key)) log(`note: #${e.index} was never acknowledged but is on file (the client gave up first)`);
    }
    const numbers = new Map<string, number>();
    for (const r of rows) numbers.set(r.number, (numbers.get(r.number) ?? 0) + 1);
    for (const [num, n] of numbers) if (n > 1) { duplicated++; problems.push(`number ${num} on ${n} complaints`); }

    await Promise.all(
      Array.from({ length: 8 }, async (_, lane) => {
        for (let i = lane; i < acked.length; i += 8) {
          const e = acked[i]!;
          const id = e.complaintId!;
          const found = byId.get(id) ?? [];
          if (found.length === 0) {
            lost++;
            problems.push(`#${e.index} ${id}: acknowledged but not in complaints`);
            continue;
          }
          if (found.length > 1) {
            duplicated++;
            problems.push(`#${e.index} ${id}: ${found.length} complaints rows`);
          }
          const row = found[0]!;
          if (row.number !== e.number) problems.push(`#${e.index} ${id}: number ${row.number} on file, ${e.number} answered`);
          // Temporal: the workflow exists, once, and ended where its path should end.
          let tStatus = '';
          let tStage: unknown;
          try {
            const d = await client.workflow.getHandle(id).describe();
            tStatus = d.status.name;
            tStage = d.searchAttributes?.ComplaintStage?.[0];
          } catch (err) {
            lost++;
            problems.push(`#${e.index} ${id}: not found in Temporal (${(err as Error).message})`);
            continue;
          }
          // The trail: seq 1..n, no gap, no duplicate.
          const trail = eventsById.get(id) ?? [];
          const seqs = trail.map((t) => t.seq);
          if (!seqs.every((s, j) => s === j + 1)) {
            wrongState++;
            problems.push(`#${e.index} ${id}: event seqs not 1..n: ${seqs.join(',')}`);
          }
          // Breaches: never two for one clock; each breached clock row has exactly one event.
          const breachEvents = new Map<string, number>();
          for (const t of trail) if (t.action === 'clock.breached') {
            const cid = String((t.data as any).clockId);
            breachEvents.set(cid, (breachEvents.get(cid) ?? 0) + 1);
          }
          for (const [cid, n] of breachEvents) if (n > 1) { duplicated++; problems.push(`#${e.index} ${id}: clock ${cid} breached ${n} times`); }
          const myClocks = clocksById.get(id) ?? [];
          for (const k of myClocks) {
            if (k.status === 'breached' && breachEvents.get(k.clock_id) !== 1) {
              wrongState++;
              problems.push(`#${e.index} ${id}: clock ${k.clock_id} breached in sla_clocks with ${breachEvents.get(k.clock_id) ?? 0} clock.breached events`);
            }
            if (breachEvents.has(k.clock_id) && k.status !== 'breached') {
              wrongState++;
              problems.push(`#${e.index} ${id}: clock ${k.clock_id} has a clock.breached event but status ${k.status}`);
            }
            if (k.status === 'running' && e.finished) {
              wrongState++;
              problems.push(`#${e.index} ${id}: clock ${k.clock_id} still running on an ended case`);
            }
          }
          // Every clock that fell due: met, or breached on record, within the bound (a clock is met
          // before its due time or not at all; a breach is dated at the due time, so its lateness is
          // when its event reached the file).
          const bound = opts.clockBoundS * 1000;
          for (const k of myClocks) {
            const due = new Date(k.due_at).getTime();
            if (k.status === 'breached') {
              const ev = trail.find((t) => t.action === 'clock.breached' && String((t.data as any).clockId) === k.clock_id);
              const lateMs = ev ? new Date(ev.recorded_at).getTime() - due : Infinity;
              if (Number.isFinite(lateMs)) breachLateness.push(lateMs);
              if (lateMs <= bound) continue;
              late++;
              problems.push(`#${e.index} ${e.path} ${id}: clock ${k.kind} (${k.clock_id}) due ${new Date(due).toISOString()} breached on record ${(lateMs / 1000).toFixed(1)} s late (bound ${opts.clockBoundS} s)`);
              continue;
            }
            if (due > checkedAt - bound) continue; // not yet due, or due too recently to judge
            if (k.status === 'met' && k.met_at && new Date(k.met_at).getTime() <= due) continue;
            if (k.status === 'cancelled' && k.cancelled_at && new Date(k.cancelled_at).getTime() <= due) continue;
            late++;
            problems.push(`#${e.index} ${e.path} ${id}: clock ${k.kind} (${k.clock_id}) fell due ${((checkedAt - due) / 1000).toFixed(0)} s before the check and is ${k.status}${k.met_at ? ` (met ${new Date(k.met_at).toISOString()})` : ''}${k.cancelled_at ? ` (cancelled ${new Date(k.cancelled_at).toISOString()})` : ''}: neither met nor breached within ${opts.clockBoundS} s`);
          }
          if (!e.finished) {
            // The client gave up on it: where it ended in both systems, and why.
            gaveUp.push(await finalStateOf(e, row, trail, myClocks, client, tStatus, tStage));
            continue;
          }
          const want = FINAL[e.path];
          const stateWrong: string[] = [];
          if (row.stage !== want) stateWrong.push(`stage ${row.stage} in PostgreSQL`);
          if (tStage !== want) stateWrong.push(`ComplaintStage ${String(tStage)} in Temporal`);
          if (tStatus !== 'COMPLETED') stateWrong.push(`workflow ${tStatus}`);
          if (e.path === 'reopened' && row.reopen_count !== 1) stateWrong.push(`reopen_count ${row.reopen_count}`);
          if (e.path === 'breached') {
            const fc = myClocks.filter((k) => k.kind === 'firstContact');
            if (fc.length !== 1 || fc[0]!.status !== 'breached') stateWrong.push(`firstContact clocks ${JSON.stringify(fc.map((k) => k.status))}`);
          } else if (myClocks.some((k) => k.status === 'breached')) {
            stateWrong.push(`unexpected breach: ${myClocks.filter((k) => k.status === 'breached').map((k) => k.clock_id).join(',')}`);
          }
          if (e.path === 'escalated' && !trail.some((t) => t.action === 'escalated')) stateWrong.push('no escalated event');
          if (stateWrong.length) {
            wrongState++;
            problems.push(`#${e.index} ${e.path} ${id}: ${stateWrong.join('; ')}`);
          }
        }
      }),
    );
    // Exactly once in Temporal: as many complaint workflows as complaints rows.
    let workflows = -1;
    for (let attempt = 0; attempt < 20; attempt++) {
      workflows = (await client.workflow.count(`WorkflowType = 'complaint'`)).count;
      if (workflows === rows.length) break;
      await sleep(1000);
    }
    if (workflows !== rows.length) {
      duplicated += Math.max(0, workflows - rows.length);
      problems.push(`${workflows} complaint workflows in Temporal, ${rows.length} complaints rows`);
    }
    if (rows.length !== acked.length) problems.push(`${rows.length} complaints rows, ${acked.length} acknowledged`);
  } finally {
    await connection.close();
    await db.destroy();
  }
  const paths: Record<string, number> = {};
  for (const e of entries) if (e.finished) paths[e.path] = (paths[e.path] ?? 0) + 1;
  const ok = lost === 0 && duplicated === 0 && wrongState === 0 && late === 0 && clientFailures.length === 0 && problems.length === 0 && acked.length === opts.complaints;
  breachLateness.sort((a, b) => a - b);
  const pick = (q: number) => (breachLateness.length ? breachLateness[Math.min(breachLateness.length - 1, Math.floor(q * breachLateness.length))]! / 1000 : 0);
  const breachLateS = { count: breachLateness.length, p50: pick(0.5), p99: pick(0.99), max: breachLateness.length ? breachLateness.at(-1)! / 1000 : 0 };
  return { complaints: opts.complaints, acknowledged: acked.length, events, clientFailures, lost, duplicated, wrongState, late, breachLateS, gaveUp, problems, paths, ok };
}

/**
 * A complaint the client gave up on, in both systems: PostgreSQL's stage, clocks and last event;
 * Temporal's status and stage, its workflow tasks that failed or timed out (the last failure's
 * message), its open timers, and what its state query answers now.
 */
async function finalStateOf(
  e: LogEntry,
  row: { stage: string },
  trail: Array<{ seq: number; action: string }>,
  clocks: Array<{ kind: string; status: string; due_at: unknown }>,
  client: Client,
  tStatus: string,
  tStage: unknown,
): Promise<string> {
  const last = trail[trail.length - 1];
  const pgPart = `PostgreSQL: stage ${row.stage}, last event #${last?.seq ?? 0} ${last?.action ?? '-'}, clocks ${clocks.map((k) => `${k.kind} ${k.status} (due ${new Date(k.due_at as string).toISOString()})`).join(', ') || 'none'}`;
  let tPart = `Temporal: ${tStatus || 'unknown'}, ComplaintStage ${String(tStage)}`;
  const handle = client.workflow.getHandle(e.complaintId!);
  try {
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    let failed = 0;
    let timedOut = 0;
    let lastFailure = '';
    const timers = new Map<string, number>();
    for (const ev of events) {
      if (ev.workflowTaskFailedEventAttributes) {
        failed++;
        const a = ev.workflowTaskFailedEventAttributes;
        lastFailure = `cause ${a.cause ?? '?'}: ${(a.failure?.message ?? '').slice(0, 200)}`;
      }
      if (ev.workflowTaskTimedOutEventAttributes) timedOut++;
      if (ev.timerStartedEventAttributes?.timerId) timers.set(ev.timerStartedEventAttributes.timerId, Number(ev.eventId));
      if (ev.timerFiredEventAttributes?.timerId) timers.delete(ev.timerFiredEventAttributes.timerId);
      if (ev.timerCanceledEventAttributes?.timerId) timers.delete(ev.timerCanceledEventAttributes.timerId);
    }
    tPart += `, ${events.length} history events, ${failed} workflow tasks failed${lastFailure ? ` (last: ${lastFailure})` : ''}, ${timedOut} timed out, ${timers.size} timers open`;
  } catch (err) {
    tPart += `, history unreadable (${(err as Error).message.slice(0, 120)})`;
  }
  try {
    await client.withDeadline(Date.now() + 5000, () => handle.query(stateQuery));
    tPart += ', state query answers now';
  } catch (err) {
    tPart += `, state query fails now (${(err as Error).constructor.name}: ${(err as Error).message.slice(0, 160)})`;
  }
  return `#${e.index} ${e.path} ${e.complaintId} (${e.failure?.slice(0, 160) ?? 'no failure recorded'}): ${pgPart}; ${tPart}`;
}

export function formatReport(r: SoakReport): string {
  const lines = [
    '',
    'Soak',
    `  complaints requested         ${r.complaints}`,
    `  acknowledged by the API      ${r.acknowledged}`,
    `  driven to their end, by path ${Object.entries(r.paths).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  events in complaint_events   ${r.events}`,
    `  faults injected              ${Object.entries(r.faults).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  unexpected exits (restarted) ${Object.entries(r.unexpectedExits).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  client retries               ${r.retries}`,
    `  client gave up               ${r.clientFailures.length}`,
    `  lost                         ${r.lost}`,
    `  duplicated                   ${r.duplicated}`,
    `  wrong state                  ${r.wrongState}`,
    `  clocks late (bound)          ${r.late}`,
    `  breach on record after due   ${r.breachLateS.count} breaches: p50 ${r.breachLateS.p50.toFixed(1)} s, p99 ${r.breachLateS.p99.toFixed(1)} s, max ${r.breachLateS.max.toFixed(1)} s`,
    `  wall time                    ${r.wallS.toFixed(0)} s`,
  ];
  for (const f of r.clientFailures.slice(0, 20)) lines.push(`  client: ${f}`);
  for (const g of r.gaveUp.slice(0, 20)) lines.push(`  gave up on: ${g}`);
  for (const p of r.problems.slice(0, 40)) lines.push(`  problem: ${p}`);
  if (r.problems.length > 40) lines.push(`  … ${r.problems.length - 40} more problems`);
  lines.push(r.ok ? 'soak: OK, nothing lost, duplicated, late or in a wrong state' : 'soak: FAILED');
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const opts = optionsFromEnv();
  let code = 2;
  const hardStop = setTimeout(() => {
    console.error('soak: did not finish within its time limit (+120 s); exiting');
    process.exit(2);
  }, (opts.timeoutS + 120) * 1000);
  hardStop.unref();
  // Ctrl-C or SIGTERM: exit, and the stack's exit hook signals every child we started (by pid).
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  try {
    console.error(`soak: ${JSON.stringify(opts)}`);
    const report = await runSoak(opts);
    console.log(formatReport(report));
    code = report.ok ? 0 : 1;
  } catch (err) {
    console.error(`soak: ${(err as Error).stack ?? err}`);
  }
  process.exit(code);
}
