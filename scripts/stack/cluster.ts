/**
 * The production layout on one machine (`npm run cluster`, test/cluster): the embedded PostgreSQL, the
 * real Temporal server on it (PostgreSQL persistence, SQL visibility), the migrations, `npm run setup`
 * (namespace and search attributes), N workers and M API processes — the same programs as `npm run
 * worker` / `npm run api` (worker/main.ts, api/main.ts), each a process of its own with DATABASE_URL,
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, PORT and the payload keys — and, optionally, the Temporal Web UI.
 *
 * stop() stops the APIs, the workers, the Web UI, Temporal and PostgreSQL in that order.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { migrateToLatest } from '../../db/migrate.js';
import { runSetup, type SetupReport } from '../setup.js';
import { repoRoot } from './cache.js';
import { assertPortFree, freePorts } from './ports.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './postgres.js';
import { spawnManaged, withTail, type ManagedProcess } from './process.js';
import { sqlTargetOf, startTemporalServer, startTemporalUiServer, type TemporalServer } from './temporal-server.js';

export interface ClusterOptions {
  /** Folder for PostgreSQL's data, the server's config and the payload key; reused when it exists. */
  dataDir: string;
  workers?: number;
  apis?: number;
  /** The APIs' ports (free ones when absent). */
  apiPorts?: number[];
  pgPort?: number;
  temporalPort?: number;
  /** The Web UI's port; false: no Web UI. Default false. */
  uiPort?: number | false;
  namespace?: string;
  /** false for throwaway clusters (tests): PostgreSQL without fsync. Default true. */
  durable?: boolean;
  /** Environment of the workers and APIs on top of ours (e.g. LOG_LEVEL). */
  env?: NodeJS.ProcessEnv;
  /** Notices about what is being done (default console.error). */
  log?: (message: string) => void;
  /** Each output line of every process started (default: dropped; the last lines appear in errors). */
  onLine?: (process: string, line: string, stream: 'stdout' | 'stderr') => void;
}

export interface ClusterApi {
  name: string;
  port: number;
  url: string;
  process: ManagedProcess;
}

export interface Cluster {
  postgres: EmbeddedPostgres;
  temporal: TemporalServer;
  ui?: { url: string; process: ManagedProcess; stop(): Promise<void> };
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  setup: SetupReport;
  /** What the setup found and did, line by line. */
  setupLog: string[];
  workers: ManagedProcess[];
  apis: ClusterApi[];
  /** The workers' and APIs' environment (DATABASE_URL, TEMPORAL_*, payload keys; PORT set per API). */
  childEnv: NodeJS.ProcessEnv;
  /** Starts worker `i` again (after it was killed); resolves once it polls. */
  restartWorker(i: number): Promise<ManagedProcess>;
  /** Starts API `i` again on its port; resolves once /readyz answers 200. */
  restartApi(i: number): Promise<ClusterApi>;
  /** Milliseconds from the call to everything up. */
  startMs: number;
  stop(): Promise<void>;
}

/** The layout's payload key (a file in dataDir, 0600), unless PAYLOAD_KEYS / PAYLOAD_KEY_FILE name one. */
function payloadKeyEnv(dataDir: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.PAYLOAD_KEYS || env.PAYLOAD_KEY_FILE) return {};
  const file = path.join(dataDir, 'payload-key');
  try {
    fs.writeFileSync(
      file,
      `# Payload encryption key of this cluster (npm run cluster). Keep it as long as its PostgreSQL data.\n` +
        `cluster-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}:${randomBytes(32).toString('base64')}\n`,
      { mode: 0o600, flag: 'wx' },
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return { PAYLOAD_KEY_FILE: file };
}

async function waitForHealthz(url: string, proc: ManagedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    if (proc.hasExited) throw new Error(withTail(`${proc.name} exited while starting`, proc));
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.text();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(withTail(`${url} did not answer 200 within ${timeoutMs / 1000} s (last: ${last})`, proc));
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const started = Date.now();
  const log = o.log ?? ((m: string) => console.error(m));
  const namespace = o.namespace ?? 'default';
  const dataDir = path.resolve(o.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const workerCount = o.workers ?? 2;
  const apiCount = o.apis ?? 2;
  const apiPorts = o.apiPorts ?? (await freePorts(apiCount));
  if (apiPorts.length < apiCount) throw new Error(`${apiCount} API processes need ${apiCount} ports, got ${apiPorts.length}`);
  for (const p of apiPorts) await assertPortFree(p, `an API process`);
  const [pgPort, temporalPort] = [o.pgPort, o.temporalPort];
  const free = await freePorts(2);

  const stops: Array<[string, () => Promise<void>]> = [];
  const workers: ManagedProcess[] = [];
  const apis: ClusterApi[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const order: Array<[string, () => Promise<void>]> = [
        ...apis.map((a): [string, () => Promise<void>] => [a.name, () => a.process.stop({ signal: 'SIGTERM', graceMs: 10_000 })]),
        ...workers.map((w): [string, () => Promise<void>] => [w.name, () => w.stop({ signal: 'SIGTERM', graceMs: 30_000 })]),
        ...stops.reverse(),
      ];
      // The APIs side by side, then the workers side by side, then the servers one by one.
      await Promise.allSettled(order.slice(0, apis.length).map(([, s]) => s()));
      await Promise.allSettled(order.slice(apis.length, apis.length + workers.length).map(([, s]) => s()));
      for (const [name, s] of order.slice(apis.length + workers.length)) {
        try {
          await s();
        } catch (err) {
          log(`stopping ${name}: ${(err as Error).message}`);
        }
      }
    })());

  try {
    // ---- PostgreSQL, then Temporal on it --------------------------------------------------------
    const postgres = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, 'postgres'),
      port: pgPort ?? free[0]!,
      durable: o.durable ?? true,
      log,
    });
    stops.push(['PostgreSQL', postgres.stop]);
    const pgAt = Date.now();

    const temporal = await startTemporalServer({
      dataDir: path.join(dataDir, 'temporal'),
      postgres: sqlTargetOf(postgres.adminUrl),
      port: temporalPort ?? free[1]!,
      onLine: o.onLine && ((line) => o.onLine!('temporal', line, 'stdout')),
    });
    stops.push(['Temporal', temporal.stop]);
    const temporalAt = Date.now();

    // ---- The database's schema and Temporal's namespace and search attributes ---------------------
    await migrateToLatest(postgres.url);
    const setupLines: string[] = [];
    const setup = await runSetup({ address: temporal.address, namespace, log: (l) => setupLines.push(l) });
    if (!setup.ready) throw new Error(`npm run setup could not make ${temporal.address} ready:\n  ${setupLines.join('\n  ')}`);
    const setupAt = Date.now();

    // ---- The Web UI (optional) ------------------------------------------------------------------
    let ui: Cluster['ui'];
    const codecEndpoint = `http://localhost:${apiPorts[0]}/codec`;
    if (o.uiPort !== undefined && o.uiPort !== false) {
      ui = await startTemporalUiServer({
        temporalAddress: temporal.address,
        port: o.uiPort,
        dataDir: path.join(dataDir, 'ui'),
        codecEndpoint,
        onLine: o.onLine && ((line) => o.onLine!('temporal-ui', line, 'stdout')),
      });
      stops.push(['the Web UI', ui.stop]);
    }

    // ---- The workers and the APIs ---------------------------------------------------------------
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ...payloadKeyEnv(dataDir, process.env),
      DATABASE_URL: postgres.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: namespace,
      ...(ui ? { TEMPORAL_UI_ORIGIN: [ui.url, ui.url.replace('//localhost:', '//127.0.0.1:')].join(',') } : {}),
      ...o.env,
    };
    const node = (script: string) => ['--import', 'tsx', path.join(repoRoot, script)];
    const startWorker = async (i: number): Promise<ManagedProcess> => {
      const name = `worker-${i + 1}`;
      let polling!: () => void;
      const ready = new Promise<void>((r) => (polling = r));
      const proc = spawnManaged(name, process.execPath, node('worker/main.ts'), {
        cwd: repoRoot,
        env: childEnv,
        keepLines: 200,
        onLine: (line, stream) => {
          if (/worker: polling task queue/.test(line)) polling();
          o.onLine?.(name, line, stream);
        },
      });
      workers[i] = proc;
      const outcome = await Promise.race([
        ready.then(() => 'ok' as const),
        proc.exited.then(() => 'exited' as const),
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 120_000).unref()),
      ]);
      if (outcome !== 'ok') throw new Error(withTail(`${name} ${outcome === 'exited' ? 'exited while starting' : 'did not poll within 120 s'}`, proc));
      return proc;
    };
    const startApi = async (i: number): Promise<ClusterApi> => {
      const name = `api-${i + 1}`;
      const port = apiPorts[i]!;
      const proc = spawnManaged(name, process.execPath, node('api/main.ts'), {
        cwd: repoRoot,
        env: { ...childEnv, PORT: String(port), API_HOST: '127.0.0.1' },
        keepLines: 200,
        onLine: o.onLine && ((line, stream) => o.onLine!(name, line, stream)),
      });
      const api = { name, port, url: `http://127.0.0.1:${port}`, process: proc };
      apis[i] = api;
      // Ready, not only alive: PostgreSQL, Temporal and the search attributes answer (GET /readyz).
      await waitForHealthz(`${api.url}/readyz`, proc, 60_000);
      return api;
    };
    // Side by side: each worker bundles the workflow code at start (seconds of CPU).
    await Promise.all([
      ...Array.from({ length: workerCount }, (_, i) => startWorker(i)),
      ...Array.from({ length: apiCount }, (_, i) => startApi(i)),
    ]);

    log(
      `cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s (PostgreSQL ${((pgAt - started) / 1000).toFixed(1)} s, Temporal ${((temporalAt - pgAt) / 1000).toFixed(1)} s, ` +
        `migrations and setup ${((setupAt - temporalAt) / 1000).toFixed(1)} s, Web UI, workers and APIs ${((Date.now() - setupAt) / 1000).toFixed(1)} s)`,
    );
    return {
      postgres,
      temporal,
      ui,
      databaseUrl: postgres.url,
      temporalAddress: temporal.address,
      namespace,
      setup,
      setupLog: setupLines,
      workers,
      apis,
      childEnv,
      restartWorker: startWorker,
      restartApi: startApi,
      startMs: Date.now() - started,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
