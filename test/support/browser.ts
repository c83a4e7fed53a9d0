/**
 * A real browser for the tests: Debian's Chromium (/usr/bin/chromium) driven headless by
 * playwright-core (Playwright's own browser download is not used). On a machine without it, the
 * setup installs it when it can (as root, with apt-get: one log line says so); where it cannot, it
 * fails saying what is missing and the command that installs it.
 *
 * And the stack the Web UI tests look at, as `npm start` runs it: a Temporal dev server WITH its
 * Web UI pointed at the API's codec endpoint (`--ui-codec-endpoint`), a worker encrypting payloads
 * with the test key, and the API served over HTTP on localhost.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Connection, type Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createApp } from '../../api/app.js';
import { repoRoot } from '../../scripts/stack/cache.js';
import { freePorts } from '../../scripts/stack/ports.js';
import { startTemporalDevServer, type TemporalDevServer } from '../../scripts/stack/temporal-dev-server.js';
import { startTemporalUiServer } from '../../scripts/stack/temporal-server.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { quietRuntime, startWorker, testClient } from './temporal.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_INSTALL = 'apt-get update && apt-get install -y chromium';

const log = (m: string) => console.error(`[browser] ${m}`);

function hasAptGet(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The Chromium executable: found, or installed with apt-get when running as root; else an Error saying how to get it. */
export async function ensureChromium(): Promise<string> {
  if (fs.existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const root = process.getuid?.() === 0;
  if (CHROMIUM_PATH === '/usr/bin/chromium' && root && hasAptGet()) {
    log(`${CHROMIUM_PATH} is missing: installing Debian's chromium (${CHROMIUM_INSTALL}), once for this machine`);
    try {
      await promisify(execFile)('sh', ['-c', CHROMIUM_INSTALL], {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        timeout: 15 * 60_000,
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n').slice(-5).join('\n');
      throw new Error(`The Web UI tests need Chromium at ${CHROMIUM_PATH}; installing it failed (${CHROMIUM_INSTALL}):\n${stderr}`);
    }
    if (fs.existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
    throw new Error(`The Web UI tests need Chromium at ${CHROMIUM_PATH}; \`${CHROMIUM_INSTALL}\` ran but did not install it there`);
  }
  throw new Error(
    `The Web UI tests need Chromium at ${CHROMIUM_PATH}, which is missing. Install it as root: \`${CHROMIUM_INSTALL}\`` +
      ' (Debian/Ubuntu), or point CHROMIUM_PATH at a Chromium or Chrome executable.',
  );
}

/** Headless Chromium. As root it runs without its sandbox (Chromium refuses to start otherwise). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = await ensureChromium();
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return await chromium.launch({ executablePath, headless: true, args });
}

/** Where the UI tests leave their screenshots (gitignored). */
export const ARTIFACTS_DIR = path.join(repoRoot, 'test-artifacts', 'ui');

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface UiStack {
  /** e.g. http://localhost:8233, the Web UI's origin. */
  uiUrl: string;
  /** e.g. http://localhost:3000, the API. */
  apiUrl: string;
  /** The API's codec endpoint the UI is pointed at. */
  codecEndpoint: string;
  devServer: TemporalDevServer;
  database: TestDatabase;
  temporal: Client;
  app: ReturnType<typeof createApp>;
  taskQueue: string;
  /**
   * The Web UI server 2.42.1 as `npm run cluster` runs it (codec endpoint and credentials at the
   * cluster level), against the same dev server; started on first call. Its origin is allowed too.
   */
  clusterUi(): Promise<string>;
  stop(): Promise<void>;
}

/** A dev server with its Web UI, a worker and the API over HTTP, as `npm start` runs them, on free ports. */
export async function startUiStack(): Promise<UiStack> {
  quietRuntime();
  const [temporalPort, uiPort, apiPort, clusterUiPort] = await freePorts(4);
  const apiUrl = `http://localhost:${apiPort}`;
  const uiUrl = `http://localhost:${uiPort}`;
  const codecEndpoint = `${apiUrl}/codec`;
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err: unknown) => log(`stopping: ${(err as Error).message}`));
  };
  try {
    const devServer = await startTemporalDevServer({ port: temporalPort!, uiPort, uiCodecEndpoint: codecEndpoint });
    stops.push(() => devServer.stop());
    const database = await createTestDatabase();
    stops.push(() => database.drop());
    const native = await NativeConnection.connect({ address: devServer.address });
    stops.push(() => native.close());
    const taskQueue = `ui-${Date.now()}`;
    const worker = await startWorker(native, database.db, taskQueue);
    stops.push(() => worker.stop());
    const connection = await Connection.connect({ address: devServer.address });
    stops.push(() => connection.close());
    const temporal = testClient(connection);
    // The codec endpoint answers the UI's origin (CORS), read from TEMPORAL_UI_ORIGIN when the app is built.
    const before = process.env.TEMPORAL_UI_ORIGIN;
    process.env.TEMPORAL_UI_ORIGIN = `${uiUrl},http://localhost:${clusterUiPort}`;
    const app = createApp({ db: database.db, temporal, taskQueue });
    if (before === undefined) delete process.env.TEMPORAL_UI_ORIGIN;
    else process.env.TEMPORAL_UI_ORIGIN = before;
    const server: ServerType = serve({ fetch: app.fetch, port: apiPort!, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    stops.push(() => new Promise((resolve) => server.close(resolve)));
    if ((server.address() as AddressInfo).port !== apiPort) throw new Error('the API did not get its port');
    let clusterUi: Promise<string> | undefined;
    const startClusterUi = async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ui-test-'));
      stops.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
      const ui = await startTemporalUiServer({ temporalAddress: devServer.address, port: clusterUiPort!, dataDir, codecEndpoint });
      stops.push(() => ui.stop());
      return ui.url;
    };
    return {
      uiUrl: devServer.uiUrl!,
      apiUrl,
      codecEndpoint,
      devServer,
      database,
      temporal,
      app,
      taskQueue,
      clusterUi: () => (clusterUi ??= startClusterUi()),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
