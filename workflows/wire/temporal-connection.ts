/**
 * How the worker and the API reach Temporal: the settings, read from the environment in this one
 * place, and the start-up check that the namespace has the complaint workflow's search attributes.
 *
 *   TEMPORAL_ADDRESS          host:port of the frontend (default localhost:7233)
 *   TEMPORAL_NAMESPACE        the namespace (default `default`)
 *   TASK_QUEUE                the task queue the worker polls and the API starts workflows on
 *                             (default `complaints`, TASK_QUEUE of workflows/contract.ts)
 *   TEMPORAL_TLS              `true`/`1`: TLS with the system's CAs; `false`/`0`: no TLS (the
 *                             default, unless one of the settings below asks for it)
 *   TEMPORAL_TLS_CA           a PEM file of the CA that signed the frontend's certificate (implies TLS)
 *   TEMPORAL_TLS_CERT         mTLS: a PEM file of this client's certificate (with TEMPORAL_TLS_KEY)
 *   TEMPORAL_TLS_KEY          mTLS: a PEM file of its private key (with TEMPORAL_TLS_CERT)
 *   TEMPORAL_TLS_SERVER_NAME  the name to expect in the frontend's certificate (SNI), when it is not
 *                             the address's host (implies TLS)
 *   TEMPORAL_API_KEY          a Temporal Cloud API key, sent as a bearer token (implies TLS)
 *
 * The names are the ones `npm run setup` (scripts/setup.ts) reads. A bad setting is a SettingError
 * that names the setting and never its value when the value is a secret (the API key, a key file's
 * contents). Why here: the worker (NativeConnection) and the API's client (Connection) take the same
 * options, and both already import this folder's payload codec; it runs outside the workflow sandbox
 * (node's fs), and no workflow code imports it.
 */
import fs from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTES_FOR_CLI } from '../search-attributes.js';
import { TASK_QUEUE } from '../contract.js';

/** A setting that cannot be used; the message names it (and never a secret value). */
export class SettingError extends Error {
  override name = 'SettingError';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
  }
}

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Undefined: a plain connection. */
  tls?: TLSConfig;
  apiKey?: string;
  /** What is set, for a start-up line: no key material, no API key. */
  summary: string;
}

const ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?$/;

function flag(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (/^(true|1|on|yes)$/i.test(raw)) return true;
  if (/^(false|0|off|no)$/i.test(raw)) return false;
  throw new SettingError(name, `'${raw}' is neither true nor false`);
}

function pemFile(env: NodeJS.ProcessEnv, name: string): Buffer | undefined {
  const file = env[name]?.trim();
  if (!file) return undefined;
  let content: Buffer;
  try {
    content = fs.readFileSync(file);
  } catch (err) {
    throw new SettingError(name, `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!content.includes('-----BEGIN ')) throw new SettingError(name, `${file} is not a PEM file (no -----BEGIN line)`);
  return content;
}

/** The Temporal settings of the environment; a SettingError when one is wrong. */
export function temporalSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const address = env.TEMPORAL_ADDRESS?.trim() || 'localhost:7233';
  if (!ADDRESS.test(address)) throw new SettingError('TEMPORAL_ADDRESS', `'${address}' is not host:port`);
  const port = address.match(/:(\d+)$/)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw new SettingError('TEMPORAL_ADDRESS', `port ${port} is not a port number`);
  const namespace = env.TEMPORAL_NAMESPACE?.trim() || 'default';
  const taskQueue = env.TASK_QUEUE?.trim() || TASK_QUEUE;

  const tlsFlag = flag(env, 'TEMPORAL_TLS');
  const ca = pemFile(env, 'TEMPORAL_TLS_CA');
  const crt = pemFile(env, 'TEMPORAL_TLS_CERT');
  const key = pemFile(env, 'TEMPORAL_TLS_KEY');
  if (crt && !key) throw new SettingError('TEMPORAL_TLS_KEY', 'is not set, and TEMPORAL_TLS_CERT is: an mTLS client certificate goes with its key');
  if (key && !crt) throw new SettingError('TEMPORAL_TLS_CERT', 'is not set, and TEMPORAL_TLS_KEY is: an mTLS key goes with its certificate');
  const serverName = env.TEMPORAL_TLS_SERVER_NAME?.trim() || undefined;
  const apiKey = env.TEMPORAL_API_KEY?.trim() || undefined;
  const implied = [ca && 'TEMPORAL_TLS_CA', crt && 'TEMPORAL_TLS_CERT', serverName && 'TEMPORAL_TLS_SERVER_NAME', apiKey && 'TEMPORAL_API_KEY'].filter(Boolean);
  if (tlsFlag === false && implied.length) {
    throw new SettingError('TEMPORAL_TLS', `is false, and ${implied.join(', ')} ask${implied.length === 1 ? 's' : ''} for TLS: unset one or the other`);
  }
  const tlsOn = tlsFlag === true || implied.length > 0;
  const tls: TLSConfig | undefined = tlsOn
    ? {
        ...(serverName ? { serverNameOverride: serverName } : {}),
        ...(ca ? { serverRootCACertificate: ca } : {}),
        ...(crt && key ? { clientCertPair: { crt, key } } : {}),
      }
    : undefined;
  const summary = [
    `address=${address}`,
    `namespace=${namespace}`,
    `taskQueue=${taskQueue}`,
    `tls=${tlsOn ? [ca ? 'ca-file' : 'system-ca', ...(crt ? ['mtls'] : []), ...(serverName ? [`server-name=${serverName}`] : [])].join(',') : 'off'}`,
    `apiKey=${apiKey ? 'set' : 'unset'}`,
  ].join(' ');
  return { address, namespace, taskQueue, ...(tls ? { tls } : {}), ...(apiKey ? { apiKey } : {}), summary };
}

/** The options NativeConnection.connect (worker) and Connection.connect (client) both take. */
export function connectionOptions(s: TemporalSettings): { address: string; tls?: TLSConfig; apiKey?: string } {
  return { address: s.address, ...(s.tls ? { tls: s.tls } : {}), ...(s.apiKey ? { apiKey: s.apiKey } : {}) };
}

/** What the start-up check found. */
export type SearchAttributeCheck =
  | { status: 'ready' }
  /** Missing, or there with another type: each named with the type it must have. */
  | { status: 'missing'; namespace: string; missing: string[]; wrongType: string[]; message: string }
  /** The namespace itself is not there. */
  | { status: 'no-namespace'; namespace: string; message: string }
  /** The cluster would not say (no permission, not implemented): not known, not a reason to stop. */
  | { status: 'unknown'; namespace: string; message: string };

type OperatorService = { listSearchAttributes(req: { namespace: string }): Promise<proto.temporal.api.operatorservice.v1.IListSearchAttributesResponse> };

// temporal.api.enums.v1.IndexedValueType, by the CLI's names (SEARCH_ATTRIBUTES_FOR_CLI)
const TYPE_NAMES: Record<number, string> = { 1: 'Text', 2: 'Keyword', 3: 'Int', 4: 'Double', 5: 'Bool', 6: 'Datetime', 7: 'KeywordList' };
const GRPC_NOT_FOUND = 5;
const GRPC_PERMISSION_DENIED = 7;
const GRPC_UNIMPLEMENTED = 12;

/**
 * Whether `namespace` has every search attribute the complaint workflow writes (workflows/search-attributes.ts),
 * with its type. Without them the workflow's tasks fail (BAD_SEARCH_ATTRIBUTES) and nothing moves.
 * Throws only when the cluster cannot be reached.
 */
export async function checkSearchAttributes(operatorService: OperatorService, namespace: string): Promise<SearchAttributeCheck> {
  let found: Record<string, unknown>;
  try {
    found = (await operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  } catch (err) {
    const code = (err as { code?: number }).code;
    const details = (err as { details?: string }).details || (err as Error).message;
    if (code === GRPC_NOT_FOUND) {
      return { status: 'no-namespace', namespace, message: `namespace ${namespace} does not exist: \`npm run setup\` creates it and registers the search attributes` };
    }
    if (code === GRPC_PERMISSION_DENIED || code === GRPC_UNIMPLEMENTED) {
      return { status: 'unknown', namespace, message: `could not check the search attributes of namespace ${namespace} (${details}); \`npm run setup -- --check\` checks them` };
    }
    throw err;
  }
  const missing: string[] = [];
  const wrongType: string[] = [];
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES_FOR_CLI)) {
    const t = found[name];
    if (t === undefined) missing.push(`${name} (${type})`);
    else if (TYPE_NAMES[Number(t)] !== type) wrongType.push(`${name} (${TYPE_NAMES[Number(t)] ?? `type ${String(t)}`}, must be ${type})`);
  }
  if (!missing.length && !wrongType.length) return { status: 'ready' };
  const parts = [
    ...(missing.length ? [`missing ${missing.join(', ')}: \`npm run setup\` registers them`] : []),
    ...(wrongType.length ? [`of another type ${wrongType.join(', ')}: a type cannot change, use another namespace`] : []),
  ];
  return { status: 'missing', namespace, missing, wrongType, message: `namespace ${namespace} lacks the complaint workflow's search attributes: ${parts.join('; ')}` };
}

/** Whole seconds ≥ 0 from the environment (`name`), or `fallback` when unset; a SettingError otherwise. */
export function secondsFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new SettingError(name, `'${raw}' is not a number of seconds ≥ 0`);
  return n;
}
