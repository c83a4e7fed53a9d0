/**
 * `npm run cluster`: the production layout on this machine, for operators to try.
 *
 *   PostgreSQL  embedded, data in .data/cluster/postgres, port CLUSTER_PG_PORT (5434)
 *   Temporal    the Temporal server 1.29.1 (not the dev server), built into the tools cache once
 *               (about 6-8 minutes the first time), on that PostgreSQL (databases temporal and
 *               temporal_visibility, SQL visibility), frontend 127.0.0.1:CLUSTER_TEMPORAL_PORT (7333)
 *   migrations  db/migrate.ts
 *   setup       npm run setup: namespace TEMPORAL_NAMESPACE (default), the search attributes
 *   workers     CLUSTER_WORKERS (2) × worker/main.ts (npm run worker)
 *   APIs        CLUSTER_APIS (2) × api/main.ts (npm run api), ports CLUSTER_API_PORTS (3001,3002)
 *   Web UI      the Temporal UI server 2.42.1 on CLUSTER_UI_PORT (8333; `off` for none), decoding
 *               payloads through the first API's /codec
 *
 * Payloads are encrypted with the key in .data/cluster/payload-key (made at the first start) unless
 * PAYLOAD_KEYS or PAYLOAD_KEY_FILE is set. It prints what it started (addresses and pids) and demo
 * sign-in tokens, as npm start does.
 *
 * A worker or an API that dies (kill one to see the others carry on) is reported and not restarted;
 * Temporal, PostgreSQL or the Web UI dying stops everything (exit 1). Ctrl-C, SIGTERM or SIGHUP —
 * and npm itself going away — stop the APIs, the workers, the Web UI, Temporal and PostgreSQL in
 * that order (exit 0); a second signal kills what is left. CLUSTER_DIR moves the data folder.
 */
import path from 'node:path';
import { issueDemoTokens } from './stack/demo-users.js';
import { repoRoot } from './stack/cache.js';
import { startCluster, type Cluster } from './stack/cluster.js';
import { findOrphans, terminatePid } from './stack/process.js';

const say = (line: string) => console.log(`[cluster] ${line}`);
const warn = (line: string) => console.error(`[cluster] ${line}`);

function portEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`${name}=${raw} is not a port number`);
  return n;
}
function countEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new Error(`${name}=${raw} is not a count from 1 to 16`);
  return n;
}
function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = path.resolve(process.env.CLUSTER_DIR || path.join(repoRoot, '.data', 'cluster'));
  const workers = countEnv('CLUSTER_WORKERS', 2);
  const apis = countEnv('CLUSTER_APIS', 2);
  const apiPorts = (process.env.CLUSTER_API_PORTS || Array.from({ length: apis }, (_, i) => 3001 + i).join(','))
    .split(',')
    .map((p) => portEnv('CLUSTER_API_PORTS', Number(p.trim())));
  const uiSetting = process.env.CLUSTER_UI_PORT;
  const uiPort = uiSetting === 'off' ? false : portEnv('CLUSTER_UI_PORT', 8333);

  let cluster: Cluster | undefined;
  let shuttingDown: Promise<void> | undefined;
  let signals = 0;
  const shutdown = (why: string, code: number) => {
    shuttingDown ??= (async () => {
      say(`${why}; stopping the APIs, the workers${cluster?.ui ? ', the Web UI' : ''}, Temporal and PostgreSQL`);
      try {
        await cluster?.stop();
        say('stopped');
      } catch (err) {
        warn(`stopping: ${(err as Error).message}`);
        code ||= 1;
      }
      process.exit(code);
    })();
    return shuttingDown;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      warn(`${signal} again: killing what is left`);
      process.exit(130); // the exit hook of scripts/stack/process.ts signals every child still running
    }
    void shutdown(`${signal} received`, 0);
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);
  // npm (or whatever started us) gone without a signal to us: we are reparented; stop too.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown(`the parent process (pid ${parent}) is gone`, 0);
  }, 1_000).unref();

  try {
    // What a run killed outright (SIGKILL) left behind, nobody to stop it: stop it first.
    for (const [what, marker] of [
      ['API', path.join(repoRoot, 'api', 'main.ts')],
      ['worker', path.join(repoRoot, 'worker', 'main.ts')],
      ['Web UI', path.join(dataDir, 'ui')],
      ['Temporal server', path.join(dataDir, 'temporal', 'config')],
    ] as const) {
      for (const pid of findOrphans((cmd) => cmd.includes(marker))) {
        warn(`stopping the ${what} (pid ${pid}) left running by an earlier run`);
        await terminatePid(pid, 'SIGTERM', 15_000);
      }
    }

    cluster = await startCluster({
      dataDir,
      workers,
      apis,
      apiPorts,
      pgPort: portEnv('CLUSTER_PG_PORT', 5434),
      temporalPort: portEnv('CLUSTER_TEMPORAL_PORT', 7333),
      uiPort,
      namespace: process.env.TEMPORAL_NAMESPACE || 'default',
      log: (m) => say(m),
      onLine: (name, line, stream) => {
        if (shuttingDown) return;
        // The Web UI logs every request and a banner: only its errors are shown.
        if (name === 'temporal-ui' && !/"level":"(error|fatal)"|panic|error:/i.test(line)) return;
        // The server's own log is JSON at warn level: shown; the workers' and APIs' lines are prefixed.
        (stream === 'stdout' ? process.stdout : process.stderr).write(`[${name}] ${line}\n`);
      },
    });
    const c = cluster;
    if (shuttingDown) return;

    // Servers going away take everything down; a worker or an API going away is reported.
    for (const [name, proc] of [
      ['PostgreSQL', c.postgres.process],
      ['Temporal', c.temporal.process],
      ...(c.ui ? [['the Web UI', c.ui.process] as const] : []),
    ] as const) {
      void proc.exited.then(({ code, signal }) => {
        if (!shuttingDown) void shutdown(`${name} exited on its own (${signal ?? `exit code ${code}`})`, 1);
      });
    }
    for (const proc of [...c.workers, ...c.apis.map((a) => a.process)]) {
      void proc.exited.then(({ code, signal }) => {
        if (shuttingDown) return;
        const left = [...c.workers, ...c.apis.map((a) => a.process)].filter((p) => !p.hasExited).map((p) => p.name);
        warn(`${proc.name} (pid ${proc.pid}) exited (${signal ?? `exit code ${code}`}); still running: ${left.join(', ') || 'none'}. Nothing restarts by itself.`);
      });
    }

    const tokens = await issueDemoTokens(c.databaseUrl);
    const rows: Array<[string, string]> = [
      ...c.apis.map((a): [string, string] => [`API ${a.name}`, `http://localhost:${a.port}  (pid ${a.process.pid}; /healthz, /docs)`]),
      ...c.workers.map((w): [string, string] => [`worker ${w.name}`, `pid ${w.pid}`]),
      ['Temporal server', `${c.temporalAddress}  (pid ${c.temporal.process.pid}; namespace ${c.namespace}; 1.29.1 on PostgreSQL, SQL visibility)`],
      ['Temporal metrics', c.temporal.metricsUrl],
      ...(c.ui ? [['Temporal Web UI', `${c.ui.url}  (pid ${c.ui.process.pid}; codec http://localhost:${c.apis[0]!.port}/codec)`] as [string, string]] : []),
      ['PostgreSQL', `${redact(c.databaseUrl)}  (pid ${c.postgres.process.pid}; Temporal's databases temporal, temporal_visibility)`],
      ['data', dataDir],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    console.log(
      [
        '',
        `Complaint desk, production layout, is up (${((Date.now() - started) / 1000).toFixed(1)} s):`,
        ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
        '',
        'Setup (npm run setup):',
        ...c.setupLog.map((l) => `  ${l}`),
        '',
        'Demo sign-in, LOCAL ONLY (new tokens at every start; send as Authorization: Bearer <token>):',
        ...tokens.map((t) => `  ${t.role.padEnd(10)} ${t.userId.padEnd(16)} ${t.token}`),
        '',
        'Either API serves every complaint (put a load balancer in front of them); kill a worker and the other carries on.',
        'Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
  } catch (err) {
    warn(`could not start: ${(err as Error).message}`);
    await shutdown('start failed', 1);
  }
}

await main();
