/**
 * A workflow test file on the time-skipping test server (days pass in milliseconds): its own
 * database, the server, and a worker on the file's task queue, set up before the file's tests and
 * torn down after them; and the steps most tests start with (file a complaint, carry it through
 * intake).
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll } from 'vitest';
import type { Db } from '../../db/connect.js';
import type { complaint } from '../../workflows/complaint.js';
import * as c from '../../workflows/contract.js';
import { escalateSignal, updates, type ActionArgs } from '../../workflows/actions.js';
import type { Actor, IntakeRecord } from '../../workflows/model.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { SAMPLE_INTAKE } from './intake.js';
import { startTimeSkipping, startWorker } from './temporal.js';

export type ComplaintHandle = WorkflowHandle<typeof complaint>;

/** The agent who files the complaints and carries them through intake. */
export const AGENT: Actor = { id: 'agent-li', role: 'agent' };

export interface FileOptions {
  intake?: IntakeRecord;
  policyId?: string;
}

export interface IntakeOptions {
  /** How the complainant was verified. */
  method?: string;
  /** What the first contact with the complainant was about. */
  contactSummary?: string;
  /** Acknowledge the complaint (by this channel) before completing intake. */
  acknowledgeBy?: ActionArgs<'acknowledge'>['channel'];
}

export interface TimeSkippingSuite {
  readonly env: TestWorkflowEnvironment;
  readonly database: TestDatabase;
  readonly taskQueue: string;
  /** Starts a complaint workflow received now (in the server's time) and waits until it is on file. */
  fileComplaint(options?: FileOptions): Promise<{ handle: ComplaintHandle; receivedAt: number }>;
  /** Verifies complainant and item, records the first contact, and completes intake: the state after. */
  throughIntake(handle: ComplaintHandle, options?: IntakeOptions): Promise<c.ComplaintState>;
}

/** Registers the file's beforeAll/afterAll; `setup` runs on the fresh database before the worker starts. */
export function useTimeSkippingSuite(options: { taskQueue: string; setup?: (db: Db) => Promise<void> }): TimeSkippingSuite {
  const { taskQueue } = options;
  let env: TestWorkflowEnvironment | undefined;
  let database: TestDatabase | undefined;
  let stopWorker: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    await options.setup?.(database.db);
    env = await startTimeSkipping();
    stopWorker = (await startWorker(env.nativeConnection, database.db, taskQueue)).stop;
  });

  afterAll(async () => {
    await stopWorker?.();
    await env?.teardown();
    await database?.drop();
  });

  const suite: TimeSkippingSuite = {
    get env() {
      if (!env) throw new Error('the time-skipping environment is not started (use it inside tests or hooks)');
      return env;
    },
    get database() {
      if (!database) throw new Error('the test database is not created (use it inside tests or hooks)');
      return database;
    },
    taskQueue,
    async fileComplaint({ intake = SAMPLE_INTAKE, policyId }: FileOptions = {}) {
      const complaintId = randomUUID();
      const receivedAt = await suite.env.currentTimeMs();
      const handle = await suite.env.client.workflow.start<typeof complaint>('complaint', {
        workflowId: complaintId,
        taskQueue,
        args: [{ complaintId, intake, receivedAt, receivedBy: AGENT, fingerprint: 'f', requestId: 'r', policyId }],
      });
      await handle.executeUpdate(c.filedUpdate);
      return { handle, receivedAt };
    },
    async throughIntake(handle, { method = 'x', contactSummary = 'x', acknowledgeBy }: IntakeOptions = {}) {
      await handle.executeUpdate(updates.verifyComplainant, { args: [{ actor: AGENT, method }] });
      await handle.executeUpdate(updates.verifyItem, {
        args: [{ actor: AGENT, checks: { product: true, specification: true, lot: true, expiry: true, manufacturer: true } }],
      });
      await handle.executeUpdate(updates.recordContact, { args: [{ actor: AGENT, channel: 'phone', summary: contactSummary }] });
      if (acknowledgeBy) await handle.executeUpdate(updates.acknowledge, { args: [{ actor: AGENT, channel: acknowledgeBy }] });
      return handle.executeUpdate(updates.completeIntake, { args: [{ actor: AGENT }] });
    },
  };
  return suite;
}
