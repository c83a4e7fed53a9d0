/**
 * `npm run setup`: makes a Temporal cluster ready for the complaint desk, and says what it did.
 *
 *   namespace          TEMPORAL_NAMESPACE (default `default`): described; registered when missing and
 *                      the cluster allows it (retention TEMPORAL_NAMESPACE_RETENTION_DAYS, default 30)
 *   search attributes  the eight of workflows/search-attributes.ts, with their types: the ones missing
 *                      are added; one that exists with another type is an error that names both types
 *                      (nothing can fix that but a new name or a new namespace)
 *   visibility budget  SQL visibility (PostgreSQL, MySQL, SQLite) has a fixed number of columns per
 *                      type for custom attributes (3 Bool, 10 Keyword, 3 KeywordList, …): checked
 *                      before anything is added, and stated
 *
 * Safe to run again: a second run finds everything in place and changes nothing. `--check` changes
 * nothing at all and exits 1 when something is missing (what a start-up check would say).
 *
 * Connection (env): TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE; for a secured
 * cluster TEMPORAL_TLS=true (server TLS with the system's CAs), TEMPORAL_TLS_CA (a CA file),
 * TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (mTLS client certificate and key files),
 * TEMPORAL_TLS_SERVER_NAME, TEMPORAL_API_KEY (Temporal Cloud API key; implies TLS).
 *
 * Exit code: 0 ready (or made ready), 1 not ready (a wrong type, no room, not allowed; --check: missing),
 * 2 the cluster could not be reached.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection, isGrpcServiceError, type ConnectionOptions } from '@temporalio/client';
import proto from '@temporalio/proto';

const { temporal } = proto;
import { SEARCH_ATTRIBUTES_FOR_CLI } from '../workflows/search-attributes.js';
import { connectionOptions, temporalSettingsFromEnv, type TemporalSettings } from '../workflows/wire/temporal-connection.js';

const IVT = temporal.api.enums.v1.IndexedValueType;
type TypeName = 'Text' | 'Keyword' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

const TYPE_OF_ENUM: Record<number, TypeName> = {
  [IVT.INDEXED_VALUE_TYPE_TEXT]: 'Text',
  [IVT.INDEXED_VALUE_TYPE_KEYWORD]: 'Keyword',
  [IVT.INDEXED_VALUE_TYPE_INT]: 'Int',
  [IVT.INDEXED_VALUE_TYPE_DOUBLE]: 'Double',
  [IVT.INDEXED_VALUE_TYPE_BOOL]: 'Bool',
  [IVT.INDEXED_VALUE_TYPE_DATETIME]: 'Datetime',
  [IVT.INDEXED_VALUE_TYPE_KEYWORD_LIST]: 'KeywordList',
};
const ENUM_OF_TYPE = Object.fromEntries(Object.entries(TYPE_OF_ENUM).map(([k, v]) => [v, Number(k)])) as Record<TypeName, number>;

/**
 * Custom search attributes per type that SQL visibility holds (pre-made columns of the
 * executions_visibility table: Bool01-03, Keyword01-10, … in schema/postgresql/v12/visibility; the same
 * for MySQL 8 and SQLite). Elasticsearch/OpenSearch visibility has no per-type columns.
 */
export const SQL_VISIBILITY_BUDGET: Record<TypeName, number> = { Bool: 3, Datetime: 3, Double: 3, Int: 3, Keyword: 10, KeywordList: 3, Text: 3 };

/** The attributes the complaint workflow upserts: name → type (from workflows/search-attributes.ts). */
export const REQUIRED_SEARCH_ATTRIBUTES: Record<string, TypeName> = { ...SEARCH_ATTRIBUTES_FOR_CLI };

export interface SetupOptions {
  address: string;
  namespace: string;
  /** Change nothing; report what is missing. */
  checkOnly?: boolean;
  /** Retention of a namespace this creates (days, default 30). */
  retentionDays?: number;
  /** Connection settings beyond the address (TLS, API key). */
  connection?: Omit<ConnectionOptions, 'address'>;
  /** Each line of what is found and done (default console.log). */
  log?: (line: string) => void;
}

export interface SetupReport {
  /** Whether the namespace and every attribute with its type are in place (after the changes, if any). */
  ready: boolean;
  /** What was changed (empty when everything was in place, or with checkOnly). */
  changes: string[];
  /** What is wrong or missing (empty when ready). */
  problems: string[];
  /** The visibility store the cluster reports (e.g. `postgres12`), '' when it does not say. */
  visibilityStore: string;
  /** Custom attributes by type in the namespace after the run, and the SQL budget where it applies. */
  budget: Array<{ type: TypeName; used: number; allowed?: number }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const grpcCode = (err: unknown) => (isGrpcServiceError(err) ? err.code : undefined);
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const PERMISSION_DENIED = 7;
const UNIMPLEMENTED = 12;
const message = (err: unknown) => (isGrpcServiceError(err) ? err.details || err.message : (err as Error).message);

/** Checks the cluster and, unless checkOnly, creates what is missing. Throws only when the cluster cannot be reached. */
export async function runSetup(o: SetupOptions): Promise<SetupReport> {
  const log = o.log ?? ((line: string) => console.log(line));
  const changes: string[] = [];
  const problems: string[] = [];
  const connection = await Connection.connect({ ...o.connection, address: o.address });
  try {
    const ws = connection.workflowService;
    const ops = connection.operatorService;

    let visibilityStore = '';
    let serverVersion = '';
    try {
      const info = await ws.getClusterInfo({});
      visibilityStore = info.visibilityStore ?? '';
      serverVersion = info.serverVersion ?? '';
    } catch {
      // Temporal Cloud and some proxies do not answer it
    }
    log(`cluster ${o.address}: Temporal ${serverVersion || '(version not reported)'}, visibility ${visibilityStore || '(not reported)'}`);

    // ---- The namespace --------------------------------------------------------------------------
    let exists = false;
    try {
      const d = await ws.describeNamespace({ namespace: o.namespace });
      exists = true;
      const seconds = Number(d.config?.workflowExecutionRetentionTtl?.seconds ?? 0);
      log(`namespace ${o.namespace}: exists (retention ${seconds ? `${Math.round(seconds / 86400)} days` : 'not reported'})`);
    } catch (err) {
      if (grpcCode(err) !== NOT_FOUND) throw err;
    }
    if (!exists) {
      if (o.checkOnly) {
        problems.push(`namespace ${o.namespace} does not exist (npm run setup creates it)`);
        log(`namespace ${o.namespace}: MISSING`);
        return { ready: false, changes, problems, visibilityStore, budget: [] };
      }
      const days = o.retentionDays ?? 30;
      try {
        await ws.registerNamespace({
          namespace: o.namespace,
          description: 'Complaint desk (created by npm run setup)',
          // protobufjs takes a number where its types say Long
          workflowExecutionRetentionPeriod: { seconds: days * 86400 } as unknown as proto.temporal.api.workflowservice.v1.IRegisterNamespaceRequest['workflowExecutionRetentionPeriod'],
        });
        changes.push(`created namespace ${o.namespace} (retention ${days} days)`);
        log(`namespace ${o.namespace}: created (retention ${days} days)`);
      } catch (err) {
        if (grpcCode(err) === ALREADY_EXISTS) {
          log(`namespace ${o.namespace}: created meanwhile by someone else`);
        } else {
          const why =
            grpcCode(err) === PERMISSION_DENIED || grpcCode(err) === UNIMPLEMENTED
              ? `this cluster does not let us create namespaces (${message(err)}): create ${o.namespace} yourself (Temporal Cloud: in the Cloud UI or with tcld), then run npm run setup again`
              : `could not create namespace ${o.namespace}: ${message(err)}`;
          problems.push(why);
          log(`namespace ${o.namespace}: ${why}`);
          return { ready: false, changes, problems, visibilityStore, budget: [] };
        }
      }
    }

    // ---- The search attributes ------------------------------------------------------------------
    // A namespace just made may take a moment (the services' namespace caches) to be found here.
    const list = async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await ops.listSearchAttributes({ namespace: o.namespace });
        } catch (err) {
          if (grpcCode(err) !== NOT_FOUND || attempt >= 60) throw err;
          await sleep(500);
        }
      }
    };
    const existing = new Map<string, TypeName>();
    for (const [name, t] of Object.entries((await list()).customAttributes ?? {})) existing.set(name, TYPE_OF_ENUM[t as number] ?? ('Unspecified' as TypeName));

    const missing: Array<[string, TypeName]> = [];
    for (const [name, type] of Object.entries(REQUIRED_SEARCH_ATTRIBUTES)) {
      const found = existing.get(name);
      if (found === undefined) missing.push([name, type]);
      else if (found !== type) {
        problems.push(
          `search attribute ${name} exists as ${found} in namespace ${o.namespace}, and the complaint workflow writes it as ${type}: ` +
            `a search attribute's type cannot be changed; use a new namespace (or remove the attribute, where the cluster allows it)`,
        );
        log(`search attribute ${name} (${type}): WRONG TYPE, it is ${found}`);
      } else log(`search attribute ${name} (${type}): exists`);
    }

    const sql = /postgres|mysql|sqlite/i.test(visibilityStore);
    const usedBy = (type: TypeName) => [...existing.values()].filter((t) => t === type).length;
    if (sql) {
      for (const [type, allowed] of Object.entries(SQL_VISIBILITY_BUDGET) as Array<[TypeName, number]>) {
        const need = missing.filter(([, t]) => t === type).length;
        if (need && usedBy(type) + need > allowed) {
          problems.push(
            `no room for ${need} more ${type} search attribute(s) in namespace ${o.namespace}: SQL visibility (${visibilityStore}) holds ${allowed} ${type} ` +
              `custom attributes and ${usedBy(type)} are taken (${[...existing].filter(([, t]) => t === type).map(([n]) => n).join(', ')})`,
          );
        }
      }
    }

    if (missing.length) {
      if (o.checkOnly) {
        for (const [name, type] of missing) {
          problems.push(`search attribute ${name} (${type}) is missing in namespace ${o.namespace} (npm run setup adds it)`);
          log(`search attribute ${name} (${type}): MISSING`);
        }
      } else if (problems.length > 0) {
        for (const [name, type] of missing) log(`search attribute ${name} (${type}): missing, not added (the problems below come first)`);
      } else {
        const searchAttributes = Object.fromEntries(missing.map(([name, type]) => [name, ENUM_OF_TYPE[type]]));
        for (let attempt = 0; ; attempt++) {
          try {
            await ops.addSearchAttributes({ namespace: o.namespace, searchAttributes });
            break;
          } catch (err) {
            if (grpcCode(err) === NOT_FOUND && attempt < 60) {
              await sleep(500); // the namespace, just made, not yet in the operator's cache
              continue;
            }
            const why =
              grpcCode(err) === PERMISSION_DENIED || grpcCode(err) === UNIMPLEMENTED
                ? `this cluster does not let us add search attributes (${message(err)}): add ${missing.map(([n, t]) => `${n} ${t}`).join(', ')} yourself (Temporal Cloud: in the Cloud UI or with tcld namespace search-attributes add)`
                : `adding search attributes failed: ${message(err)}`;
            problems.push(why);
            log(why);
            break;
          }
        }
        if (problems.length === 0) {
          // Read back: the attributes are there, with their types, before we say so.
          const deadline = Date.now() + 30_000;
          for (;;) {
            const now = (await list()).customAttributes ?? {};
            const notYet = missing.filter(([name, type]) => TYPE_OF_ENUM[now[name] as number] !== type);
            if (notYet.length === 0) break;
            if (Date.now() > deadline) {
              problems.push(`added, but still not listed after 30 s: ${notYet.map(([n]) => n).join(', ')}`);
              break;
            }
            await sleep(500);
          }
          for (const [name, type] of missing) {
            existing.set(name, type);
            changes.push(`added search attribute ${name} (${type})`);
            log(`search attribute ${name} (${type}): added`);
          }
        }
      }
    }

    const types = [...new Set([...Object.values(REQUIRED_SEARCH_ATTRIBUTES), ...existing.values()])].sort() as TypeName[];
    const budget = types.map((type) => ({ type, used: usedBy(type), ...(sql ? { allowed: SQL_VISIBILITY_BUDGET[type] } : {}) }));
    const ours = (type: TypeName) => Object.values(REQUIRED_SEARCH_ATTRIBUTES).filter((t) => t === type).length;
    log(
      sql
        ? `visibility budget (SQL visibility, ${visibilityStore}): ` +
            budget.map((b) => `${b.type} ${b.used} of ${b.allowed ?? '?'} (${ours(b.type)} ours)`).join(', ')
        : `visibility: ${visibilityStore || 'store not reported'}: no per-type budget (Elasticsearch/OpenSearch, or Temporal Cloud); custom attributes ` +
            budget.map((b) => `${b.type} ${b.used}`).join(', '),
    );
    const ready = problems.length === 0 && Object.entries(REQUIRED_SEARCH_ATTRIBUTES).every(([n, t]) => existing.get(n) === t);
    log(ready ? (changes.length ? `ready: ${changes.length} change(s) made` : 'ready: nothing to change') : `NOT READY:\n  ${problems.join('\n  ')}`);
    return { ready, changes, problems, visibilityStore, budget };
  } finally {
    await connection.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const checkOnly = process.argv.includes('--check');
  const unknown = process.argv.slice(2).filter((a) => a !== '--check');
  if (unknown.length) {
    console.error(`setup: unknown argument(s) ${unknown.join(' ')}; usage: npm run setup [-- --check]`);
    process.exit(2);
  }
  const env = process.env;
  const retention = env.TEMPORAL_NAMESPACE_RETENTION_DAYS ? Number(env.TEMPORAL_NAMESPACE_RETENTION_DAYS) : undefined;
  if (retention !== undefined && !(Number.isInteger(retention) && retention > 0)) {
    console.error(`setup: TEMPORAL_NAMESPACE_RETENTION_DAYS=${env.TEMPORAL_NAMESPACE_RETENTION_DAYS} is not a positive whole number of days`);
    process.exit(2);
  }
  let settings: TemporalSettings;
  try {
    settings = temporalSettingsFromEnv(env);
  } catch (err) {
    console.error(`setup: ${(err as Error).message}`);
    process.exit(2);
  }
  let code = 2;
  try {
    const { address, ...connection } = connectionOptions(settings);
    const report = await runSetup({ address, namespace: settings.namespace, checkOnly, retentionDays: retention, connection });
    code = report.ready ? 0 : 1;
  } catch (err) {
    console.error(`setup: could not reach Temporal at ${settings.address}: ${message(err)}`);
  }
  process.exit(code);
}
