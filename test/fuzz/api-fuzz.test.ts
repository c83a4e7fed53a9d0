/**
 * A short schemathesis run (the same code path as `npm run fuzz`, scripts/fuzz.ts) against a harness
 * app served on a loopback port, once per role with that role's token: generated requests from the
 * served /openapi.json (examples and random fuzzing; fixed seed). No response may be a 5xx, and every
 * response must conform to the document. The failing cases are printed when it fails.
 *
 * Also the regressions of what the full run found.
 */
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_CREATE_BODY } from '../support/intake.js';
import { as, startApiHarness, type ApiHarness } from '../support/api.js';
import { ensureSchemathesis, runSchemathesis, type FuzzRunResult } from '../../scripts/stack/schemathesis.js';
import { ROLES } from '../../workflows/model.js';

let api: ApiHarness;
let server: Server | undefined;
let baseUrl: string;
let st: string;

beforeAll(async () => {
  [api, st] = await Promise.all([startApiHarness({ taskQueuePrefix: 'fuzz' }), ensureSchemathesis()]);
  // as() tokens are put in the database by the first request that carries them.
  for (const role of ROLES) expect((await api.call('GET', '/me', as(`fuzz-${role}`, role))).status).toBe(200);
  baseUrl = await new Promise<string>((resolve) => {
    server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(`http://127.0.0.1:${info.port}`)) as Server;
  });
}, 300_000);

afterAll(async () => {
  if (server) {
    await new Promise<void>((done) => {
      server!.close(() => done());
      server!.closeAllConnections();
    });
  }
  await api?.stop();
});

function report(role: string, r: FuzzRunResult): string {
  return [
    `${role}: ${r.requests} requests, ${r.serverErrors} 5xx, ${r.conformanceFailures} non-conformance, exit ${r.exitCode}`,
    ...r.failures.map((f) => `  [${f.check}] ${f.operation}: ${f.title}\n    ${f.reproduce ?? ''}`),
    ...(r.requests === 0 || r.exitCode === null ? [r.output.slice(-3000)] : []),
  ].join('\n');
}

describe('schemathesis against /openapi.json (short run, seed 1)', () => {
  it('no 5xx and every response as documented, for every role', async () => {
    let total = 0;
    const reports: string[] = [];
    let bad = 0;
    for (const role of ROLES) {
      const r = await runSchemathesis(st, {
        schemaUrl: `${baseUrl}/openapi.json`,
        token: as(`fuzz-${role}`, role).authorization!.replace(/^Bearer /, ''),
        phases: ['examples', 'fuzzing'],
        maxExamples: 1,
        seed: 1,
        workers: 2,
        timeoutS: 60,
      });
      total += r.requests;
      reports.push(report(role, r));
      bad += r.serverErrors + r.conformanceFailures + (r.requests === 0 || r.exitCode === null ? 1 : 0);
    }
    console.log(`fuzz (short): ${total} requests\n${reports.join('\n')}`);
    expect(bad, reports.join('\n')).toBe(0);
    expect(total).toBeGreaterThanOrEqual(200);
  }, 240_000);
});

describe('what the full run found', () => {
  it('an unknown service-level policy is a 422 at filing (was: the workflow failed, and the key reused gave 500)', async () => {
    const who = as('fuzz-agent', 'agent');
    const headers = { ...who, 'idempotency-key': `fuzz-policy-${Date.now()}` };
    const first = await api.call('POST', '/complaints', headers, { ...SAMPLE_CREATE_BODY, policyId: 'no-such-policy' });
    expect(first.status).toBe(422);
    expect(first.type).toContain('application/problem+json');
    expect(first.body.errors).toEqual([{ pointer: '/policyId', message: 'no such service-level policy' }]);
    const again = await api.call('POST', '/complaints', headers, { ...SAMPLE_CREATE_BODY, policyId: 'no-such-policy' });
    expect(again.status).toBe(422);
  });

  it('POST /codec-session documents its 401 and 403 (HTML pages)', async () => {
    const res = await api.app.request('/codec-session', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=nope' });
    expect(res.status).toBe(401);
    const doc = (await (await api.app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, unknown> }> }>> };
    const responses = doc.paths['/codec-session']!.post!.responses;
    expect(Object.keys(responses['401']!.content)).toEqual(['text/html']);
    expect(Object.keys(responses['403']!.content)).toEqual(['text/html']);
  });
});
