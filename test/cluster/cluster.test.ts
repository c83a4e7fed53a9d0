/**
 * The production layout (`npm run cluster`, scripts/stack/cluster.ts) in short: the Temporal server
 * 1.29.1 on the embedded PostgreSQL (SQL visibility), `npm run setup`, two workers and two API
 * processes, all real processes. It starts its own cluster (not the suite's dev server).
 *
 * It runs when the server build is in the tools cache (${XDG_CACHE_HOME:-~/.cache}/complaints/
 * temporal-server-1.29.1, made by `npm run cluster` once, ~6-8 minutes): about a minute then. On a
 * machine without it the test is skipped unless CLUSTER_TEST=1, which builds it first; CLUSTER_TEST=0
 * skips it always.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSetup } from '../../scripts/setup.js';
import { cacheRoot } from '../../scripts/stack/cache.js';
import { startCluster, type Cluster } from '../../scripts/stack/cluster.js';
import { issueDemoTokens } from '../../scripts/stack/demo-users.js';
import { SAMPLE_CREATE_BODY } from '../../scripts/stack/sample-complaints.js';
import { TEMPORAL_SERVER_VERSION } from '../../scripts/stack/temporal-server.js';

const built = fs.existsSync(path.join(cacheRoot(), `temporal-server-${TEMPORAL_SERVER_VERSION}`, 'server'));
const wanted = process.env.CLUSTER_TEST === '1' || (process.env.CLUSTER_TEST !== '0' && built);
if (!wanted) {
  console.error(
    `test/cluster: skipped, the Temporal server ${TEMPORAL_SERVER_VERSION} is not built in the tools cache ` +
      `(npm run cluster builds it once, ~6-8 min; or run with CLUSTER_TEST=1)`,
  );
}

describe.skipIf(!wanted)('production layout: Temporal server on PostgreSQL, two workers, two APIs', () => {
  let cluster: Cluster;
  let tmpDir: string;
  let tokens: Record<string, string>;
  let connection: Connection;
  let temporal: Client;

  beforeAll(async () => {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'complaints-test-cluster-'));
    if (process.getuid?.() === 0) fs.chmodSync(tmpDir, 0o711); // PostgreSQL runs as `postgres` under root
    cluster = await startCluster({ dataDir: tmpDir, workers: 2, apis: 2, durable: false, env: { LOG_LEVEL: 'WARN' }, log: () => undefined });
    console.log(`test/cluster: cluster up in ${(cluster.startMs / 1000).toFixed(1)} s`);
    tokens = Object.fromEntries((await issueDemoTokens(cluster.databaseUrl)).map((t) => [t.role, t.token]));
    connection = await Connection.connect({ address: cluster.temporalAddress });
    temporal = new Client({ connection, namespace: cluster.namespace });
  }, built ? 300_000 : 1_200_000);

  afterAll(async () => {
    await connection?.close();
    await cluster?.stop();
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  }, 120_000);

  async function call(apiIndex: number, method: 'GET' | 'POST', url: string, role: string, body?: unknown, key?: string) {
    const res = await fetch(`${cluster.apis[apiIndex]!.url}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens[role]}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
  const act = async (apiIndex: number, id: string, action: string, body: unknown) => {
    const res = await call(apiIndex, 'POST', `/complaints/${id}/${action}`, 'agent', body, `test-${id}-${action}`);
    expect(res.status, `${action}: ${JSON.stringify(res.body)}`).toBe(200);
    return res.body;
  };

  it('setup found everything in place: a second run changes nothing', async () => {
    expect(cluster.setup.ready).toBe(true);
    const lines: string[] = [];
    const again = await runSetup({ address: cluster.temporalAddress, namespace: cluster.namespace, log: (l) => lines.push(l) });
    expect(again.ready, lines.join('\n')).toBe(true);
    expect(again.changes, lines.join('\n')).toEqual([]);
    expect(again.visibilityStore).toMatch(/postgres/);
    expect(again.budget).toEqual(
      expect.arrayContaining([
        { type: 'Bool', used: 2, allowed: 3 },
        { type: 'Keyword', used: 5, allowed: 10 },
        { type: 'KeywordList', used: 1, allowed: 3 },
      ]),
    );
  });

  it('a complaint filed through one API is read through the other and carried by the workers', async () => {
    const filed = await call(0, 'POST', '/complaints', 'agent', SAMPLE_CREATE_BODY, `test-cluster-${Date.now()}`);
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    const id = filed.body.complaintId as string;
    const read = await call(1, 'GET', `/complaints/${id}`, 'agent');
    expect(read.status).toBe(200);
    expect(read.body.record.number).toBe(filed.body.number);
    // An action is a workflow update: a worker must take it.
    await act(1, id, 'verify-complainant', { method: 'called back on the hospital switchboard' });
    // The workflow's search attributes on the server's SQL visibility.
    await expect
      .poll(async () => (await temporal.workflow.getHandle(id).describe()).searchAttributes?.ComplaintNumber?.[0], { timeout: 20_000 })
      .toBe(filed.body.number);
  }, 90_000);

  it("a killed worker's complaint goes on with the other worker", async () => {
    const filed = await call(1, 'POST', '/complaints', 'agent', SAMPLE_CREATE_BODY, `test-cluster-kill-${Date.now()}`);
    expect(filed.status).toBe(201);
    const id = filed.body.complaintId as string;
    await act(0, id, 'verify-complainant', { method: 'called back on the hospital switchboard' });
    // Whichever worker holds it in its cache: each is killed in turn, and the complaint moves on each time.
    for (const [i, [action, body]] of (
      [
        ['verify-item', { checks: { product: true, specification: true, lot: true, expiry: true, manufacturer: true } }],
        ['contacts', { channel: 'phone', summary: 'explained next steps' }],
      ] as const
    ).entries()) {
      const victim = cluster.workers[i]!;
      process.kill(victim.pid, 'SIGKILL');
      await victim.exited;
      await act(i % 2 === 0 ? 1 : 0, id, action, body);
      await cluster.restartWorker(i);
    }
    await act(0, id, 'acknowledgement', { channel: 'email' });
    const done = await act(1, id, 'complete-intake', {});
    expect(done.state.stage).toBe('assessment');
    const read = await call(0, 'GET', `/complaints/${id}`, 'agent');
    expect(read.body.state.stage).toBe('assessment');
  }, 240_000);
});
