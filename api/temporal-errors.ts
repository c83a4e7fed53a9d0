/** Turns what Temporal says about an action into the HTTP answer an agent's client expects. */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Context } from 'hono';
import { REFUSAL } from '../workflows/contract.js';
import { NotConfirmedInTime } from './deadline.js';
import { problem } from './problems.js';

export function refusalResponse(c: Context, err: unknown) {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const failure = err.cause;
    if (failure.type === REFUSAL.illegalTransition) return problem(c, 409, 'illegalTransition', 'Not allowed now', failure.message);
    if (failure.type === REFUSAL.forbidden) return problem(c, 403, 'forbidden', 'Not allowed for your role', failure.message);
    if (failure.type === REFUSAL.invalid) return problem(c, 422, 'validation', 'Invalid request', failure.message);
  }
  if (err instanceof NotConfirmedInTime) {
    return problem(c, 503, 'unavailable', 'Not confirmed in time', 'the workflow did not answer in time; the action may still be applied. Retry with the same Idempotency-Key to apply it once.');
  }
  if (err instanceof WorkflowNotFoundError) {
    return problem(c, 404, 'notFound', 'No such complaint', 'no complaint with this id is running');
  }
  return undefined;
}
