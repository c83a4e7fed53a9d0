/**
 * Builds the worker that runs complaint workflows and their activities. Tests and the start
 * command use the same factory, so what is tested is what runs.
 */
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
   * How payloads are encoded (in production: encrypted, see payload-codec.ts). The same converter
   * serves the worker and the activities' client, and must be the one the API's client uses.
   */
  dataConverter?: DataConverter;
}

export async function createComplaintWorker(options: ComplaintWorkerOptions): Promise<Worker> {
  const workflowSource = options.workflowBundlePath
    ? { workflowBundle: { codePath: options.workflowBundlePath } }
    : { workflowsPath: new URL('../workflows/index.ts', import.meta.url).pathname };
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
