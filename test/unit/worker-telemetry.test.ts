/**
 * The worker process (worker/main.ts) as an operator runs it with WORKER_METRICS_ADDRESS: the
 * Temporal SDK's worker metrics served by the Runtime's Prometheus exporter (`temporal_` series), and
 * the SDK's log on stdout as JSON lines, nothing of a payload in them. Also the settings' checks
 * (worker/telemetry.ts).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePorts } from '../../scripts/stack/ports.js';
import { SettingError } from '../../workflows/wire/temporal-connection.js';
import { jsonLogLine, workerRuntimeOptions } from '../../worker/telemetry.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const repo = path.resolve(import.meta.dirname, '../..');
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describe('worker/telemetry.ts', () => {
  it('metrics are off unless WORKER_METRICS_ADDRESS is set; a bad address or LOG_LEVEL is named', () => {
    expect(workerRuntimeOptions({}).telemetryOptions?.metrics).toBeUndefined();
    expect(workerRuntimeOptions({ WORKER_METRICS_ADDRESS: '0.0.0.0:9464' }).telemetryOptions?.metrics).toEqual({ prometheus: { bindAddress: '0.0.0.0:9464' } });
    const bad = (env: NodeJS.ProcessEnv) => {
      try {
        workerRuntimeOptions(env);
      } catch (err) {
        return err instanceof SettingError ? err.setting : String(err);
      }
      return 'accepted';
    };
    expect(bad({ WORKER_METRICS_ADDRESS: 'http://0.0.0.0:9464/metrics' })).toBe('WORKER_METRICS_ADDRESS');
    expect(bad({ WORKER_METRICS_ADDRESS: '9464' })).toBe('WORKER_METRICS_ADDRESS');
    expect(bad({ LOG_LEVEL: 'loud' })).toBe('LOG_LEVEL');
  });

  it('an SDK log entry is one JSON line: time, level, message, the context ids; no other meta, an error by name and message', () => {
    const line = JSON.parse(
      jsonLogLine({
        level: 'WARN',
        message: 'Activity failed',
        timestampNanos: 1_767_225_600_000_000_000n,
        meta: { sdkComponent: 'activity', taskQueue: 'complaints', workflowId: 'c-1', activityType: 'fileCard', attempt: 2, args: [{ name: 'Zhang Wei' }], error: new TypeError('boom') },
      }),
    );
    expect(line).toEqual({ time: '2026-01-01T00:00:00.000Z', level: 'warn', msg: 'Activity failed', sdkComponent: 'activity', taskQueue: 'complaints', workflowId: 'c-1', activityType: 'fileCard', attempt: 2, error: { name: 'TypeError', message: 'boom' } });
  });
});

describe('worker/main.ts with WORKER_METRICS_ADDRESS', () => {
  it('serves the SDK worker metrics (temporal_…) and logs the SDK as JSON lines', async () => {
    const [port] = await freePorts(1);
    const address = `127.0.0.1:${port}`;
    const taskQueue = `telemetry-${Date.now().toString(36)}`;
    const worker = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'worker/main.ts')], {
      cwd: repo,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        WORKER_PROCESS_TUNING: 'off',
        PAYLOAD_KEYS: 'k1:Y29tcGxhaW50LWRlc2stdGVzdC1rZXktMzItYnl0ZXM=',
        DATABASE_URL: database.url,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TASK_QUEUE: taskQueue,
        WORKER_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
        WORKER_METRICS_ADDRESS: address,
        LOG_LEVEL: 'INFO',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    worker.stdout.on('data', (d) => (out += d));
    worker.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => worker.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!out.includes('worker: polling task queue') && worker.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(out, err).toContain(`worker: polling task queue ${taskQueue}`);
      expect(out).toContain(`worker: Temporal SDK metrics on http://${address}/metrics`);

      let text = '';
      await expect
        .poll(
          async () => {
            const res = await fetch(`http://${address}/metrics`);
            text = await res.text();
            return res.status === 200 && /^temporal_\w+/m.test(text);
          },
          { timeout: 20_000, interval: 500 },
        )
        .toBe(true);
      // The worker's own series, labelled with its task queue.
      expect(text).toMatch(new RegExp(`^temporal_[a-z_]+\\{[^}]*task_queue="${taskQueue}"[^}]*\\} \\d`, 'm'));
      expect(text).toMatch(/^temporal_worker_task_slots_available\{/m);

      // The SDK's lines are JSON, each with time, level and message.
      const sdkLines = out.split('\n').filter((l) => l.startsWith('{'));
      expect(sdkLines.length).toBeGreaterThan(0);
      for (const l of sdkLines) expect(JSON.parse(l)).toMatchObject({ time: expect.any(String), level: expect.any(String), msg: expect.any(String) });
      expect(sdkLines.map((l) => JSON.parse(l))).toContainEqual(expect.objectContaining({ level: 'info', taskQueue, sdkComponent: 'worker' }));
    } finally {
      worker.kill('SIGTERM');
      await exited;
    }
  });
});
