import type { Client } from '@temporalio/client';
import type { Db } from '../db/connect.js';

/** What the API needs from the outside world; tests pass real ones built the same way. */
export interface ApiDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
}
