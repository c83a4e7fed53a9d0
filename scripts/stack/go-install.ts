/**
 * Building a Go tool once into the tools cache (the Temporal CLI, server, SQL tool and UI server):
 * finding `go`, and `go install` with its progress and the tail of its output when it fails.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { which } from './cache.js';

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function findGo(): string | undefined {
  return which('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/**
 * `go install <pkg>@<version>` into `gobin`. `lowPriority` (nice 15, where there is `nice`): a build
 * of minutes that should not starve what else runs on a small machine; not for a build that what
 * runs next waits for (the CLI, before the tests or the local stack can start).
 */
export async function goInstall(go: string, pkg: string, gobin: string, what: string, lowPriority = true): Promise<void> {
  const started = Date.now();
  const nice = lowPriority ? which('nice') : undefined;
  const [cmd, args] = nice ? [nice, ['-n', '15', go, 'install', pkg]] : [go, ['install', pkg]];
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, GOBIN: gobin, GOFLAGS: [process.env.GOFLAGS, '-mod=mod'].filter(Boolean).join(' ') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const progress = setInterval(() => {
      console.error(`  … still building ${what} (${Math.round((Date.now() - started) / 1000)} s)`);
    }, 30_000);
    for (const s of [child.stdout, child.stderr]) {
      s.on('data', (chunk: Buffer) => {
        output.push(chunk.toString());
        if (output.length > 400) output.shift();
      });
    }
    child.once('error', (err) => {
      clearInterval(progress);
      reject(err);
    });
    child.once('exit', (c) => {
      clearInterval(progress);
      resolve(c);
    });
  });
  if (code !== 0) {
    const tail = output.join('').split('\n').slice(-25).join('\n');
    throw new Error(`go install ${pkg} failed (exit ${code}):\n${tail}`);
  }
  console.error(`built ${what} in ${Math.round((Date.now() - started) / 1000)} s`);
}

