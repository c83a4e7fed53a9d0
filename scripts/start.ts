/**
 * `npm start`: the whole system on this machine, on embedded defaults.
 *
 *   PostgreSQL  embedded, data in .data/postgres, port PG_PORT (5433)      — unless DATABASE_URL is set
 *   migrations  db/migrate.ts migrateToLatest
 *   Temporal    dev server, state in .data/temporal.sqlite, gRPC TEMPORAL_PORT (7233),
 *               Web UI TEMPORAL_UI_PORT (8233)                              — unless TEMPORAL_ADDRESS is set
 *   worker      node --import tsx worker/main.ts
 *   API         node --import tsx api/main.ts, port API_PORT (3000)
 *
 * Payloads are encrypted (workflows/wire/payload-codec.ts) with the key in .data/payload-key, generated at the
 * first start (mode 0600, ignored by git) and given to the worker and the API as PAYLOAD_KEY_FILE,
 * unless PAYLOAD_KEYS or PAYLOAD_KEY_FILE is set. The Web UI decodes them through the API's codec
 * endpoint, http://localhost:API_PORT/codec, for signed-in supervisors, QA and admins.
 *
 * Other settings: TEMPORAL_NAMESPACE (default `default`), TEMPORAL_UI_CODEC_ENDPOINT (codec server the
 * Web UI decodes payloads through; default the API's /codec, `none` for none), TEMPORAL_UI_ORIGIN
 * (the UI origin the codec endpoint answers; default the dev server's UI), TEMPORAL_UI_URL (printed
 * when TEMPORAL_ADDRESS is yours). Ctrl-C, SIGTERM or SIGHUP to this process, or its parent going
 * away (SIGTERM to npm, as `timeout` or a supervisor sends it, ends npm and the shell it runs us
 * with), stops the API, the worker, Temporal and PostgreSQL in that order and exits 0; a second
 * signal kills what is left. If the worker, the API or
 * a server dies on its own, everything is stopped and the exit code is 1. Nothing restarts by itself.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { migrateToLatest } from '../db/migrate.js';
import { loadPayloadKeys } from '../workflows/wire/payload-codec.js';
import { issueDemoTokens } from './stack/demo-users.js';
import { repoRoot } from './stack/cache.js';
import { assertPortFree } from './stack/ports.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './stack/postgres.js';
import { findOrphans, spawnManaged, terminatePid, type ManagedProcess } from './stack/process.js';
import { startTemporalDevServer, type TemporalDevServer } from './stack/temporal-dev-server.js';

const dataDir = path.join(repoRoot, '.data');

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`${name}=${raw} is not a port number`);
  return n;
}

const say = (line: string) => console.log(`[start] ${line}`);
const warn = (line: string) => console.error(`[start] ${line}`);

function prefixed(name: string) {
  return (line: string, stream: 'stdout' | 'stderr') => {
    (stream === 'stdout' ? process.stdout : process.stderr).write(`[${name}] ${line}\n`);
  };
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

async function waitForHealth(url: string, api: ManagedProcess, timeoutMs: number): Promise<'ok' | 'unhealthy' | 'exited'> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (api.hasExited) return 'exited';
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return 'ok';
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return 'unhealthy';
}

/**
 * The local stack's payload key: .data/payload-key, written once (0600) so that later starts read
 * the histories of earlier ones. Losing it makes the encrypted payloads in .data/temporal.sqlite
 * unreadable. The key itself is never printed.
 */
function localPayloadKeyFile(): string {
  const file = path.join(dataDir, 'payload-key');
  fs.mkdirSync(dataDir, { recursive: true });
  const id = `local-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
  try {
    fs.writeFileSync(
      file,
      `# Payload encryption key of the local stack (npm start). Keep it as long as .data/temporal.sqlite.\n${id}:${randomBytes(32).toString('base64')}\n`,
      { mode: 0o600, flag: 'wx' },
    );
    say(`generated the local payload encryption key in ${path.relative(repoRoot, file)}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  }
  return file;
}

/** Paths an API reference may live at; the ones that answer are printed. */
const REFERENCE_CANDIDATES = ['/docs', '/reference', '/openapi.json', '/doc'];

async function main(): Promise<void> {
  const started = Date.now();
  const namespace = process.env.TEMPORAL_NAMESPACE || 'default';
  const apiPort = intEnv('API_PORT', 3000);

  let postgres: EmbeddedPostgres | undefined;
  let temporal: TemporalDevServer | undefined;
  let worker: ManagedProcess | undefined;
  let api: ManagedProcess | undefined;

  let shuttingDown: Promise<void> | undefined;
  let forced = false;
  const shutdown = (why: string, exitCode: number): Promise<void> => {
    shuttingDown ??= (async () => {
      const steps = (
        [
          ['the API', api && (() => api!.stop({ signal: 'SIGTERM', graceMs: 15_000 }))], // it drains for up to 10 s (API_SHUTDOWN_GRACE_S)
          ['the worker', worker && (() => worker!.stop({ signal: 'SIGTERM', graceMs: 30_000 }))],
          ['Temporal', temporal?.stop],
          ['PostgreSQL', postgres?.stop],
        ] as [string, (() => Promise<void>) | undefined][]
      ).filter((s): s is [string, () => Promise<void>] => !!s[1]);
      say(steps.length ? `${why}; stopping ${steps.map(([n]) => n).join(', ')}` : why);
      for (const [name, stop] of steps) {
        try {
          await stop();
        } catch (err) {
          warn(`stopping ${name} failed: ${(err as Error).message}`);
          exitCode = exitCode || 1;
        }
      }
      say(`stopped${exitCode ? ` (exit ${exitCode})` : ''}`);
      process.exit(exitCode);
    })();
    return shuttingDown;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      if (forced) return;
      forced = true;
      warn(`${signal} again: killing what is left`);
      for (const p of [api, worker, temporal?.process, postgres?.process]) {
        if (p && !p.hasExited) p.child.kill('SIGKILL');
      }
      process.exit(130);
    }
    void shutdown(`${signal} received`, 0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  // SIGTERM to npm (`timeout`, a process supervisor) does not always reach us: npm passes it to the
  // shell it runs the script with, which dies of it without passing it on. Either way our parent goes
  // and we are reparented: stop everything then too, in the same order.
  const parent = process.ppid;
  if (parent > 1) {
    setInterval(() => {
      if (process.ppid !== parent) void shutdown(`the parent process (pid ${parent}: npm, or the shell npm runs us with) is gone`, 0);
    }, 500).unref();
  }

  /** A child that ends on its own takes everything down (nothing restarts by itself). */
  const watch = (name: string, p: ManagedProcess) => {
    void p.exited.then(({ code, signal }) => {
      if (shuttingDown) return;
      warn(`${name} exited on its own (${signal ? `signal ${signal}` : `exit code ${code}`})`);
      void shutdown(`${name} is gone`, 1);
    });
  };

  try {
    // Processes left running by an earlier `npm start` that was killed outright (SIGKILL): stop them,
    // they hold the ports and the data files. A live `npm start` is left alone (port checks report it).
    // (PostgreSQL's leftovers are found through its postmaster.pid, by startEmbeddedPostgres.)
    for (const [what, marker] of [
      ['API', path.join(repoRoot, 'api', 'main.ts')],
      ['worker', path.join(repoRoot, 'worker', 'main.ts')],
      ['Temporal dev server', path.join(dataDir, 'temporal.sqlite')],
    ]) {
      for (const pid of findOrphans((cmd) => cmd.includes(marker!))) {
        warn(`stopping the ${what} (pid ${pid}) left running by an earlier run`);
        await terminatePid(pid, 'SIGTERM', 15_000);
      }
    }

    // Check the ports of what we start ourselves before starting anything.
    await assertPortFree(apiPort, 'the API (set API_PORT to use another port)');

    // Payload encryption: the environment's keys, or the local stack's own; checked before anything starts.
    const payloadKeyEnv: NodeJS.ProcessEnv =
      process.env.PAYLOAD_KEYS || process.env.PAYLOAD_KEY_FILE ? {} : { PAYLOAD_KEY_FILE: localPayloadKeyFile() };
    loadPayloadKeys({ ...process.env, ...payloadKeyEnv });
    const codecEndpoint = process.env.TEMPORAL_UI_CODEC_ENDPOINT || `http://localhost:${apiPort}/codec`;

    let databaseUrl = process.env.DATABASE_URL;
    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    const pgPort = intEnv('PG_PORT', 5433);
    const temporalPort = intEnv('TEMPORAL_PORT', 7233);
    const uiPort = intEnv('TEMPORAL_UI_PORT', 8233);

    // PostgreSQL and Temporal do not depend on each other: start them side by side.
    const [pgResult, temporalResult] = await Promise.allSettled([
      databaseUrl
        ? Promise.resolve(undefined)
        : startEmbeddedPostgres({
            dataDir: path.join(dataDir, 'postgres'),
            port: pgPort,
            log: (m) => say(m),
          }).catch((err: Error) => {
            throw new Error(`${err.message}${/in use/.test(err.message) ? ' (set PG_PORT, or DATABASE_URL to use your own PostgreSQL)' : ''}`);
          }),
      temporalAddress
        ? Promise.resolve(undefined)
        : startTemporalDevServer({
            port: temporalPort,
            uiPort,
            dbFilename: path.join(dataDir, 'temporal.sqlite'),
            namespace,
            uiCodecEndpoint: codecEndpoint === 'none' ? undefined : codecEndpoint,
            // Its connection warnings while it stops are expected: not shown.
            onLine: (line) => {
              if (!shuttingDown) console.error(`[temporal] ${line}`);
            },
          }).catch((err: Error) => {
            throw new Error(
              `${err.message}${/in use/.test(err.message) ? ' (set TEMPORAL_PORT / TEMPORAL_UI_PORT, or TEMPORAL_ADDRESS to use your own Temporal)' : ''}`,
            );
          }),
    ]);
    if (pgResult.status === 'fulfilled') postgres = pgResult.value;
    if (temporalResult.status === 'fulfilled') temporal = temporalResult.value;
    const failures = [pgResult, temporalResult].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length) throw new Error(failures.map((f) => (f.reason as Error).message).join('\n'));

    if (postgres) {
      databaseUrl = postgres.url;
      say(`PostgreSQL ready (${Date.now() - started} ms): ${redact(postgres.url)}`);
      watch('PostgreSQL', postgres.process);
    }
    if (temporal) {
      temporalAddress = temporal.address;
      say(`Temporal dev server ready (${Date.now() - started} ms): ${temporal.address}`);
      watch('Temporal', temporal.process);
    }

    say('applying migrations');
    await migrateToLatest(databaseUrl!);
    // Sign-in on the local stack: a user per role with a fresh token, unless the database is yours.
    const demoTokens = process.env.DATABASE_URL ? [] : await issueDemoTokens(databaseUrl!);

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: namespace,
      PORT: String(apiPort),
      ...payloadKeyEnv,
    };
    // The codec endpoint answers the Web UI's origin (CORS): ours, unless told.
    const uiUrl = temporal?.uiUrl ?? process.env.TEMPORAL_UI_URL;
    if (!env.TEMPORAL_UI_ORIGIN && uiUrl && URL.canParse(uiUrl)) {
      const origin = new URL(uiUrl).origin;
      env.TEMPORAL_UI_ORIGIN = temporal?.uiUrl ? [origin, origin.replace('//localhost:', '//127.0.0.1:')].join(',') : origin;
    }
    const node = (script: string) => ['--import', 'tsx', path.join(repoRoot, script)];
    worker = spawnManaged('worker', process.execPath, node('worker/main.ts'), { cwd: repoRoot, env, onLine: prefixed('worker') });
    watch('worker', worker);
    api = spawnManaged('api', process.execPath, node('api/main.ts'), { cwd: repoRoot, env, onLine: prefixed('api') });
    watch('API', api);

    const apiUrl = `http://localhost:${apiPort}`;
    const health = await waitForHealth(`http://127.0.0.1:${apiPort}/healthz`, api, 60_000);
    if (shuttingDown) return;
    if (health === 'unhealthy') warn(`the API does not answer 200 on /healthz after 60 s; it keeps running`);

    const references: string[] = [];
    for (const p of REFERENCE_CANDIDATES) {
      const res = await fetch(`http://127.0.0.1:${apiPort}${p}`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
      if (res?.ok) references.push(`${apiUrl}${p}`);
    }

    const rows: [string, string][] = [
      ['API', apiUrl],
      ['API health', `${apiUrl}/healthz`],
      ...references.map((r): [string, string] => ['API reference', r]),
      ...((temporal?.uiUrl ?? process.env.TEMPORAL_UI_URL) ? [['Temporal Web UI', (temporal?.uiUrl ?? process.env.TEMPORAL_UI_URL)!] as [string, string]] : []),
      ...(temporal?.uiUrl && codecEndpoint !== 'none' ? [['Web UI codec', `${codecEndpoint} (supervisor, qa, admin)`] as [string, string]] : []),
      ['Temporal', `${temporalAddress} (namespace ${namespace})`],
      ['PostgreSQL', redact(databaseUrl!)],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    console.log(
      [
        '',
        `Complaint desk is up (${((Date.now() - started) / 1000).toFixed(1)} s):`,
        ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
        '',
        ...(demoTokens.length
          ? [
              'Demo sign-in, LOCAL ONLY (new tokens at every start; send as Authorization: Bearer <token>):',
              ...demoTokens.map((t) => `  ${t.role.padEnd(10)} ${t.userId.padEnd(16)} ${t.token}`),
            ]
          : ['Sign-in: create users and tokens with `npm run admin -- add-user <id> <role>` and `npm run admin -- issue-token <id>`.']),
        '',
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
