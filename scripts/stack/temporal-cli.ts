/**
 * The Temporal CLI (which carries the dev server): `temporal` on PATH if there is one, else a copy built
 * once from Go modules into the tools cache. Later CLI versions carry a `replace` directive that
 * `go install` refuses, hence 1.5.1 (Server 1.29.1, UI 2.42.1).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cacheRoot, which, withCacheLock } from './cache.js';

export const TEMPORAL_CLI_VERSION = '1.5.1';

/** Path of a runnable `temporal` binary; builds it with `go install` the first time (about 3 minutes). */
export async function ensureTemporalCli(): Promise<string> {
  const onPath = which('temporal');
  if (onPath) return onPath;

  const dir = path.join(cacheRoot(), `temporal-cli-${TEMPORAL_CLI_VERSION}`);
  const exe = path.join(dir, 'temporal');
  if (isExecutable(exe)) return exe;

  return await withCacheLock(`${dir}.lock`, `building the Temporal CLI ${TEMPORAL_CLI_VERSION}`, async () => {
    if (isExecutable(exe)) return exe; // built by the process we waited for
    const go = which('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
    if (!go) {
      throw new Error(
        `The Temporal CLI is needed: put \`temporal\` on PATH (https://docs.temporal.io/cli), ` +
          `or install Go so it can be built once into ${dir} ` +
          `(GOBIN=${dir} go install github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}).`,
      );
    }
    console.error(`building Temporal CLI ${TEMPORAL_CLI_VERSION} once, ~3 min (go install, into ${dir})`);
    const started = Date.now();
    const tmpBin = fs.mkdtempSync(`${dir}.build-`);
    try {
      const output: string[] = [];
      const code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(go, ['install', `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`], {
          env: { ...process.env, GOBIN: tmpBin, GOFLAGS: [process.env.GOFLAGS, '-mod=mod'].filter(Boolean).join(' ') },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const progress = setInterval(() => {
          console.error(`  … still building the Temporal CLI (${Math.round((Date.now() - started) / 1000)} s)`);
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
      const built = path.join(tmpBin, 'temporal');
      if (code !== 0 || !isExecutable(built)) {
        const tail = output.join('').split('\n').slice(-25).join('\n');
        throw new Error(`go install of the Temporal CLI ${TEMPORAL_CLI_VERSION} failed (exit ${code}):\n${tail}`);
      }
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(tmpBin, dir);
      console.error(`built Temporal CLI ${TEMPORAL_CLI_VERSION} in ${Math.round((Date.now() - started) / 1000)} s`);
      return exe;
    } finally {
      fs.rmSync(tmpBin, { recursive: true, force: true });
    }
  });
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
