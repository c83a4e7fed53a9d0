/**
 * A complaint's live state, from its workflow's state query, or why it is missing. The reasons are
 * ours, never the engine's message (which may quote the workflow's payloads).
 */
import { QueryNotRegisteredError, QueryRejectedError, WorkflowNotFoundError } from '@temporalio/client';
import { stateQuery, type ComplaintView } from '../workflows/contract.js';
import type { ApiDeps } from './deps.js';

/** Why a complaint's live state is missing from an answer: the caller learns what happened, not what is in the case. */
export const LIVE_STATE_MISSING = {
  ended: "the workflow is no longer in the engine (past its retention): the record on file is the complaint",
  queryTimeout: 'the workflow did not answer in time: its worker is busy, restarting or down; ask again in a moment',
  workflowFailing: "the workflow could not answer: its task is failing in the worker (see the worker's log and the workflow's history)",
  temporalUnavailable: 'the workflow engine did not answer: it is unreachable or restarting; ask again in a moment',
} as const;
export type LiveStateMissing = keyof typeof LIVE_STATE_MISSING;

/** How long a read waits for the workflow to answer its state query before it answers without it. */
export const LIVE_STATE_TIMEOUT_MS = 5_000;

export type LiveState = { state: ComplaintView; missing?: undefined } | { state?: undefined; missing: LiveStateMissing };

/** The reason a state query failed, from the error the client threw (its message is not passed on). */
export function liveStateMissingFor(err: unknown): LiveStateMissing {
  if (err instanceof WorkflowNotFoundError) return 'ended';
  // The workflow answered the query with a failure (its task failing on replay, a handler throwing):
  // the server's QueryFailed, which the client raises as QueryNotRegisteredError.
  if (err instanceof QueryNotRegisteredError || err instanceof QueryRejectedError) return 'workflowFailing';
  const code = grpcCodeOf(err);
  if (code === grpcStatus.DEADLINE_EXCEEDED || code === grpcStatus.CANCELLED) return 'queryTimeout';
  if (code === grpcStatus.INVALID_ARGUMENT || code === grpcStatus.FAILED_PRECONDITION) return 'workflowFailing';
  return 'temporalUnavailable';
}

/** gRPC status codes (grpc-js's `status`), by number: the client wraps the error, its cause keeps the code. */
const grpcStatus = { CANCELLED: 1, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, FAILED_PRECONDITION: 9 } as const;

function grpcCodeOf(err: unknown): number | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'number') return e.code;
  }
  return undefined;
}

/**
 * The complaint's state from its workflow, or why it is missing: past the engine's retention (the
 * record in PostgreSQL is then the file), a query that did not answer within LIVE_STATE_TIMEOUT_MS, a
 * workflow whose task is failing, the engine unreachable.
 */
export async function liveStateOf({ temporal }: Pick<ApiDeps, 'temporal'>, id: string, timeoutMs = LIVE_STATE_TIMEOUT_MS): Promise<LiveState> {
  try {
    return { state: await temporal.withDeadline(Date.now() + timeoutMs, () => temporal.workflow.getHandle(id).query(stateQuery)) };
  } catch (err) {
    return { missing: liveStateMissingFor(err) };
  }
}
