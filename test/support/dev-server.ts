/**
 * A test file's own corner of the suite's Temporal dev server: its own database, a worker on its own
 * task queue (stopped and started again at will, for outage and restart tests), a client, and the
 * cluster-watch activity run in an activity context on that queue.
 */
import { randomUUID } from 'node:crypto';
import { Connection, type Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { NativeConnection } from '@temporalio/worker';
import { inject } from 'vitest';
import { createClusterActivities, type ReportToClusterWatchInput } from '../../activities/clusters.js';
import { savePolicy } from '../../db/reference-data.js';
import type { ServiceLevelPolicy } from '../../workflows/rules/sla-policy.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { connectDevServer, startWorker, testClient } from './temporal.js';

export interface DevServerSuiteOptions {
  /** Start of the task queue's name (a random suffix follows). */
  taskQueuePrefix?: string;
  /** Policies saved before the worker starts. */
  policies?: ServiceLevelPolicy[];
}

export interface DevServerSuite {
  taskQueue: string;
  database: TestDatabase;
  native: NativeConnection;
  temporal: Client;
  /** A fresh worker (an empty workflow cache) on the task queue; stops the running one first. */
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  /** The real `reportToClusterWatch` activity, run in an activity context on this task queue. */
  reportToClusterWatch(input: ReportToClusterWatchInput): Promise<{ watchId: string | null }>;
  stop(): Promise<void>;
}

export async function startDevServerSuite(options: DevServerSuiteOptions = {}): Promise<DevServerSuite> {
  const taskQueue = `${options.taskQueuePrefix ?? 'tests'}-${randomUUID()}`;
  const database = await createTestDatabase();
  for (const policy of options.policies ?? []) await savePolicy(database.db, policy);
  const native = await connectDevServer();
  let worker: { stop(): Promise<void> } | undefined = await startWorker(native, database.db, taskQueue);
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  const temporal = testClient(connection);
  let report: DevServerSuite['reportToClusterWatch'] | undefined;

  const stopWorker = async () => {
    const running = worker;
    worker = undefined;
    await running?.stop();
  };
  return {
    taskQueue,
    database,
    native,
    temporal,
    async startWorker() {
      await stopWorker();
      worker = await startWorker(native, database.db, taskQueue);
    },
    stopWorker,
    reportToClusterWatch(input) {
      if (!report) {
        const activities = createClusterActivities({ db: database.db, temporal });
        const activityEnv = new MockActivityEnvironment({ taskQueue });
        report = (i) => activityEnv.run(activities.reportToClusterWatch, i);
      }
      return report(input);
    },
    async stop() {
      await stopWorker();
      await connection.close();
      await native.close();
      await database.drop();
    },
  };
}
