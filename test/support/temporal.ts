/**
 * Temporal for tests: the time-skipping test server (days pass in milliseconds) or the suite's
 * dev server, and a worker running the real workflow bundle and the real activities.
 */
import { Client, WorkflowUpdateFailedError, type ConnectionLike } from '@temporalio/client';
import { ApplicationFailure, type DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { expect, inject } from 'vitest';
import type { Db } from '../../db/connect.js';
import { dataConverterFor, type PayloadKeys } from '../../workflows/wire/payload-codec.js';
import { createComplaintWorker } from '../../worker/worker.js';
import { SEARCH_ATTRIBUTES_FOR_CLI } from '../../workflows/search-attributes.js';

let runtimeInstalled = false;
/** Keep the engine's own logs to warnings, so test output shows the tests. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: (m) => console.warn(m), error: (m) => console.error(m) } });
  } catch {
    // Already installed by another test in this process.
  }
}

/** The tests' payload key: fixed, so what one test file's worker encrypts another's client can read. */
export const TEST_PAYLOAD_KEYS: PayloadKeys = {
  currentKeyId: 'test',
  keys: new Map([['test', Buffer.from('complaint-desk-test-key-32-bytes')]]),
};

/** Payloads encrypted with the test key, as worker/main.ts and api/main.ts encrypt them with theirs. */
export const testDataConverter: DataConverter = dataConverterFor(TEST_PAYLOAD_KEYS);

/** A client that encrypts and decrypts payloads with the test key. */
export function testClient(connection: ConnectionLike, namespace = 'default'): Client {
  return new Client({ connection, namespace, dataConverter: testDataConverter });
}

export async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('timeSkippingServerPath') } },
    client: { dataConverter: testDataConverter },
  });
  // The test server knows no custom search attributes until told, like a real cluster.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      Object.entries(SEARCH_ATTRIBUTES_FOR_CLI).map(([name, type]) => [name, INDEXED_VALUE_TYPE[type]]),
    ),
  });
  return env;
}

// temporal.api.enums.v1.IndexedValueType
const INDEXED_VALUE_TYPE = { Keyword: 2, Bool: 5, KeywordList: 7 } as const;

export async function connectDevServer(): Promise<NativeConnection> {
  quietRuntime();
  return NativeConnection.connect({ address: inject('temporalAddress') });
}

/**
 * A worker on its own task queue, so test files sharing a server never take each other's tasks.
 * Its payloads are encrypted with the test key, as in production (the tests' clients have the key
 * too); `dataConverter` may say otherwise.
 */
export async function startWorker(
  connection: NativeConnection,
  db: Db,
  taskQueue: string,
  namespace = 'default',
  options: { dataConverter?: DataConverter } = {},
) {
  const worker: Worker = await createComplaintWorker({
    connection,
    namespace,
    db,
    taskQueue,
    workflowBundlePath: inject('workflowBundlePath'),
    dataConverter: 'dataConverter' in options ? options.dataConverter : testDataConverter,
  });
  const running = worker.run();
  return {
    worker,
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}

/** The failure a workflow refused an update with: the update must fail, with an ApplicationFailure. */
export async function refusal(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}
