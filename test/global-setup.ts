/**
 * Once per `vitest run`: the real servers the tests run against, shared by all test files.
 *
 *   postgresAdminUrl        embedded PostgreSQL in a fresh temp folder (database `postgres`);
 *                           each test file creates its own database from it
 *   temporalAddress         a Temporal dev server (headless, in memory) with our search attributes
 *   timeSkippingServerPath  the Java time-skipping test server's wrapper, for
 *                           TestWorkflowEnvironment.createTimeSkipping({ server: { executable:
 *                           { type: 'existing-path', path } } })
 *   workflowBundlePath      workflows/index.ts bundled once (Worker `workflowBundle: { codePath }`)
 *
 * Everything starts side by side; teardown stops the servers and removes the temp folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { repoRoot } from '../scripts/stack/cache.js';
import { freePorts } from '../scripts/stack/ports.js';
import { findOrphans, pidAlive, processInfo, terminatePid } from '../scripts/stack/process.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../scripts/stack/postgres.js';
import { startTemporalDevServer, type TemporalDevServer } from '../scripts/stack/temporal-dev-server.js';
import { ensureTimeSkippingServer } from '../scripts/stack/time-skipping-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres://…/postgres on the suite's PostgreSQL: create (and drop) your own database from it. */
    postgresAdminUrl: string;
    /** host:port of the suite's Temporal dev server (namespace `default`). */
    temporalAddress: string;
    /** Executable for TestWorkflowEnvironment.createTimeSkipping (type 'existing-path'). */
    timeSkippingServerPath: string;
    /** File with the bundled workflow code (Worker option `workflowBundle: { codePath }`); '' if there were no workflows. */
    workflowBundlePath: string;
  }
}

const log = (m: string) => console.error(`[global-setup] ${m}`);
const TMP_PREFIX = 'complaints-test-';

async function bundleWorkflows(tmpDir: string): Promise<string> {
  const workflowsPath = path.join(repoRoot, 'workflows', 'index.ts');
  if (!fs.existsSync(workflowsPath)) {
    log(`${path.relative(repoRoot, workflowsPath)} does not exist yet: no workflow bundle (workflowBundlePath is '')`);
    return '';
  }
  const { bundleWorkflowCode, DefaultLogger } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  const file = path.join(tmpDir, 'workflow-bundle.js');
  fs.writeFileSync(file, code);
  return file;
}

/**
 * What a test run killed outright (SIGKILL, OOM) left behind: its servers, which nobody will stop
 * (marked as ours and orphaned, see isOrphan), and its temp folders. Folders of runs still going
 * (their PostgreSQL is alive) are kept.
 */
async function cleanUpKilledRuns(): Promise<void> {
  const prefix = path.join(os.tmpdir(), TMP_PREFIX);
  const leftovers = findOrphans(
    (cmd) => cmd.includes(prefix) || (cmd.includes(' server start-dev ') && cmd.includes('--headless') && !cmd.includes('--db-filename')),
  );
  const deadRuns = new Set<string>();
  await Promise.all(
    leftovers.map((pid) => {
      const cmd = processInfo(pid)?.cmdline ?? '';
      const at = cmd.indexOf(prefix);
      if (at >= 0) deadRuns.add(`${TMP_PREFIX}${cmd.slice(at + prefix.length).split(/[/\s]/)[0]}`);
      log(`stopping pid ${pid}, left running by a test run that was killed`);
      return terminatePid(pid, cmd.includes('postgres') ? 'SIGINT' : 'SIGTERM', 10_000);
    }),
  );
  for (const entry of fs.readdirSync(os.tmpdir())) {
    if (!entry.startsWith(TMP_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), entry);
    try {
      // Recent folders may belong to a run starting right now, unless we just stopped their servers.
      if (!deadRuns.has(entry) && Date.now() - fs.statSync(dir).mtimeMs < 10 * 60_000) continue;
      const pidFile = path.join(dir, 'postgres', 'postmaster.pid');
      const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]) : NaN;
      if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) continue; // a run still going
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // another run is removing it
    }
  }
}

export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  await cleanUpKilledRuns();
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), TMP_PREFIX));
  if (process.getuid?.() === 0) fs.chmodSync(tmpDir, 0o711); // PostgreSQL runs as `postgres` and must traverse it
  const [pgPort, temporalPort] = await freePorts(2);

  let postgres: EmbeddedPostgres | undefined;
  let temporal: TemporalDevServer | undefined;
  const teardown = async () => {
    await Promise.allSettled([temporal?.stop(), postgres?.stop()]);
    fs.rmSync(tmpDir, { recursive: true, force: true });
  };

  const results = await Promise.allSettled([
    startEmbeddedPostgres({ dataDir: path.join(tmpDir, 'postgres'), port: pgPort!, database: 'postgres', durable: false, log }).then(
      (pg) => (postgres = pg),
    ),
    startTemporalDevServer({ port: temporalPort!, headless: true }).then((t) => (temporal = t)),
    ensureTimeSkippingServer(),
    bundleWorkflows(tmpDir),
  ]);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length) {
    await teardown();
    throw new Error(`test servers could not start:\n${failed.map((f) => (f.reason as Error).message).join('\n')}`);
  }
  const [, , timeSkipping, bundle] = results as [unknown, unknown, PromiseFulfilledResult<string>, PromiseFulfilledResult<string>];

  provide('postgresAdminUrl', postgres!.adminUrl);
  provide('temporalAddress', temporal!.address);
  provide('timeSkippingServerPath', timeSkipping.value);
  provide('workflowBundlePath', bundle.value);
  log(`PostgreSQL ${postgres!.port}, Temporal ${temporal!.address}, workflows bundled — ready in ${Date.now() - started} ms`);
  return teardown;
}
