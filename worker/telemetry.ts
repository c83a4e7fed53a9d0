/**
 * The worker's Runtime options (worker/main.ts installs them once): the SDK's log as JSON lines,
 * and the SDK's worker metrics through the Runtime's Prometheus exporter.
 *
 * Settings (env):
 *   LOG_LEVEL                the SDK's messages from this level on (WARN): TRACE, DEBUG, INFO, WARN, ERROR
 *   WORKER_METRICS_ADDRESS   host:port the Runtime serves its Prometheus metrics on, at /metrics
 *                            (`temporal_` series: task slots, polls, latencies, sticky cache…); unset:
 *                            off (two workers on one machine would fight over one default port).
 *                            e.g. 0.0.0.0:9464
 *
 * A log line: {"time":"…","level":"warn","msg":"…","sdkComponent":"worker","taskQueue":"…",
 * "workflowId":"<complaint id>",…}. Only the SDK's context fields of closed meaning are written
 * (ids, types, task queue, namespace, attempt) and an error's name and message: never arguments
 * or results (payloads hold complainants' personal data).
 */
import { DefaultLogger, makeTelemetryFilterString, type LogEntry, type LogLevel, type RuntimeOptions } from '@temporalio/worker';
import { SettingError } from '../workflows/wire/temporal-connection.js';

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
/** The SDK's context fields that say where a line comes from; anything else in `meta` is left out. */
const KEPT_META = ['sdkComponent', 'taskQueue', 'namespace', 'workflowId', 'runId', 'workflowType', 'activityId', 'activityType', 'attempt', 'isLocal', 'state', 'workerId'] as const;

/** One SDK log entry as one JSON line. */
export function jsonLogLine(entry: LogEntry): string {
  const line: Record<string, unknown> = {
    time: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
    level: entry.level.toLowerCase(),
    msg: entry.message,
  };
  const meta = (entry.meta ?? {}) as Record<string, unknown>;
  for (const key of KEPT_META) {
    const v = meta[key];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') line[key] = v;
  }
  const error = meta.error ?? meta.failure;
  if (error instanceof Error) line.error = { name: error.name, message: error.message };
  return JSON.stringify(line);
}

/** The Runtime's options from the environment; a SettingError names a bad one. */
export function workerRuntimeOptions(env: NodeJS.ProcessEnv = process.env, write: (line: string) => void = (l) => process.stdout.write(l + '\n')): RuntimeOptions {
  const level = (env.LOG_LEVEL?.trim() || 'WARN').toUpperCase() as LogLevel;
  if (!LEVELS.includes(level)) throw new SettingError('LOG_LEVEL', `'${env.LOG_LEVEL}' is not one of ${LEVELS.join(', ')}`);
  const address = env.WORKER_METRICS_ADDRESS?.trim();
  if (address && !/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(address)) {
    throw new SettingError('WORKER_METRICS_ADDRESS', `'${address}' is not host:port (e.g. 0.0.0.0:9464)`);
  }
  return {
    logger: new DefaultLogger(level, (entry) => write(jsonLogLine(entry))),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) },
      ...(address ? { metrics: { prometheus: { bindAddress: address } } } : {}),
    },
  };
}

/** For worker/main.ts: the options, or the process stops naming the bad setting. */
export function workerRuntimeOptionsOrExit(): RuntimeOptions {
  try {
    const options = workerRuntimeOptions();
    const address = process.env.WORKER_METRICS_ADDRESS?.trim();
    if (address) console.log(`worker: Temporal SDK metrics on http://${address}/metrics`);
    return options;
  } catch (err) {
    if (!(err instanceof SettingError)) throw err;
    console.error(`worker: ${err.message}`);
    process.exit(2);
  }
}
