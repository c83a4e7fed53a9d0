/** Turns what Temporal says about an action into the HTTP answer an agent's client expects. */
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  isGrpcServiceError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Context } from 'hono';
import { REFUSAL } from '../workflows/contract.js';
import { problem } from './problems.js';

export function refusalResponse(c: Context, err: unknown) {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const failure = err.cause;
    if (failure.type === REFUSAL.illegalTransition) return problem(c, 409, 'illegalTransition', 'Not allowed now', failure.message);
    if (failure.type === REFUSAL.forbidden) return problem(c, 403, 'forbidden', 'Not allowed for your role', failure.message);
    if (failure.type === REFUSAL.invalid) return problem(c, 422, 'validation', 'Invalid request', failure.message);
  }
  if (err instanceof WorkflowNotFoundError) {
    return problem(c, 404, 'notFound', 'No such complaint', 'no complaint with this id is running');
  }
  // Updates to a workflow that has completed: the case is closed or withdrawn.
  if (isGrpcServiceError(err) || (err instanceof Error && /already completed|workflow execution already completed/i.test(err.message))) {
    if (err instanceof Error && /completed/i.test(err.message)) {
      return problem(c, 409, 'illegalTransition', 'Complaint is closed', 'the complaint is closed or withdrawn; nothing more can be done on it');
    }
  }
  return undefined;
}
