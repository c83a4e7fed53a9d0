/**
 * An API test harness: its own database, a worker on its own task queue against the suite's
 * Temporal dev server, and the app called in-process with `app.request()`.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { createApp } from '../../api/app.js';
import type { ApiDeps } from '../../api/deps.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { connectDevServer, startWorker } from './temporal.js';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const as = (id: string, role: string): Record<string, string> => ({ 'x-actor-id': id, 'x-actor-role': role });

export interface ApiHarness {
  database: TestDatabase;
  app: ReturnType<typeof createApp>;
  temporal: Client;
  call(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: Json }>;
  stop(): Promise<void>;
}

export async function startApiHarness(options: Partial<Pick<ApiDeps, 'actionTimeoutMs'>> = {}): Promise<ApiHarness> {
  const taskQueue = `api-${randomUUID()}`;
  const database = await createTestDatabase();
  const native = await connectDevServer();
  const worker = await startWorker(native, database.db, taskQueue);
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  const temporal = new Client({ connection });
  const app = createApp({ db: database.db, temporal, taskQueue, ...options });
  return {
    database,
    app,
    temporal,
    async call(method, path, headers, body) {
      const res = await app.request(path, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Json };
    },
    async stop() {
      await worker.stop();
      await connection.close();
      await native.close();
      await database.drop();
    },
  };
}
