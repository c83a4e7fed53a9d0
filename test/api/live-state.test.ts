/**
 * Why a complaint's live state is missing (api/live-state.ts): a query that does not answer in time is
 * not "past retention"; the reason is ours, never the engine's message, so nothing of the case leaks.
 */
import { randomUUID } from 'node:crypto';
import { QueryNotRegisteredError, ServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_STATE_MISSING, liveStateMissingFor, liveStateOf } from '../../api/live-state.js';
import { as, startApiHarness, type ApiHarness } from '../support/api.js';
import { SAMPLE_CREATE_BODY } from '../support/intake.js';

const agent = as('agent-live', 'agent');
let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness({ taskQueuePrefix: 'live-state' });
});
afterAll(async () => {
  await api?.stop();
});

const grpcError = (code: number) => Object.assign(new Error(`${code} grpc`), { code, details: 'x', metadata: {} });

describe('why the live state is missing', () => {
  it('names the reason from the error, never passing its message on', () => {
    expect(liveStateMissingFor(new WorkflowNotFoundError('gone', 'wf', undefined))).toBe('ended');
    expect(liveStateMissingFor(new QueryNotRegisteredError('nondeterminism: Jane Doe', 3))).toBe('workflowFailing');
    expect(liveStateMissingFor(new ServiceError('Failed to query Workflow', { cause: grpcError(4) }))).toBe('queryTimeout');
    expect(liveStateMissingFor(new ServiceError('Failed to query Workflow', { cause: grpcError(14) }))).toBe('temporalUnavailable');
    for (const text of Object.values(LIVE_STATE_MISSING)) expect(text).not.toMatch(/Jane|nondeterminism:/);
  });

  it('a workflow nobody answers for: queryTimeout within the bound, then the live state once the worker is back', async () => {
    await api.stopWorker();
    let id: string;
    try {
      const filed = await api.post('/complaints', { ...agent, 'idempotency-key': `live-${randomUUID()}` }, SAMPLE_CREATE_BODY);
      expect(filed.status, JSON.stringify(filed.body)).toBe(201);
      id = filed.body.complaintId as string;
      const t0 = Date.now();
      expect(await liveStateOf(api, id, 1_000)).toEqual({ missing: 'queryTimeout' });
      expect(Date.now() - t0).toBeLessThan(4_000);
      const read = await api.call('GET', `/complaints/${id}`, agent);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ live: false, state: null, stateMissing: { reason: 'queryTimeout', detail: LIVE_STATE_MISSING.queryTimeout } });
      expect(JSON.stringify(read.body.stateMissing)).not.toContain(SAMPLE_CREATE_BODY.complainant.name);
    } finally {
      await api.startWorker();
    }
    await expect.poll(async () => (await api.call('GET', `/complaints/${id!}`, agent)).body.live, { timeout: 20_000 }).toBe(true);
    const read = await api.call('GET', `/complaints/${id!}`, agent);
    expect(read.body.stateMissing).toBeUndefined();
    expect(await liveStateOf(api, randomUUID())).toEqual({ missing: 'ended' });
  }, 60_000);
});
