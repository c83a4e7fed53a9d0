/**
 * The Temporal dev server (`temporal server start-dev`, SQLite, with the Web UI unless headless), with
 * the complaint workflow's search attributes registered at start.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SEARCH_ATTRIBUTES_FOR_CLI } from '../../workflows/search-attributes.js';
import { assertPortFree } from './ports.js';
import { spawnManaged, withTail, type ManagedProcess } from './process.js';
import { ensureTemporalCli } from './temporal-cli.js';

export interface TemporalDevServerOptions {
  /** Frontend gRPC port. */
  port: number;
  /** Web UI port (ignored when headless). */
  uiPort?: number;
  /** SQLite file that keeps the state across restarts; in memory when absent. */
  dbFilename?: string;
  /** No Web UI. */
  headless?: boolean;
  /**
   * Codec server the Web UI sends payloads to for decoding (the API's codec endpoint), set at the
   * cluster level. The CLI 1.5.1 gives its UI this endpoint and nothing else (no include-credentials,
   * pass-access-token or error-message flag: its devserver builds the UI config with `Codec{Endpoint}`
   * only), so the UI (2.42.1) never sends cookies to it and ignores the browser's own "Include
   * cross-origin credentials" switch unless the browser's setting overrides the cluster's. The steps
   * that decode are in docs/operations.md (Ops) and on the API's /codec-session page; proven in
   * test/ui/codec-in-web-ui.test.ts.
   */
  uiCodecEndpoint?: string;
  /** Namespace to create besides `default` (which always exists). */
  namespace?: string;
  /** Server log level (default warn). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Receives each output line of the server (default: dropped; the last lines appear in errors). */
  onLine?: (line: string) => void;
  /** How long to wait for the server to answer (default 60 s). */
  startTimeoutMs?: number;
}

export interface TemporalDevServer {
  /** host:port of the frontend, e.g. 127.0.0.1:7233 */
  address: string;
  /** Web UI, when not headless. */
  uiUrl?: string;
  namespace: string;
  process: ManagedProcess;
  /** SIGTERM, then SIGKILL after a grace period; idempotent. */
  stop(): Promise<void>;
}

/** Env for the CLI without TEMPORAL_* variables, which it would read as client settings. */
function cliEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('TEMPORAL_')) delete env[key];
  return env;
}

/** Whether `temporal operator cluster health` reports SERVING for `address`. */
export async function isServing(cli: string, address: string): Promise<boolean> {
  return await new Promise((resolve) => {
    execFile(
      cli,
      ['operator', 'cluster', 'health', '--address', address, '--command-timeout', '2s'],
      { env: cliEnv(), timeout: 5_000 },
      (err, stdout) => resolve(!err && stdout.includes('SERVING')),
    );
  });
}

export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const cli = await ensureTemporalCli();
  const namespace = options.namespace ?? 'default';
  const host = '127.0.0.1';

  await assertPortFree(options.port, 'the Temporal dev server');
  if (!options.headless && options.uiPort !== undefined) {
    await assertPortFree(options.uiPort, 'the Temporal Web UI');
  }

  const args = ['server', 'start-dev', '--ip', host, '--port', String(options.port)];
  if (options.headless) args.push('--headless');
  else if (options.uiPort !== undefined) args.push('--ui-port', String(options.uiPort));
  if (options.dbFilename) {
    fs.mkdirSync(path.dirname(path.resolve(options.dbFilename)), { recursive: true });
    args.push('--db-filename', path.resolve(options.dbFilename));
  }
  if (options.uiCodecEndpoint && !options.headless) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (namespace !== 'default') args.push('--namespace', namespace);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES_FOR_CLI)) args.push('--search-attribute', `${name}=${type}`);
  // The same settings the SDK's own dev-server launcher uses (workflow updates on, no version check).
  for (const kv of [
    'frontend.enableServerVersionCheck=false',
    'frontend.enableUpdateWorkflowExecution=true',
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    // An activity scheduled by a workflow task goes back to the worker in the task's completion answer
    // instead of through the task queue (one round trip instead of a dispatch; off by default in the
    // server). A production cluster's dynamic config should set the same.
    'system.enableActivityEagerExecution=true',
  ]) {
    args.push('--dynamic-config-value', kv);
  }
  args.push('--log-level', options.logLevel ?? 'warn');

  const server = spawnManaged('temporal', cli, args, { env: cliEnv(), onLine: options.onLine });
  const address = `${host}:${options.port}`;
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.hasExited) {
      const { code, signal } = await server.exited;
      throw new Error(withTail(`The Temporal dev server exited while starting (exit ${code ?? signal}); command: ${cli} ${args.join(' ')}`, server));
    }
    if (await isServing(cli, address)) break;
    if (Date.now() > deadline) {
      await server.stop({ graceMs: 2_000 });
      throw new Error(withTail(`The Temporal dev server did not report SERVING on ${address} within ${timeoutMs / 1000} s`, server));
    }
    await new Promise((r) => setTimeout(r, 150));
  }

  return {
    address,
    uiUrl: options.headless ? undefined : `http://localhost:${options.uiPort ?? options.port + 1000}`,
    namespace,
    process: server,
    stop: () => server.stop({ signal: 'SIGTERM', graceMs: 10_000 }),
  };
}
