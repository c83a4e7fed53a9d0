import type { Client } from '@temporalio/client';
import type { Db } from '../db/connect.js';

/** What the API needs from the outside world; tests pass real ones built the same way. */
export interface ApiDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  /**
   * How long a request waits for the workflow to confirm an action (default 30 s). Past it the
   * answer is 503: the action may still be applied once the worker is back, and a retry with the
   * same Idempotency-Key is safe.
   */
  actionTimeoutMs?: number;
}
