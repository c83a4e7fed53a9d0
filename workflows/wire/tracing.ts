/**
 * OpenTelemetry traces, from the API through the workflow to its activities, when an OTLP endpoint
 * is configured (OTEL_EXPORTER_OTLP_ENDPOINT, or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; OTLP over HTTP,
 * JSON). Unset: tracingFromEnv answers undefined and nothing of OpenTelemetry is loaded (the
 * packages are imported here, dynamically, only when it is set): no interceptor, no overhead.
 *
 * Set, the spans: the API's request (`POST /complaints`, by route template), the client's
 * `StartWorkflow:complaint` / `UpdateWorkflow:…`, the worker's `RunWorkflow:complaint`, each
 * `StartActivity:…` from the workflow and `RunActivity:…` in the worker, one trace per request
 * (@temporalio/interceptors-opentelemetry's OpenTelemetryPlugin: client, activity and workflow
 * interceptors; workflow spans leave the sandbox through its sink). Span attributes carry ids and
 * types only, never a payload. OTEL_SERVICE_NAME names the service (else complaint-desk-api /
 * complaint-desk-worker).
 *
 * The workflow's interceptors must be in the workflow bundle: bundles built with `workflowsPath`
 * and this plugin get them; a prebuilt bundle (WORKER_WORKFLOW_BUNDLE) must have been built with
 * `workflowInterceptorModules` (see `workflowInterceptorModules` below).
 */
import type { Context, Tracer } from '@opentelemetry/api';
import type { ClientPlugin } from '@temporalio/client';
import type { WorkerPlugin } from '@temporalio/worker';
import { createRequire } from 'node:module';

export interface Tracing {
  /** For the API's own request spans (api/app.ts). */
  tracer: Tracer;
  /** The caller's trace (a W3C `traceparent` header), for the request span's parent; none: a new trace. */
  parentFrom(headers: Headers): Context;
  /** For `new Client({ plugins })` and `Worker.create({ plugins })`. */
  plugins: Array<ClientPlugin & WorkerPlugin>;
  /** The workflow interceptor module, for bundleWorkflowCode({ workflowInterceptorModules }). */
  workflowInterceptorModules: string[];
  /** Sends what is left and stops. */
  shutdown(): Promise<void>;
}

export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/** Tracing as configured in `env`, or undefined (and nothing loaded) when no OTLP endpoint is set. */
export async function tracingFromEnv(defaultServiceName: string, env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  if (!tracingConfigured(env)) return undefined;
  const [api, { AsyncLocalStorageContextManager }, { BasicTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { Resource }, { OpenTelemetryPlugin }] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@temporalio/interceptors-opentelemetry'),
  ]);
  const base = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || `${env.OTEL_EXPORTER_OTLP_ENDPOINT!.trim().replace(/\/+$/, '')}/v1/traces`;
  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME?.trim() || defaultServiceName });
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: base }), { scheduledDelayMillis: 1000 });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // The active span follows async calls (the request's span is the parent of the client's).
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.trace.setGlobalTracerProvider(provider);
  api.propagation.setGlobalPropagator(new (await import('@opentelemetry/core')).W3CTraceContextPropagator());
  const tracer = provider.getTracer('complaint-desk');
  const plugin = new OpenTelemetryPlugin({ resource, spanProcessor, tracer });
  const require = createRequire(import.meta.url);
  const getter = { get: (h: Headers, key: string) => h.get(key) ?? undefined, keys: (h: Headers) => [...h.keys()] };
  return {
    tracer,
    parentFrom: (headers) => api.propagation.extract(api.context.active(), headers, getter),
    plugins: [plugin],
    workflowInterceptorModules: [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')],
    async shutdown() {
      await provider.forceFlush();
      await provider.shutdown();
    },
  };
}
