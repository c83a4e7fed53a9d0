/**
 * Builds the worker that runs complaint workflows and their activities. Tests and the start
 * command use the same factory, so what is tested is what runs.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import type { Db } from '../db/connect.js';
import { TASK_QUEUE } from '../workflows/contract.js';

export interface ComplaintWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  db: Db;
  taskQueue?: string;
  /** A pre-built bundle (tests build one for all); otherwise workflows are bundled at start. */
  workflowBundlePath?: string;
  /** Extra worker options (tuning), e.g. from the environment. */
  tuning?: Partial<WorkerOptions>;
  /**
   * How payloads are encoded (in production: encrypted, see workflows/wire/payload-codec.ts). The same converter
   * serves the worker and the activities' client, and must be the one the API's client uses.
   */
  dataConverter?: DataConverter;
}

const WORKFLOWS_PATH = new URL('../workflows/index.ts', import.meta.url).pathname;

export async function createComplaintWorker(options: ComplaintWorkerOptions): Promise<Worker> {
  const workflowSource = options.workflowBundlePath
    ? { workflowBundle: { codePath: options.workflowBundlePath } }
    : { workflowsPath: WORKFLOWS_PATH };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    dataConverter: options.dataConverter,
    // The worker's own connection also serves the activities that signal other workflows.
    activities: createActivities({
      db: options.db,
      temporal: new Client({ connection: options.connection, namespace: options.namespace, dataConverter: options.dataConverter }),
    }),
    ...workflowSource,
    ...options.tuning,
  });
}

/** A slot supplier's size, as printed: a number for fixed-size slots, else its kind. */
function slots(supplier: { type: string; numSlots?: number } | undefined): string {
  if (!supplier) return '?';
  return supplier.type === 'fixed-size' ? String(supplier.numSlots) : supplier.type;
}

/**
 * The settings that bound a worker's memory and concurrency, on one line (`key=value …`), as the
 * worker runs with them (defaults resolved): what the start logs and the benchmarks print.
 */
export function describeWorkerSettings(worker: Worker, heapLimitBytes: number): string {
  const o = worker.options;
  return [
    `maxCachedWorkflows=${o.maxCachedWorkflows}`,
    `maxConcurrentWorkflowTaskExecutions=${slots(o.tuner.workflowTaskSlotSupplier)}`,
    `maxConcurrentActivityTaskExecutions=${slots(o.tuner.activityTaskSlotSupplier)}`,
    `maxConcurrentLocalActivityExecutions=${slots(o.tuner.localActivityTaskSlotSupplier)}`,
    `workflowTaskPollers=${o.workflowTaskPollerBehavior.type === 'simple-maximum' ? o.workflowTaskPollerBehavior.maximum : o.workflowTaskPollerBehavior.type}`,
    `reuseV8Context=${o.reuseV8Context}`,
    `workflowThreadPoolSize=${o.workflowThreadPoolSize}`,
    `v8HeapLimitMB=${Math.round(heapLimitBytes / 1024 / 1024)}`,
  ].join(' ');
}

/**
 * Bundles the workflow code (webpack, as Worker.create would) in a short-lived child process, into a
 * file of a new temp folder; `remove()` once the worker is built (it reads the file at creation).
 * Bundling inside the worker's own process leaves its memory behind for good: measured, the worker's
 * resident set right after Worker.create was ~410 MB bundling in process and ~225 MB with a bundle.
 */
export async function bundleWorkflowsInChildProcess(workflowInterceptorModules: string[] = []): Promise<{ path: string; remove: () => void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'complaint-workflows-'));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  const script = [
    "import fs from 'node:fs';",
    "import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';",
    "const { code } = await bundleWorkflowCode({ workflowsPath: process.argv[1], workflowInterceptorModules: JSON.parse(process.argv[3]), logger: new DefaultLogger('WARN') });",
    'fs.writeFileSync(process.argv[2], code);',
  ].join('\n');
  try {
    await new Promise<void>((resolve, reject) => {
      // Resolved from this package (its node_modules), whatever the caller's working directory.
      const cwd = fileURLToPath(new URL('..', import.meta.url));
      execFile(process.execPath, ['--input-type=module', '-e', script, WORKFLOWS_PATH, bundlePath, JSON.stringify(workflowInterceptorModules)], { cwd, maxBuffer: 16 * 1024 * 1024 }, (err, _out, stderr) =>
        err ? reject(new Error(`bundling the workflow code failed: ${err.message}\n${stderr}`)) : resolve(),
      );
    });
  } catch (err) {
    remove();
    throw err;
  }
  return { path: bundlePath, remove };
}
