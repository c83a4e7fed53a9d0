/**
 * The Temporal CLI (which carries the dev server): `temporal` on PATH if there is one, else a copy built
 * once from Go modules into the tools cache. Later CLI versions carry a `replace` directive that
 * `go install` refuses, hence 1.5.1 (Server 1.29.1, UI 2.42.1).
 */
import fs from 'node:fs';
import path from 'node:path';
import { cacheRoot, which, withCacheLock } from './cache.js';
import { findGo, goInstall, isExecutable } from './go-install.js';

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
    const go = findGo();
    if (!go) {
      throw new Error(
        `The Temporal CLI is needed: put \`temporal\` on PATH (https://docs.temporal.io/cli), ` +
          `or install Go so it can be built once into ${dir} ` +
          `(GOBIN=${dir} go install github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}).`,
      );
    }
    console.error(`building Temporal CLI ${TEMPORAL_CLI_VERSION} once, ~3 min (go install, into ${dir})`);
    const tmpBin = fs.mkdtempSync(`${dir}.build-`);
    try {
      await goInstall(go, `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`, tmpBin, `the Temporal CLI ${TEMPORAL_CLI_VERSION}`, false);
      if (!isExecutable(path.join(tmpBin, 'temporal'))) throw new Error(`go install of the Temporal CLI ${TEMPORAL_CLI_VERSION} made no binary in ${tmpBin}`);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(tmpBin, dir);
      return exe;
    } finally {
      fs.rmSync(tmpBin, { recursive: true, force: true });
    }
  });
}
