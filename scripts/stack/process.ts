/** Child processes of the local stack: captured output, prefixed lines, clean stop. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Settles when the process has exited (never rejects). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether the process has exited. */
  readonly hasExited: boolean;
  /** The last lines of its stdout and stderr (for error messages). */
  tail(lines?: number): string;
  /** Sends `signal` (default SIGTERM), waits up to `graceMs` (default 10 s), then SIGKILL. Idempotent. */
  stop(opts?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<void>;
}

export interface SpawnManagedOptions extends Pick<SpawnOptions, 'cwd' | 'env' | 'uid' | 'gid'> {
  /** Called for each output line (stdout and stderr); default: drop (the tail is kept anyway). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Lines kept for tail(); default 80. */
  keepLines?: number;
  /**
   * Signal sent if this Node process exits while the child still runs (uncaught error, process.exit):
   * children live in their own process group (so Ctrl-C reaches only us and we stop them in order),
   * hence nobody else would stop them. Default SIGTERM.
   */
  signalOnExit?: NodeJS.Signals;
}

const live = new Set<ManagedProcess & { signalOnExit: NodeJS.Signals }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const p of live) {
      try {
        process.kill(p.pid, p.signalOnExit);
      } catch {
        // already gone
      }
    }
  });
}

export function spawnManaged(
  name: string,
  command: string,
  args: readonly string[],
  opts: SpawnManagedOptions = {},
): ManagedProcess {
  const keep = opts.keepLines ?? 80;
  const lines: string[] = [];
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: { ...(opts.env ?? process.env), [SUPERVISOR_ENV]: String(process.pid) },
    uid: opts.uid,
    gid: opts.gid,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let exitedFlag = false;
  let spawnError: Error | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (err) => {
      // spawn failure (ENOENT, EACCES): no 'exit' follows
      spawnError = err;
      lines.push(`[${name}] could not start ${command}: ${err.message}`);
      exitedFlag = true;
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      exitedFlag = true;
      resolve({ code, signal });
    });
  });
  for (const [stream, src] of [
    ['stdout', child.stdout],
    ['stderr', child.stderr],
  ] as const) {
    if (!src) continue;
    const rl = readline.createInterface({ input: src, crlfDelay: Infinity });
    rl.on('line', (line) => {
      lines.push(line);
      if (lines.length > keep) lines.shift();
      opts.onLine?.(line, stream);
    });
  }

  let stopping: Promise<void> | undefined;
  const managed: ManagedProcess & { signalOnExit: NodeJS.Signals } = {
    name,
    child,
    pid: child.pid ?? -1,
    exited,
    signalOnExit: opts.signalOnExit ?? 'SIGTERM',
    get hasExited() {
      return exitedFlag;
    },
    tail(n = 30) {
      return lines.slice(-n).join('\n');
    },
    stop({ signal = 'SIGTERM', graceMs = 10_000 } = {}) {
      stopping ??= (async () => {
        if (exitedFlag || spawnError) return;
        try {
          child.kill(signal);
        } catch {
          // gone
        }
        const timer = setTimeout(() => {
          if (!exitedFlag) {
            console.error(`${name} did not stop within ${graceMs} ms after ${signal}; killing it`);
            child.kill('SIGKILL');
          }
        }, graceMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
  if (child.pid !== undefined) {
    live.add(managed);
    installExitHook();
    void exited.then(() => live.delete(managed));
  }
  return managed;
}

/** Formats the last output lines of a process for an error message. */
export function withTail(message: string, p: ManagedProcess, lines = 30): string {
  const tail = p.tail(lines);
  return tail ? `${message}\n--- last output of ${p.name} ---\n${tail}\n---` : `${message} (${p.name} printed nothing)`;
}

/** Whether `pid` runs (a zombie, exited but not yet reaped by its parent, does not count). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) said it exists
  }
}

/** Command line and parent pid of `pid` (Linux /proc; undefined elsewhere or when gone). */
export function processInfo(pid: number): { cmdline: string; ppid: number } | undefined {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ..." — comm may hold spaces and parentheses
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return { cmdline, ppid };
  } catch {
    return undefined;
  }
}

/** Set in the environment of every process we start: the pid of the Node process that supervises it. */
export const SUPERVISOR_ENV = 'COMPLAINT_DESK_SUPERVISOR';

/**
 * Whether `pid` was started by one of our scripts (spawnManaged marks it with SUPERVISOR_ENV) whose
 * Node process is gone (e.g. `npm start` killed with SIGKILL), so nobody will stop it. Processes we
 * did not start (no mark, or an environment we cannot read) are never orphans. Linux only.
 */
export function isOrphan(pid: number): boolean {
  let environ: string;
  try {
    environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return false;
  }
  const mark = environ.split('\0').find((kv) => kv.startsWith(`${SUPERVISOR_ENV}=`));
  if (!mark) return false;
  const supervisor = Number(mark.slice(SUPERVISOR_ENV.length + 1));
  const info = processInfo(pid);
  if (!info) return false;
  return info.ppid !== supervisor || !pidAlive(supervisor);
}

/** Pids of orphaned processes (see isOrphan) whose command line satisfies `match`. Linux only. */
export function findOrphans(match: (cmdline: string) => boolean): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const info = processInfo(pid);
    if (info && match(info.cmdline) && isOrphan(pid)) found.push(pid);
  }
  return found;
}

/** Sends `signal` to `pid` and waits until it is gone (SIGKILL after `graceMs`). */
export async function terminatePid(pid: number, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
  const alive = () => pidAlive(pid);
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return;
    }
    while (alive()) await new Promise((r) => setTimeout(r, 100));
  }
}
