/**
 * Third-party mediation and the legal route, on the time-skipping server: settled (the agreed
 * remedy becomes the resolution), failed, and out of time.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import * as c from '../../workflows/contract.js';
import { escalateSignal, updates, type ActionArgs } from '../../workflows/actions.js';
import type { mediation } from '../../workflows/mediation.js';
import { recordMediationOutcomeUpdate, recordSessionUpdate } from '../../workflows/mediation-contract.js';
import type { Actor } from '../../workflows/model.js';
import { recordHistory } from '../support/history.js';
import { useTimeSkippingSuite, type ComplaintHandle as Handle } from '../support/time-skipping.js';

const agent: Actor = { id: 'agent-li', role: 'agent' };
const handler: Actor = { id: 'handler-chen', role: 'handler' };
const supervisor: Actor = { id: 'supervisor-wu', role: 'supervisor' };
const DAY = 86_400_000;

const suite = useTimeSkippingSuite({ taskQueue: 'mediation-tests' });

/** A complaint whose customer rejected the approved remedy: the point where mediation starts. */
async function disputed(): Promise<Handle> {
  const { handle } = await suite.fileComplaint();
  const act = <A>(update: UpdateDefinition<c.ComplaintState, [A]>, args: A) => handle.executeUpdate(update, { args: [args] });
  await suite.throughIntake(handle);
  await act(updates.assess, { actor: agent, category: 'after_sales_service', severity: 'general', patientSafety: false, suspectedAdverseEvent: false, reasonable: true, department: 'service', ownerId: handler.id });
  await act(updates.waiveInvestigation, { actor: supervisor, reason: 'service dispute only' });
  await act(updates.completeInvestigation, { actor: handler });
  await act(updates.proposeRemedy, { actor: agent, remedy: 'repair', details: 'repair at our cost' });
  await act(updates.approveRemedy, { actor: supervisor, approved: true });
  await act(updates.recordCustomerDecision, { actor: agent, accepted: false, note: 'wants a refund' });
  return handle;
}

async function startMediation(handle: Handle, deadlineDays = 30) {
  await handle.signal(escalateSignal, { actor: supervisor, target: 'mediation', reason: 'customer rejects the repair', mediator: 'City consumer association', deadlineDays });
  await expect.poll(async () => (await handle.query(c.stateQuery)).stage).toBe('mediation');
  const state = await handle.query(c.stateQuery);
  return { state, mediationHandle: suite.env.client.workflow.getHandle<typeof mediation>(state.mediation!.mediationId) };
}

describe('mediation', () => {
  it('settled: sessions on record, the agreed remedy becomes the resolution, on to feedback', async () => {
    const handle = await disputed();
    const { state, mediationHandle } = await startMediation(handle);
    expect(state.mediation).toMatchObject({ body: 'City consumer association', sessions: 0 });
    expect(state.clocks.filter((k) => k.status === 'running')).toEqual([]); // the service clocks wait
    const sessionAt = await suite.env.currentTimeMs();
    await mediationHandle.executeUpdate(recordSessionUpdate, { args: [{ actor: agent, heldAt: sessionAt, summary: 'both sides heard' }] });
    await expect.poll(async () => (await handle.query(c.stateQuery)).history.filter((e) => e.action === 'mediation.session').length).toBe(1);
    const refused = await mediationHandle
      .executeUpdate(recordMediationOutcomeUpdate, { args: [{ actor: agent, outcome: 'settled', agreedRemedy: { remedy: 'refund', details: 'half refund' } }] })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    await mediationHandle.executeUpdate(recordMediationOutcomeUpdate, {
      args: [{ actor: supervisor, outcome: 'settled', agreedRemedy: { remedy: 'refund', details: '50 % refund and a loan device' } }],
    });
    await expect.poll(async () => (await handle.query(c.stateQuery)).stage).toBe('feedback');
    const after = await handle.query(c.stateQuery);
    expect(after.resolution.agreed).toMatchObject({ remedy: 'refund', details: '50 % refund and a loan device' });
    expect(after.mediation?.outcome).toBe('settled');
    expect(after.history.some((e) => e.action === 'mediation.settled')).toBe(true);
    const done = await handle.executeUpdate(updates.recordFeedback, { args: [{ actor: agent, satisfied: true, score: 4 }] });
    expect(done.stage).toBe('revisit');
    await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'test done' }] });
  });

  it('failed: the legal route, marked, until a supervisor closes it with the outcome', async () => {
    const handle = await disputed();
    const { mediationHandle } = await startMediation(handle);
    await mediationHandle.executeUpdate(recordMediationOutcomeUpdate, { args: [{ actor: supervisor, outcome: 'failed', note: 'no agreement on the amount' }] });
    await expect.poll(async () => (await handle.query(c.stateQuery)).stage).toBe('legal');
    const state = await handle.query(c.stateQuery);
    expect(state.marks.legal).toBe(true);
    expect(state.clocks.filter((k) => k.status === 'running' || k.status === 'paused')).toEqual([]);
    // The stage reaches PostgreSQL with the next write after the workflow moved.
    await expect
      .poll(async () => (await suite.database.db.selectFrom('complaints').select('stage').where('id', '=', handle.workflowId).executeTakeFirstOrThrow()).stage)
      .toBe('legal');
    const byAgent = await handle.executeUpdate(updates.closeLegalRoute, { args: [{ actor: agent, outcome: 'x' }] }).catch((e: unknown) => e);
    expect(byAgent).toBeInstanceOf(WorkflowUpdateFailedError);
    const closed = await handle.executeUpdate(updates.closeLegalRoute, { args: [{ actor: supervisor, outcome: 'court dismissed the claim', note: 'case 2026-123' }] });
    expect(closed.stage).toBe('closed');
    expect(closed.legal).toMatchObject({ outcome: 'court dismissed the claim', closedBy: supervisor });
    expect(await handle.result()).toMatchObject({ stage: 'closed' });
    await recordHistory(handle, 'mediation-failed-legal-route-closed');
    await recordHistory(mediationHandle, 'mediation-failed');
  });

  it('out of time: the deadline passes without an outcome, and the case takes the legal route', async () => {
    const handle = await disputed();
    await startMediation(handle, 10);
    await suite.env.sleep(11 * DAY);
    await expect.poll(async () => (await handle.query(c.stateQuery)).stage).toBe('legal');
    expect((await handle.query(c.stateQuery)).mediation?.outcome).toBe('timed_out');
    await handle.executeUpdate(updates.withdraw, { args: [{ actor: agent, reason: 'claim dropped' }] });
  });
});
