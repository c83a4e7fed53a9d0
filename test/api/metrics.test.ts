/**
 * What an operator scrapes and reads: /metrics after a known sequence of requests (the counters by
 * route template and status move by exactly that; the trade's gauges say what is on file), the JSON
 * request log (one line per request, request id and complaint id, nothing personal), and /readyz
 * (200 when PostgreSQL, Temporal and the search attributes are there; 503 naming what is not).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../../api/app.js';
import type { LogSink } from '../../api/logging.js';
import { connect } from '../../db/connect.js';
import { as, startApiHarness, type ApiHarness } from '../support/api.js';
import { SAMPLE_CREATE_BODY } from '../support/intake.js';
import { testDataConverter } from '../support/temporal.js';

const agent = as('metrics-agent', 'agent');
let api: ApiHarness;
let app: ReturnType<typeof createApp>;
const lines: Array<Record<string, unknown>> = [];
const sink: LogSink = (entry) => lines.push(JSON.parse(JSON.stringify({ time: new Date().toISOString(), ...entry })));

beforeAll(async () => {
  api = await startApiHarness({ taskQueuePrefix: 'metrics-tests' });
  app = createApp({ db: api.database.db, temporal: api.temporal, taskQueue: api.taskQueue }, { log: sink, metricsToken: '' });
  await api.call('GET', '/me', agent); // the agent's token on file
});

afterAll(async () => {
  await api?.stop();
});

const request = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
  app.request(path, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });

/** A sample's value in the exposition text: `name{labels…}` with exactly these labels; 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    const want = Object.entries(labels);
    if (want.length === Object.keys(got).length && want.every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return 0;
}

async function scrape(): Promise<string> {
  const res = await request('GET', '/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return res.text();
}

/** Every string in the sample filing of four characters or more: none may reach a log or a metric. */
function personalStrings(): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string' && v.length >= 4) out.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(SAMPLE_CREATE_BODY);
  return out;
}

describe('/metrics after a known sequence of requests', () => {
  it('counts two filings, one refused filing and one read by route template and status, exactly', async () => {
    const before = await scrape();
    const filed: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await request('POST', '/complaints', agent, SAMPLE_CREATE_BODY);
      expect(res.status).toBe(201);
      filed.push(((await res.json()) as { complaintId: string }).complaintId);
    }
    const refused = await request('POST', '/complaints', agent, { ...SAMPLE_CREATE_BODY, channel: 'carrier pigeon' });
    expect(refused.status).toBe(422);
    expect((await request('GET', `/complaints/${filed[0]}`, agent)).status).toBe(200);
    expect((await request('GET', `/complaints/${randomUUID()}`, agent)).status).toBe(404);
    expect((await request('GET', '/no/such/thing')).status).toBe(404);
    const after = await scrape();

    const delta = (labels: Record<string, string>) =>
      sample(after, 'complaints_api_requests_total', labels) - sample(before, 'complaints_api_requests_total', labels);
    expect(delta({ method: 'POST', route: '/complaints', status: '201' })).toBe(2);
    expect(delta({ method: 'POST', route: '/complaints', status: '422' })).toBe(1);
    expect(delta({ method: 'GET', route: '/complaints/{id}', status: '200' })).toBe(1);
    expect(delta({ method: 'GET', route: '/complaints/{id}', status: '404' })).toBe(1);
    expect(delta({ method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    // The latency histogram counts the same requests.
    const count = (text: string) => sample(text, 'complaints_api_request_duration_seconds_count', { method: 'POST', route: '/complaints', status: '201' });
    expect(count(after) - count(before)).toBe(2);
    expect(sample(after, 'complaints_api_request_duration_seconds_bucket', { method: 'POST', route: '/complaints', status: '201', le: '+Inf' })).toBe(count(after));

    // Never a path, an id or a submitted value.
    for (const id of filed) expect(after).not.toContain(id);
    expect(after).not.toContain('/no/such/thing');
    for (const s of personalStrings()) expect(after, s).not.toContain(s);
    // The process's own metrics are there too.
    expect(after).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('gauges what is on file: open complaints by stage, clocks by kind and status, breaches, reports due', async () => {
    const res = await request('POST', '/complaints', agent, SAMPLE_CREATE_BODY);
    expect(res.status).toBe(201);
    const text = await scrape();
    const db = api.database.db;
    expect(sample(text, 'complaints_gauges_read_ok')).toBe(1);

    const stages = await db.selectFrom('complaints').select(['stage', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('stage').execute();
    expect(stages.length).toBeGreaterThan(0);
    for (const s of stages) {
      if (s.stage === 'closed' || s.stage === 'withdrawn') expect(text).not.toContain(`stage="${s.stage}"`);
      else expect(sample(text, 'complaints_open', { stage: s.stage }), s.stage).toBe(Number(s.n));
    }
    expect(sample(text, 'complaints_open', { stage: 'intake' })).toBeGreaterThanOrEqual(3);
    // A stage with nothing in it says 0, not nothing.
    expect(text).toMatch(/^complaints_open\{stage="revisit"\} 0$/m);

    const clocks = await db.selectFrom('sla_clocks').select(['kind', 'status', (eb) => eb.fn.countAll<string>().as('n')]).groupBy(['kind', 'status']).execute();
    expect(clocks.length).toBeGreaterThan(0);
    for (const k of clocks) expect(sample(text, 'complaints_sla_clocks', { kind: k.kind, status: k.status }), `${k.kind} ${k.status}`).toBe(Number(k.n));

    const breached = await db.selectFrom('sla_clocks').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', 'breached').where('met_at', 'is', null).executeTakeFirstOrThrow();
    const breachSum = [...text.matchAll(/^complaints_sla_breaches_unanswered\{kind="[^"]+"\} (\d+)$/gm)].reduce((s, m) => s + Number(m[1]), 0);
    expect(breachSum).toBe(Number(breached.n));

    const reports = await db.selectFrom('regulatory_reports').select(['jurisdiction', 'status', (eb) => eb.fn.countAll<string>().as('n')]).where('status', '!=', 'submitted').groupBy(['jurisdiction', 'status']).execute();
    for (const j of ['CN', 'US', 'EU']) {
      for (const [state, status] of [['due', 'open'], ['overdue', 'overdue']] as const) {
        const onFile = Number(reports.find((r) => r.jurisdiction === j && r.status === status)?.n ?? 0);
        expect(sample(text, 'complaints_regulatory_reports', { jurisdiction: j, state }), `${j} ${state}`).toBe(onFile);
      }
    }
  });

  it('still answers when PostgreSQL does not, and says the gauges were not read', async () => {
    const unreachable = connect('postgres://nobody:nothing@127.0.0.1:1/none', { max: 1 });
    try {
      const down = createApp({ db: unreachable, temporal: api.temporal, taskQueue: 'unused' }, { metricsToken: '' });
      const res = await down.request('/metrics');
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(sample(text, 'complaints_gauges_read_ok')).toBe(0);
      expect(text).not.toMatch(/^complaints_open\{/m);
    } finally {
      await unreachable.destroy();
    }
  });

  it('asks for the metrics token when the server has one', async () => {
    const guarded = createApp({ db: api.database.db, temporal: api.temporal, taskQueue: api.taskQueue }, { metricsToken: 'scrape-secret-1' });
    expect((await guarded.request('/metrics')).status).toBe(401);
    expect((await guarded.request('/metrics', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const res = await guarded.request('/metrics', { headers: { authorization: 'Bearer scrape-secret-1' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('complaints_api_requests_total');
  });
});

describe('the JSON request log and the request id', () => {
  it('writes one line per request with its request id, route template, status, duration and complaint id, nothing personal', async () => {
    lines.length = 0;
    const filing = await request('POST', '/complaints', { ...agent, 'x-request-id': 'lb-req-0001' }, SAMPLE_CREATE_BODY);
    expect(filing.status).toBe(201);
    expect(filing.headers.get('x-request-id')).toBe('lb-req-0001');
    const { complaintId } = (await filing.json()) as { complaintId: string };
    const read = await request('GET', `/complaints/${complaintId}`, agent);
    expect(read.status).toBe(200);
    // An id that is not sane (spaces, an address) is replaced by a new one, answered.
    const odd = await request('GET', `/complaints/${complaintId}/events`, { ...agent, 'x-request-id': 'zhang.wei@example.com please' });
    const given = odd.headers.get('x-request-id')!;
    expect(given).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await request('POST', '/complaints', agent, { ...SAMPLE_CREATE_BODY, channel: 'carrier pigeon' });
    expect(refused.status).toBe(422);

    expect(lines).toHaveLength(4);
    const [filed, got, events, bad] = lines;
    expect(filed).toMatchObject({ level: 'info', msg: 'request', requestId: 'lb-req-0001', method: 'POST', route: '/complaints', status: 201 });
    expect(filed.complaintId).toBeUndefined(); // the route names no complaint
    expect(got).toMatchObject({ level: 'info', method: 'GET', route: '/complaints/{id}', status: 200, complaintId });
    expect(got.requestId).toBe(read.headers.get('x-request-id'));
    expect(events).toMatchObject({ route: '/complaints/{id}/events', requestId: given, complaintId });
    expect(bad).toMatchObject({ level: 'warn', route: '/complaints', status: 422 });
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(['durationMs', 'level', 'method', 'msg', 'requestId', 'route', 'status', 'time', ...(line.complaintId ? ['complaintId'] : [])].sort());
      expect(typeof line.durationMs).toBe('number');
      expect(new Date(line.time as string).toISOString()).toBe(line.time);
    }
    const all = JSON.stringify(lines);
    for (const s of personalStrings()) expect(all, s).not.toContain(s);
    expect(all).not.toContain('zhang.wei@example.com');
  });
});

describe('/readyz', () => {
  it('is 200 when PostgreSQL, Temporal and the search attributes are there', async () => {
    const res = await request('GET', '/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', postgres: 'up', temporal: 'up', searchAttributes: 'ready' });
  });

  it('is 503 naming PostgreSQL when it does not answer (and /healthz keeps its answer)', async () => {
    const unreachable = connect('postgres://nobody:nothing@127.0.0.1:1/none', { max: 1 });
    try {
      const down = createApp({ db: unreachable, temporal: api.temporal, taskQueue: 'unused' });
      const res = await down.request('/readyz');
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ status: 503, title: 'Not ready', postgres: 'down', temporal: 'up', searchAttributes: 'ready', draining: false, problems: ['PostgreSQL does not answer'] });
      expect(body.detail).toContain('PostgreSQL');
      expect((await down.request('/healthz')).status).toBe(503);
    } finally {
      await unreachable.destroy();
    }
  });

  it('is 503 naming each missing search attribute in a namespace that lacks them', async () => {
    const namespace = `bare-${randomUUID().slice(0, 8)}`;
    await api.temporal.connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: 86400 } as never });
    const bare = new Client({ connection: api.temporal.connection, namespace, dataConverter: testDataConverter });
    const lacking = createApp({ db: api.database.db, temporal: bare, taskQueue: 'unused' });
    // A namespace just made may take a moment to be found by every service.
    let body: Record<string, unknown> = {};
    await expect
      .poll(
        async () => {
          const res = await lacking.request('/readyz');
          body = (await res.json()) as Record<string, unknown>;
          return `${res.status} ${body.searchAttributes}`;
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe('503 missing');
    expect(body.detail).toContain('ComplaintStage (Keyword)');
    expect(body.detail).toContain('ComplaintJurisdictions (KeywordList)');
    expect(body.detail).toContain('npm run setup');
    // /healthz stays liveness: both systems answer.
    expect((await lacking.request('/healthz')).status).toBe(200);
  });
});

describe('api/main.ts, the process', () => {
  it('logs each request as a JSON line on stdout, answers /readyz and /metrics over HTTP', async () => {
    const repo = path.resolve(import.meta.dirname, '../..');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'api/main.ts')], {
      cwd: repo,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PAYLOAD_KEYS: 'k1:Y29tcGxhaW50LWRlc2stdGVzdC1rZXktMzItYnl0ZXM=',
        DATABASE_URL: api.database.url,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        API_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!/listening on http:\/\/localhost:(\d+)/.test(out) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const port = Number(/listening on http:\/\/localhost:(\d+)/.exec(out)?.[1]);
      expect(port, err).toBeGreaterThan(0);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`, { headers: { 'x-request-id': 'probe-0001' } });
      expect(ready.status).toBe(200);
      expect(ready.headers.get('x-request-id')).toBe('probe-0001');
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(sample(metrics, 'complaints_api_requests_total', { method: 'GET', route: '/readyz', status: '200' })).toBe(1);
      await expect.poll(() => out.includes('"requestId":"probe-0001"'), { timeout: 5_000 }).toBe(true);
      const line = JSON.parse(out.split('\n').find((l) => l.includes('"requestId":"probe-0001"'))!);
      expect(line).toMatchObject({ level: 'info', msg: 'request', method: 'GET', route: '/readyz', status: 200, requestId: 'probe-0001' });
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
