/**
 * The Temporal server itself (not the dev server): the production layout on PostgreSQL, for `npm run
 * cluster`, `npm run soak -- --cluster`, `npm run bench -- --cluster` and test/cluster.
 *
 *   build      `go install go.temporal.io/server/cmd/server@v1.29.1` and `.../cmd/tools/sql@v1.29.1`
 *              into the tools cache once (${XDG_CACHE_HOME:-~/.cache}/complaints/temporal-server-1.29.1/),
 *              with the SQL schemas (`schema/postgresql/v12/{temporal,visibility}/versioned`), which
 *              `go install` does not install, copied from the Go module cache beside them
 *   databases  `temporal` and `temporal_visibility` on the given PostgreSQL; schemas set up
 *              (`setup-schema -v 0.0` once) and brought up to date (`update-schema -d <versioned>`)
 *              with the SQL tool, plugin postgres12; safe to run again
 *   config     <dataDir>/config/production.yaml: postgres12 for the default and the visibility stores
 *              (SQL visibility), every service in one process on 127.0.0.1 ports of its own, Prometheus
 *              metrics, a dynamic config file
 *   run        `server --root / --config <dir> --env production --allow-no-auth start`, as a child
 *              process; ready when the frontend's gRPC health check answers SERVING
 *
 * The Web UI is not part of the server: ensureTemporalUiServer() builds the UI server
 * (github.com/temporalio/ui-server, the one the CLI carries) the same way, and startTemporalUiServer()
 * runs it against the frontend.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { cacheRoot, withCacheLock } from './cache.js';
import { findGo, goInstall, isExecutable } from './go-install.js';
import { assertPortFree, freePorts, isPortFree } from './ports.js';
import { spawnManaged, withTail, type ManagedProcess } from './process.js';

export const TEMPORAL_SERVER_VERSION = '1.29.1';
/** The UI server the CLI 1.5.1 carries (the dev server's Web UI). */
export const TEMPORAL_UI_VERSION = '2.42.1';

export interface TemporalServerTools {
  /** The cache folder: `server`, `temporal-sql-tool`, `schema/`. */
  dir: string;
  server: string;
  sqlTool: string;
  /** …/schema/postgresql/v12 (holding temporal/versioned and visibility/versioned). */
  schemaDir: string;
}


function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code: unknown = err ? (err as { code?: unknown }).code : 0;
      resolve({ code: typeof code === 'number' ? code : 1, output: `${stdout}${stderr}` });
    });
  });
}

/** Where the Go module cache holds `module@version` (downloaded by the go install before). */
async function moduleDir(go: string, mod: string): Promise<string> {
  const { code, output } = await run(go, ['mod', 'download', '-json', mod], { ...process.env, GOFLAGS: '-mod=mod' });
  if (code === 0) {
    try {
      const dir = (JSON.parse(output) as { Dir?: string }).Dir;
      if (dir && fs.existsSync(dir)) return dir;
    } catch {
      // not JSON: fall through
    }
  }
  const cache = (await run(go, ['env', 'GOMODCACHE'])).output.trim();
  const dir = path.join(cache, mod);
  if (!fs.existsSync(dir)) throw new Error(`${mod} is not in the Go module cache (${dir}); go mod download said:\n${output.slice(-2000)}`);
  return dir;
}

function makeWritable(target: string): void {
  const st = fs.lstatSync(target);
  if (st.isSymbolicLink()) return;
  fs.chmodSync(target, (st.mode & 0o777) | 0o200 | (st.isDirectory() ? 0o755 : 0o644));
  if (st.isDirectory()) for (const e of fs.readdirSync(target)) makeWritable(path.join(target, e));
}

/**
 * The Temporal server and its SQL tool, from the tools cache; built with `go install` the first time
 * (about 6 minutes on 2 busy cores; seconds for the SQL tool after it), with the SQL schemas copied
 * from the Go module cache.
 */
export async function ensureTemporalServer(): Promise<TemporalServerTools> {
  const dir = path.join(cacheRoot(), `temporal-server-${TEMPORAL_SERVER_VERSION}`);
  const tools: TemporalServerTools = {
    dir,
    server: path.join(dir, 'server'),
    sqlTool: path.join(dir, 'temporal-sql-tool'),
    schemaDir: path.join(dir, 'schema', 'postgresql', 'v12'),
  };
  const complete = () =>
    isExecutable(tools.server) &&
    isExecutable(tools.sqlTool) &&
    fs.existsSync(path.join(tools.schemaDir, 'temporal', 'versioned')) &&
    fs.existsSync(path.join(tools.schemaDir, 'visibility', 'versioned'));
  if (complete()) return tools;

  return await withCacheLock(`${dir}.lock`, `building the Temporal server ${TEMPORAL_SERVER_VERSION}`, async () => {
    if (complete()) return tools; // built by the process we waited for
    const go = findGo();
    if (!go) {
      throw new Error(
        `The Temporal server is built from Go modules once into ${dir}, and Go is not installed. Install Go ` +
          `(https://go.dev/dl/), or build it elsewhere: GOBIN=${dir} go install go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION} ` +
          `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}, then rename sql to temporal-sql-tool and copy ` +
          `schema/postgresql/v12 from the module beside them.`,
      );
    }
    console.error(`building the Temporal server ${TEMPORAL_SERVER_VERSION} once, ~6 min on 2 cores (go install, into ${dir})`);
    const started = Date.now();
    const tmp = fs.mkdtempSync(`${dir}.build-`);
    fs.chmodSync(tmp, 0o755); // mkdtemp makes it 0700
    try {
      await goInstall(go, `go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`, tmp, `the Temporal server ${TEMPORAL_SERVER_VERSION}`);
      await goInstall(go, `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`, tmp, `the Temporal SQL tool ${TEMPORAL_SERVER_VERSION}`);
      fs.renameSync(path.join(tmp, 'sql'), path.join(tmp, 'temporal-sql-tool'));
      const mod = await moduleDir(go, `go.temporal.io/server@v${TEMPORAL_SERVER_VERSION}`);
      const schemaTarget = path.join(tmp, 'schema', 'postgresql', 'v12');
      for (const store of ['temporal', 'visibility']) {
        fs.cpSync(path.join(mod, 'schema', 'postgresql', 'v12', store), path.join(schemaTarget, store), { recursive: true });
      }
      makeWritable(path.join(tmp, 'schema')); // the module cache's files are read-only
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(tmp, dir);
      console.error(`the Temporal server ${TEMPORAL_SERVER_VERSION} is in ${dir} (${Math.round((Date.now() - started) / 1000)} s)`);
      return tools;
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
}

/** The Temporal UI server (the Web UI), from the tools cache; built with `go install` the first time. */
export async function ensureTemporalUiServer(): Promise<string> {
  const dir = path.join(cacheRoot(), `temporal-ui-server-${TEMPORAL_UI_VERSION}`);
  const exe = path.join(dir, 'ui-server');
  if (isExecutable(exe)) return exe;
  return await withCacheLock(`${dir}.lock`, `building the Temporal UI server ${TEMPORAL_UI_VERSION}`, async () => {
    if (isExecutable(exe)) return exe;
    const go = findGo();
    if (!go) throw new Error(`The Temporal Web UI is built from Go modules once into ${dir}, and Go is not installed.`);
    const tmp = fs.mkdtempSync(`${dir}.build-`);
    fs.chmodSync(tmp, 0o755); // mkdtemp makes it 0700
    try {
      await goInstall(go, `github.com/temporalio/ui-server/v2/cmd/server@v${TEMPORAL_UI_VERSION}`, tmp, `the Temporal UI server ${TEMPORAL_UI_VERSION}`);
      fs.renameSync(path.join(tmp, 'server'), path.join(tmp, 'ui-server'));
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(tmp, dir);
      return exe;
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
}

// ---- Databases and schemas -----------------------------------------------------------------------

export interface SqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** host, port, user and password of a postgres:// URL. */
export function sqlTargetOf(url: string): SqlTarget {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || 'postgres'),
    password: decodeURIComponent(u.password),
  };
}

function pgUrl(t: SqlTarget, database: string): string {
  return `postgres://${encodeURIComponent(t.user)}:${encodeURIComponent(t.password)}@${t.host}:${t.port}/${encodeURIComponent(database)}`;
}

export const TEMPORAL_DATABASES = { default: 'temporal', visibility: 'temporal_visibility' } as const;

/**
 * Creates the `temporal` and `temporal_visibility` databases when missing, sets their schemas up
 * once (`setup-schema -v 0.0`: only where there is no schema_version table, since it would reset the
 * version) and updates them to the schemas of this server version (`update-schema`, which does nothing
 * when they are current). Returns what it did, one line per step.
 */
export async function setUpTemporalDatabases(tools: TemporalServerTools, target: SqlTarget): Promise<string[]> {
  const done: string[] = [];
  const admin = new pg.Client({ connectionString: pgUrl(target, 'postgres') });
  await admin.connect();
  try {
    for (const db of Object.values(TEMPORAL_DATABASES)) {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
      if (!rowCount) {
        await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(db)}`);
        done.push(`created database ${db}`);
      }
    }
  } finally {
    await admin.end();
  }
  const env = {
    ...process.env,
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: target.host,
    SQL_PORT: String(target.port),
    SQL_USER: target.user,
    SQL_PASSWORD: target.password, // in the environment, not on the command line (ps shows that)
  };
  for (const [store, db] of [
    ['temporal', TEMPORAL_DATABASES.default],
    ['visibility', TEMPORAL_DATABASES.visibility],
  ] as const) {
    const client = new pg.Client({ connectionString: pgUrl(target, db) });
    await client.connect();
    let hasVersion: boolean;
    let before = '';
    try {
      hasVersion = !!(await client.query(`SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = 'schema_version'`)).rowCount;
      if (hasVersion) before = (await client.query('SELECT curr_version FROM schema_version LIMIT 1')).rows[0]?.curr_version ?? '';
    } finally {
      await client.end();
    }
    const tool = async (args: string[]) => {
      const { code, output } = await run(tools.sqlTool, ['--database', db, ...args], env, 300_000);
      if (code !== 0) throw new Error(`temporal-sql-tool --database ${db} ${args.join(' ')} failed (exit ${code}):\n${output.slice(-3000)}`);
    };
    if (!hasVersion) {
      await tool(['setup-schema', '-v', '0.0']);
      done.push(`set up the schema of ${db}`);
    }
    await tool(['update-schema', '-d', path.join(tools.schemaDir, store, 'versioned')]);
    const check = new pg.Client({ connectionString: pgUrl(target, db) });
    await check.connect();
    try {
      const after = (await check.query('SELECT curr_version FROM schema_version LIMIT 1')).rows[0]?.curr_version ?? '?';
      if (after !== before) done.push(`${db} schema ${before || 'new'} → ${after}`);
    } finally {
      await check.end();
    }
  }
  return done;
}

// ---- The server --------------------------------------------------------------------------------

export interface TemporalServerOptions {
  /** Folder for the config (and nothing else: the state is in PostgreSQL). Reused across restarts. */
  dataDir: string;
  /** PostgreSQL holding (or to hold) the `temporal` and `temporal_visibility` databases. */
  postgres: SqlTarget;
  /** Frontend gRPC port (the address clients use); a free one when absent. */
  port?: number;
  /** Prometheus metrics port (http://127.0.0.1:<port>/metrics); a free one when absent. */
  metricsPort?: number;
  /** History shards, fixed when the databases are first set up (default 4: one small machine). */
  numHistoryShards?: number;
  /** Server log level (default warn). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Receives each output line of the server (default: dropped; the last lines appear in errors). */
  onLine?: (line: string) => void;
  /** How long to wait for SERVING (default 90 s). */
  startTimeoutMs?: number;
}

export interface TemporalServer {
  /** host:port of the frontend */
  address: string;
  metricsUrl: string;
  configDir: string;
  process: ManagedProcess;
  /** SIGTERM (the server drains and stops), SIGKILL after 30 s; idempotent. */
  stop(): Promise<void>;
}

/** Dynamic config of the local cluster: what the dev server gets from its launcher, plus quick namespace caches. */
const DYNAMIC_CONFIG = `# Written by scripts/stack/temporal-server.ts (npm run cluster); rewritten at every start.
# An activity scheduled by a workflow task goes back to the worker in the task's completion answer.
system.enableActivityEagerExecution:
  - value: true
frontend.enableUpdateWorkflowExecution:
  - value: true
frontend.enableUpdateWorkflowExecutionAsyncAccepted:
  - value: true
# A namespace or search attribute registered by npm run setup is seen by every service within a second.
system.namespaceCacheRefreshInterval:
  - value: 1s
`;

interface Ports {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  metrics: number;
}

function configYaml(o: { postgres: SqlTarget; ports: Ports; shards: number; logLevel: string; dynamicConfigFile: string }): string {
  const q = (s: string) => JSON.stringify(s); // a JSON string is a YAML string
  const store = (db: string, maxConns: number) => `      sql:
        pluginName: "postgres12"
        databaseName: ${q(db)}
        connectAddr: ${q(`${o.postgres.host}:${o.postgres.port}`)}
        connectProtocol: "tcp"
        user: ${q(o.postgres.user)}
        password: ${q(o.postgres.password)}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
  const service = (grpc: number, membership: number, http?: number) => `    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true${http ? `\n      httpPort: ${http}` : ''}`;
  return `# Written by scripts/stack/temporal-server.ts (npm run cluster); rewritten at every start.
log:
  stdout: true
  level: ${o.logLevel}

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: ${o.shards}
  datastores:
    postgres-default:
${store(TEMPORAL_DATABASES.default, 20)}
    postgres-visibility:
${store(TEMPORAL_DATABASES.visibility, 4)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
  metrics:
    prometheus:
      framework: "tally"
      timerType: "histogram"
      listenAddress: "127.0.0.1:${o.ports.metrics}"

services:
  frontend:
${service(o.ports.frontend, o.ports.frontendMembership, o.ports.frontendHttp)}
  history:
${service(o.ports.history, o.ports.historyMembership)}
  matching:
${service(o.ports.matching, o.ports.matchingMembership)}
  worker:
${service(o.ports.worker, o.ports.workerMembership)}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${o.ports.frontend}"

dcRedirectionPolicy:
  policy: "noop"

dynamicConfigClient:
  filepath: ${q(o.dynamicConfigFile)}
  pollInterval: "10s"
`;
}

/** Whether the frontend at `address` answers its gRPC health check with SERVING. */
export async function frontendServing(address: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 2_000 });
    const res = await connection.withDeadline(Date.now() + 3_000, () =>
      connection!.healthService.check({ service: 'temporal.api.workflowservice.v1.WorkflowService' }),
    );
    return res.status === 1; // SERVING
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/**
 * The Temporal server on PostgreSQL: databases and schemas set up (or updated), a config written, the
 * server started and healthy. Start it again with the same `port` (and dataDir) to restart it.
 */
export async function startTemporalServer(options: TemporalServerOptions): Promise<TemporalServer> {
  const tools = await ensureTemporalServer();
  const dataDir = path.resolve(options.dataDir);
  const configDir = path.join(dataDir, 'config');
  fs.mkdirSync(configDir, { recursive: true });

  // The frontend's port is the address clients keep (the soak restarts the server on the same one); the
  // services' internal ports are picked afresh at every start (membership rows of a former run expire).
  const free = (await freePorts(12)).filter((p) => p !== options.port && p !== options.metricsPort);
  // Membership ports are kept in a smallint column (cluster_membership.rpc_port): below 32768, which the
  // OS's ephemeral ports (freePorts) are not.
  const membership: number[] = [];
  while (membership.length < 4) {
    const p = 20_000 + Math.floor(Math.random() * 12_000);
    if (!membership.includes(p) && p !== options.port && (await isPortFree(p))) membership.push(p);
  }
  const ports: Ports = {
    frontend: options.port ?? free[0]!,
    frontendHttp: free[1]!,
    frontendMembership: membership[0]!,
    history: free[3]!,
    historyMembership: membership[1]!,
    matching: free[5]!,
    matchingMembership: membership[2]!,
    worker: free[7]!,
    workerMembership: membership[3]!,
    metrics: options.metricsPort ?? free[9]!,
  };
  await assertPortFree(ports.frontend, 'the Temporal server (frontend)');

  await setUpTemporalDatabases(tools, options.postgres);

  const dynamicConfigFile = path.join(configDir, 'dynamic.yaml');
  fs.writeFileSync(dynamicConfigFile, DYNAMIC_CONFIG);
  fs.writeFileSync(
    path.join(configDir, 'production.yaml'),
    configYaml({ postgres: options.postgres, ports, shards: options.numHistoryShards ?? 4, logLevel: options.logLevel ?? 'warn', dynamicConfigFile }),
    { mode: 0o600 }, // it holds the database password
  );

  const args = ['--root', '/', '--config', configDir, '--env', 'production', '--allow-no-auth', 'start'];
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('TEMPORAL_')) delete env[key];
  const server = spawnManaged('temporal-server', tools.server, args, { cwd: dataDir, env, onLine: options.onLine, keepLines: 120 });
  const address = `127.0.0.1:${ports.frontend}`;
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.hasExited) {
      const { code, signal } = await server.exited;
      throw new Error(withTail(`The Temporal server exited while starting (exit ${code ?? signal}); command: ${tools.server} ${args.join(' ')}`, server));
    }
    if (await frontendServing(address)) break;
    if (Date.now() > deadline) {
      await server.stop({ graceMs: 5_000 });
      throw new Error(withTail(`The Temporal server did not report SERVING on ${address} within ${timeoutMs / 1000} s`, server));
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    address,
    metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
    configDir,
    process: server,
    stop: () => server.stop({ signal: 'SIGTERM', graceMs: 30_000 }),
  };
}

// ---- The Web UI ----------------------------------------------------------------------------------

export interface TemporalUiServerOptions {
  /** host:port of the frontend. */
  temporalAddress: string;
  port: number;
  /** Folder for its config file. */
  dataDir: string;
  /** Codec server the UI sends payloads to (the API's /codec). */
  codecEndpoint?: string;
  onLine?: (line: string) => void;
}

/** The Temporal Web UI against the frontend, on 127.0.0.1:<port>; ready when its page answers. */
export async function startTemporalUiServer(o: TemporalUiServerOptions): Promise<{ url: string; process: ManagedProcess; stop(): Promise<void> }> {
  const exe = await ensureTemporalUiServer();
  await assertPortFree(o.port, 'the Temporal Web UI');
  const dir = path.resolve(o.dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const url = `http://localhost:${o.port}`;
  const yaml = [
    '# Written by scripts/stack/temporal-server.ts (npm run cluster); rewritten at every start.',
    `temporalGrpcAddress: ${JSON.stringify(o.temporalAddress)}`,
    'host: "127.0.0.1"',
    `port: ${o.port}`,
    `publicPath: ""`,
    'enableUi: true',
    'defaultNamespace: "default"',
    'cors:',
    `  allowOrigins: [${JSON.stringify(url)}, ${JSON.stringify(`http://127.0.0.1:${o.port}`)}]`,
    // includeCredentials at the cluster level: the codec endpoint signs the browser in with a cookie
    // (/codec-session), and UI 2.42.1 ignores the browser's own "Include cross-origin credentials"
    // switch while the cluster-level setting is false.
    // Not signed in, the UI's codec banner says so and links to the sign-in page, instead of its
    // own "could not connect", which reads like an outage.
    ...(o.codecEndpoint
      ? [
          'codec:',
          `  endpoint: ${JSON.stringify(o.codecEndpoint)}`,
          '  passAccessToken: false',
          '  includeCredentials: true',
          `  defaultErrorMessage: ${JSON.stringify('Sign in to decode complaint data (supervisors, QA, admins)')}`,
          `  defaultErrorLink: ${JSON.stringify(o.codecEndpoint.replace(/\/codec$/, '') + '/codec-session')}`,
        ]
      : []),
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'production.yaml'), yaml);
  const proc = spawnManaged('temporal-ui', exe, ['--root', '/', '--config', dir, '--env', 'production', 'start'], { cwd: dir, onLine: o.onLine });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.hasExited) throw new Error(withTail('The Temporal Web UI exited while starting', proc));
    const ok = await fetch(`http://127.0.0.1:${o.port}/`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await proc.stop({ graceMs: 2_000 });
      throw new Error(withTail(`The Temporal Web UI did not answer on port ${o.port} within 30 s`, proc));
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, process: proc, stop: () => proc.stop({ signal: 'SIGTERM', graceMs: 10_000 }) };
}
