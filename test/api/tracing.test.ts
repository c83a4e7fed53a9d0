/**
 * OpenTelemetry traces for a filing, from the API through the workflow to its activities, sent by
 * OTLP/HTTP (JSON) to a receiver of our own (a tiny HTTP server: the collector is not installable
 * here from a package registry). Off when no endpoint is configured: nothing is loaded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { bundleWorkflowsInChildProcess, createComplaintWorker } from '../../worker/worker.js';
import { tracingFromEnv, type Tracing } from '../../workflows/wire/tracing.js';
import type { TestDatabase } from '../support/database.js';
import { SAMPLE_CREATE_BODY } from '../support/intake.js';
import { connectDevServer, testDataConverter } from '../support/temporal.js';
import { as, startApiHarness, type ApiHarness } from '../support/api.js';

interface ReceivedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  attributes: Record<string, unknown>;
}
const received: ReceivedSpan[] = [];
const paths: string[] = [];
let receiver: http.Server;
let endpoint: string;

/** An OTLP/HTTP JSON receiver: POST /v1/traces, ExportTraceServiceRequest. */
function startReceiver(): Promise<void> {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      paths.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      const doc = JSON.parse(body) as { resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }; scopeSpans: Array<{ spans: Array<Record<string, any>> }> }> };
      for (const rs of doc.resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) {
            const attributes = Object.fromEntries((s.attributes ?? []).map((a: { key: string; value: Record<string, unknown> }) => [a.key, Object.values(a.value)[0]]));
            received.push({ service, name: s.name, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', attributes });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => receiver.listen(0, '127.0.0.1', () => {
    endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    resolve();
  }));
}

let tracing: Tracing;
let database: TestDatabase;
let api: ApiHarness;

beforeAll(async () => {
  await startReceiver();
  tracing = (await tracingFromEnv('complaint-desk-test', { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }))!;
  api = await startApiHarness({ taskQueuePrefix: 'tracing-users' }); // for the agent's token
  database = api.database;
});

afterAll(async () => {
  await api?.stop();
  receiver?.close();
});

describe('traces', () => {
  it('are off without an endpoint: nothing configured, nothing loaded', async () => {
    expect(await tracingFromEnv('x', {})).toBeUndefined();
  });

  it('follow a filing from the API through the workflow to its activities, one trace', async () => {
    const taskQueue = `tracing-${Date.now().toString(36)}`;
    const native = await connectDevServer();
    // Bundled as worker/main.ts does (a child process), with the workflow's interceptors in the bundle.
    const bundle = await bundleWorkflowsInChildProcess(tracing.workflowInterceptorModules);
    let worker;
    try {
      worker = await createComplaintWorker({ connection: native, namespace: 'default', db: database.db, taskQueue, dataConverter: testDataConverter, workflowBundlePath: bundle.path, tuning: { plugins: tracing.plugins } });
    } finally {
      bundle.remove();
    }
    const running = worker.run();
    try {
      const temporal = new Client({ connection: api.temporal.connection, namespace: 'default', dataConverter: testDataConverter, plugins: tracing.plugins });
      const app = createApp({ db: database.db, temporal, taskQueue }, { tracing });
      const agent = as('tracing-agent', 'agent');
      await api.call('GET', '/me', agent); // its token on file
      const res = await app.request('/complaints', { method: 'POST', headers: { 'content-type': 'application/json', ...agent }, body: JSON.stringify(SAMPLE_CREATE_BODY) });
      expect(res.status).toBe(201);
      const { complaintId } = (await res.json()) as { complaintId: string };

      await expect
        .poll(
          async () => {
            await flush();
            const root = received.find((s) => s.name === 'POST /complaints');
            if (!root) return 'no request span';
            const trace = received.filter((s) => s.traceId === root.traceId).map((s) => s.name);
            // RunWorkflow:complaint ends (and is sent) when the workflow does, days later; the
            // workflow's StartActivity spans, sent through its sink, are its part here.
            const want = ['StartWorkflow:complaint', 'StartActivity:recordIntake', 'RunActivity:recordIntake'];
            const missing = want.filter((w) => !trace.includes(w));
            if (missing.length) return `missing ${missing.join(', ')} in ${trace.join(', ')}`;
            if (!trace.some((n) => n.startsWith('StartActivity:')) || !trace.some((n) => n.startsWith('RunActivity:'))) return `no activity spans in ${trace.join(', ')}`;
            return 'ok';
          },
          { timeout: 30_000, interval: 1000 },
        )
        .toBe('ok');
      const root = received.find((s) => s.name === 'POST /complaints')!;
      expect(root).toMatchObject({ service: 'complaint-desk-test', parentSpanId: '' });
      expect(root.attributes).toMatchObject({ 'http.route': '/complaints', 'http.response.status_code': 201 });
      const start = received.find((s) => s.traceId === root.traceId && s.name === 'StartWorkflow:complaint')!;
      expect(start.parentSpanId).toBe(root.spanId);
      // Each activity run is the child of the workflow's StartActivity span.
      const startIntake = received.find((s) => s.traceId === root.traceId && s.name === 'StartActivity:recordIntake')!;
      const runIntake = received.find((s) => s.traceId === root.traceId && s.name === 'RunActivity:recordIntake')!;
      expect(runIntake.parentSpanId).toBe(startIntake.spanId);
      expect(paths[0]).toMatch(/^POST \/v1\/traces application\/json/);
      // A caller's trace (W3C traceparent) is the parent of the request's span.
      const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
      const read = await app.request(`/complaints/${complaintId}`, { headers: { ...agent, traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` } });
      expect(read.status).toBe(200);
      await expect.poll(async () => (await flush(), received.find((s) => s.name === 'GET /complaints/{id}')), { timeout: 10_000 }).toMatchObject({ traceId: callerTrace, parentSpanId: '00f067aa0ba902b7' });
      // Nothing personal in any span: ids and types only.
      const all = JSON.stringify(received);
      for (const s of [SAMPLE_CREATE_BODY.complainant.name, SAMPLE_CREATE_BODY.event.description]) expect(all).not.toContain(s);
      expect(all).toContain(complaintId); // the workflow id is the complaint id
    } finally {
      worker.shutdown();
      await running;
      await native.close();
      await tracing.shutdown();
    }
  });
});

async function flush() {
  // The batch processor sends every second; force it so the poll sees what was ended.
  const { trace } = await import('@opentelemetry/api');
  const provider = trace.getTracerProvider() as unknown as { forceFlush?: () => Promise<void>; getDelegate?: () => { forceFlush?: () => Promise<void> } };
  await (provider.forceFlush?.() ?? provider.getDelegate?.().forceFlush?.());
}
