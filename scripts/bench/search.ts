/**
 * `npm run bench -- --only search` (part of `npm run bench`): listing and searching complaints over the
 * API with 100,000 of them in PostgreSQL. Target: p95 ≤ 20 ms per query shape.
 *
 *   seed      100,000 complaints written straight into PostgreSQL by one INSERT … SELECT over
 *             generate_series (seconds): two years of receipts, most closed and a share open in every
 *             stage (the recent ones), five categories, three severities, 200 device models of uneven
 *             popularity with their lots, ~60 owners, ~5 % breached, ~3 % reportable, numbers in the
 *             desk's CMP-YYYY-NNNNNN form; then VACUUM ANALYZE. The list reads no other table.
 *   measure   HTTP GET /complaints over loopback against the real app (createApp), signed in with a
 *             bearer token, for each query shape: no filter, each filter alone, common combinations,
 *             both sort orders, and pages reached by following `nextCursor`. Each shape: a warm-up,
 *             then N requests at a modest concurrency, values drawn (seeded) from the data. The API runs
 *             in a worker thread (its own event loop, as in its own process), the load generator in the
 *             main thread. Besides the client's latency: where it goes (the API thread times each
 *             request's handling and its two queries, sign-in and list; PostgreSQL's own time per plan),
 *             the CPU time per request of the API, PostgreSQL and the load generator, and how long they
 *             waited for a CPU (Linux schedstat): on a shared machine that wait can be most of a figure.
 *   check     every answer is a 200 whose items obey the filter, the order and the cursor; for the first
 *             few requests of every shape the ids equal those of a direct SQL query, and cursor walks
 *             (both orders) return exactly the rows SQL does, none twice. Wrong data fails the run.
 *   explain   the SQL the handler ran (captured from its Kysely instance, not rebuilt here) under
 *             EXPLAIN (ANALYZE, BUFFERS): for every shape that misses its target, or all with --explain.
 *
 * Settings (flag, or env):  --rows N (BENCH_SEARCH_ROWS, 100000)   --requests N (BENCH_SEARCH_REQUESTS, 300)
 *                           --concurrency N (BENCH_SEARCH_CONCURRENCY, 4)   --warmup N (BENCH_SEARCH_WARMUP, 30)
 *                           --explain (BENCH_SEARCH_EXPLAIN=1)   --timeout S (BENCH_TIMEOUT_S, 600)
 *
 * It needs a database of its own (the embedded one): it refuses to seed into DATABASE_URL's.
 * Exit code: 0 when every answer was right; 1 otherwise; 2 when the stack did not start; 3 over time.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import {
  CompiledQuery,
  sql,
  type KyselyPlugin,
  type OperationNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryId,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import { createApp } from '../../api/app.js';
import { decodeCursor } from '../../api/cursor.js';
import { connect, type Db } from '../../db/connect.js';
import { createUser, issueToken } from '../../db/users.js';
import { CATEGORIES, SEVERITIES, STAGES, FINAL_STAGES } from '../../workflows/model.js';
import {
  abort,
  cleanUp,
  machineLines,
  measure,
  ms,
  onCleanup,
  percentile,
  positiveInt,
  printTable,
  readFlags,
  runAsProgram,
  stackLine,
  startServers,
  verdict,
  type PhaseResult,
  type Stack,
} from './common.js';

const TARGET_P95_MS = 20;
/** Requests per shape whose ids are compared with a direct SQL query. */
const EXACT_CHECKS = 3;

interface Settings {
  rows: number;
  requests: number;
  concurrency: number;
  warmup: number;
  explainAll: boolean;
  timeoutS: number;
}

/** Whether `--explain` was given (a switch without a value, which readFlags would pair with the next argument). */
function explainSwitch(): boolean {
  const { values } = parseArgs({ options: { explain: { type: 'boolean' } }, strict: false });
  return values.explain === true;
}

function readSettings(): Settings {
  const values = readFlags(['rows', 'requests', 'concurrency', 'warmup', 'timeout']);
  const env = process.env;
  return {
    rows: positiveInt('rows', values.rows ?? env.BENCH_SEARCH_ROWS, 100_000),
    requests: positiveInt('requests', values.requests ?? env.BENCH_SEARCH_REQUESTS, 300),
    concurrency: positiveInt('concurrency', values.concurrency ?? env.BENCH_SEARCH_CONCURRENCY, 4),
    warmup: positiveInt('warmup', values.warmup ?? env.BENCH_SEARCH_WARMUP, 30, true),
    explainAll: explainSwitch() || /^(1|true|yes)$/i.test(env.BENCH_SEARCH_EXPLAIN ?? ''),
    timeoutS: positiveInt('timeout', values.timeout ?? env.BENCH_TIMEOUT_S, 600),
  };
}

// ---- The API, in a worker thread -----------------------------------------------------------------

/** What the API thread measured since it was last asked (ms). */
interface ApiTimings {
  /** app.fetch: request in → response built (sign-in, parsing, both queries, JSON). */
  server: number[];
  /** The list's query as the API sees it: compiled, a pooled connection, the round trip, the rows parsed. */
  list: number[];
  /** The sign-in's query (bearer token → user). */
  signIn: number[];
  /** CPU time the API thread used (user + system). */
  cpuMs: number;
}

type Ask = { type: 'capture'; on: boolean } | { type: 'timings' } | { type: 'stop' };
type ToApi = Ask & { id: number };
type FromApi =
  | { type: 'ready'; url: string }
  | { id: number; type: 'captured'; queries: Array<{ sql: string; parameters: unknown[] }> }
  | { id: number; type: 'timings'; timings: ApiTimings }
  | { id: number; type: 'stopped' };

interface ApiThreadData {
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
}

/** The table a select reads first (`complaints`, `api_tokens`), from Kysely's operation tree. */
function tableOf(node: RootOperationNode): string | undefined {
  if (node.kind !== 'SelectQueryNode') return undefined;
  let from = (node as { from?: { froms: OperationNode[] } }).from?.froms[0] as (OperationNode & { node?: OperationNode }) | undefined;
  if (from?.kind === 'AliasNode') from = from.node;
  return from?.kind === 'TableNode' ? (from as unknown as { table: { identifier: { name: string } } }).table.identifier.name : undefined;
}

/**
 * A Kysely plugin on the API's instance that changes nothing: it times each query (start of compilation to
 * rows parsed) and, while capturing, keeps the SQL the handler compiled, so that the plans shown are those
 * of the handler's own queries (nothing here rebuilds them).
 */
class ApiQueries implements KyselyPlugin {
  capturing = false;
  captured: CompiledQuery[] = [];
  timings: ApiTimings = { server: [], list: [], signIn: [], cpuMs: 0 };
  private readonly started = new WeakMap<QueryId, { t0: number; table?: string }>();
  constructor(private readonly compile: (node: RootOperationNode, queryId: QueryId) => CompiledQuery) {}
  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    this.started.set(queryId, { t0: performance.now(), table: tableOf(node) });
    if (this.capturing) this.captured.push(this.compile(node, queryId));
    return node;
  }
  transformResult({ result, queryId }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const s = this.started.get(queryId);
    if (s?.table === 'complaints') this.timings.list.push(performance.now() - s.t0);
    else if (s?.table === 'api_tokens') this.timings.signIn.push(performance.now() - s.t0);
    return Promise.resolve(result);
  }
}

/** Serves the app on a free loopback port until clean-up; resolves with its base URL. */
async function serveOnLoopback(fetchHandler: (req: Request) => Response | Promise<Response>): Promise<string> {
  return await new Promise((resolve) => {
    const server = serve({ fetch: fetchHandler, port: 0, hostname: '127.0.0.1' }, (info) => resolve(`http://127.0.0.1:${info.port}`)) as Server;
    onCleanup('the API server', () => new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections(); // the load generator's keep-alive sockets would hold close() open
    }));
  });
}

/** The worker thread: the app on loopback with its own pool (10, as the API process has), until told to stop. */
async function serveApiThread(data: ApiThreadData): Promise<void> {
  const port = parentPort!;
  const base = connect(data.databaseUrl);
  onCleanup('the API database pool', () => base.destroy());
  const queries = new ApiQueries((node, queryId) => base.getExecutor().compileQuery(node, queryId));
  // The list reads PostgreSQL only; the app wants a Temporal client, which never connects here.
  const connection = Connection.lazy({ address: data.temporalAddress });
  onCleanup('the API’s Temporal connection', () => connection.close());
  const app = createApp({ db: base.withPlugin(queries), temporal: new Client({ connection, namespace: data.namespace }), taskQueue: 'bench-search-unused' });
  const url = await serveOnLoopback(async (req) => {
    const t0 = performance.now();
    const res = await app.fetch(req);
    queries.timings.server.push(performance.now() - t0);
    return res;
  });
  let cpuSince = process.threadCpuUsage();
  port.on('message', (m: ToApi) => {
    const reply = (msg: FromApi) => port.postMessage(msg);
    if (m.type === 'capture') {
      queries.capturing = m.on;
      reply({ id: m.id, type: 'captured', queries: queries.captured.map((c) => ({ sql: c.sql, parameters: [...c.parameters] })) });
      queries.captured = [];
    } else if (m.type === 'timings') {
      const cpu = process.threadCpuUsage(cpuSince);
      cpuSince = process.threadCpuUsage();
      reply({ id: m.id, type: 'timings', timings: { ...queries.timings, cpuMs: (cpu.user + cpu.system) / 1000 } });
      queries.timings = { server: [], list: [], signIn: [], cpuMs: 0 };
    } else if (m.type === 'stop') {
      void cleanUp().then(() => {
        reply({ id: m.id, type: 'stopped' });
        port.close();
      });
    }
  });
  port.postMessage({ type: 'ready', url } satisfies FromApi);
}

/** The main thread's handle on the API thread. */
class ApiThread {
  private nextId = 1;
  private readonly waiting = new Map<number, (m: FromApi) => void>();
  private constructor(private readonly worker: Worker, readonly url: string) {
    worker.on('error', (err) => void abort(`the API thread failed: ${err.message}`, 1));
    worker.on('message', (m: FromApi) => {
      if ('id' in m) {
        this.waiting.get(m.id)?.(m);
        this.waiting.delete(m.id);
      }
    });
  }

  static async start(data: ApiThreadData): Promise<ApiThread> {
    const worker = new Worker(new URL(import.meta.url), { workerData: data });
    let exited = false;
    worker.once('exit', () => (exited = true));
    onCleanup('the API thread', async () => {
      if (exited) return;
      const gone = new Promise((r) => worker.once('exit', r));
      worker.postMessage({ id: 0, type: 'stop' } satisfies ToApi);
      // It closes its server, pool and connection, then ends; a hung one is ended after 10 s.
      await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000).unref())]);
      if (!exited) await worker.terminate();
    });
    const url = await new Promise<string>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the API thread ended (exit code ${code})`)));
      worker.on('message', (m: FromApi) => m.type === 'ready' && resolve(m.url));
    });
    return new ApiThread(worker, url);
  }

  private ask<T extends FromApi['type']>(msg: Ask): Promise<Extract<FromApi, { type: T }>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve as (m: FromApi) => void);
      this.worker.postMessage({ ...msg, id } satisfies ToApi);
    });
  }

  async capture(on: boolean): Promise<CompiledQuery[]> {
    const m = await this.ask<'captured'>({ type: 'capture', on });
    return m.queries.map((q) => CompiledQuery.raw(q.sql, q.parameters));
  }

  async timings(): Promise<ApiTimings> {
    return (await this.ask<'timings'>({ type: 'timings' })).timings;
  }
}

// ---- The rig -------------------------------------------------------------------------------------

interface Rig {
  stack: Stack;
  api: ApiThread;
  apiUrl: string;
  /** The bench's own pool: seeding, oracle queries, EXPLAIN. */
  db: Db;
  headers: Record<string, string>;
}

async function startRig(): Promise<Rig> {
  const stack = await startServers();
  const db = connect(stack.databaseUrl, { max: 2 });
  onCleanup('the bench database pool', () => db.destroy());
  await createUser(db, { id: 'bench-supervisor', displayName: 'Bench supervisor', role: 'supervisor' }, 'bench');
  const { token } = await issueToken(db, 'bench-supervisor', 'npm run bench (search)', 'bench');
  const api = await ApiThread.start({ databaseUrl: stack.databaseUrl, temporalAddress: stack.temporalAddress, namespace: stack.namespace });
  return { stack, api, apiUrl: api.url, db, headers: { authorization: `Bearer ${token}` } };
}

// ---- Seeding -------------------------------------------------------------------------------------

const FAMILIES = [
  ['INF', 'Infusion pump'],
  ['SYR', 'Syringe pump'],
  ['CAT', 'IV catheter'],
  ['GLU', 'Blood glucose meter'],
  ['MON', 'Patient monitor'],
  ['VEN', 'Ventilator'],
  ['STN', 'Coronary stent'],
  ['DIA', 'Dialyser'],
] as const;

/**
 * 100,000 complaints in one statement. Random draws come after setseed on the same connection, so a
 * run's data is the same every time (but for now(): receipts are relative to today). Instants are cut
 * to milliseconds, as every writer of the desk stores them (JavaScript Dates): the cursors carry them so.
 */
async function seed(db: Db, rows: number): Promise<{ seconds: number }> {
  const t0 = performance.now();
  const policy = await db.selectFrom('sla_policies').select('id').where('is_default', '=', true).executeTakeFirstOrThrow();
  const codes = sql.raw(`array[${FAMILIES.map(([c]) => `'${c}'`).join(',')}]`);
  const names = sql.raw(`array[${FAMILIES.map(([, n]) => `'${n}'`).join(',')}]`);
  await db.connection().execute(async (conn) => {
    await sql`select setseed(0.2025)`.execute(conn);
    await sql`
      insert into complaints (
        id, number, fingerprint, policy_id, received_at, received_by, channel,
        complainant_name, complainant_role, complainant_organisation, complainant_phone, complainant_email, complainant_mood,
        device_name, device_model, device_serial_number, device_lot, device_manufacturer,
        event_occurred_at, event_country, event_description, patient_harmed, in_use_on_patient, requested_remedies, sample_available,
        stage, last_seq, category, severity, priority, patient_safety, suspected_adverse_event, reasonable,
        owner_id, department, reopen_count, sla_breached, root_cause, remedy, satisfaction_score,
        marked_for_mediation, marked_for_regulator, closed_at, withdrawn_reason, created_at, updated_at)
      with draw as (
        select i,
          date_trunc('milliseconds', now() - random() * interval '730 days') as received_at,
          random() as r_open, random() as r_stage, random() as r_cat, random() as r_sev, random() as r_model,
          random() as r_lot, random() as r_owner, random() as r_breach, random() as r_report, random() as r_close
        from generate_series(1, ${rows}::int) as i
      ), staged as (
        select d.*,
          -- Recent complaints are mostly open, older ones mostly closed.
          case when d.r_open < case when d.received_at > now() - interval '30 days' then 0.7
                                    when d.received_at > now() - interval '90 days' then 0.25 else 0.02 end
            then case when d.r_stage < 0.15 then 'intake' when d.r_stage < 0.30 then 'assessment'
                      when d.r_stage < 0.55 then 'investigation' when d.r_stage < 0.72 then 'resolution'
                      when d.r_stage < 0.76 then 'mediation' when d.r_stage < 0.78 then 'legal'
                      when d.r_stage < 0.89 then 'feedback' else 'revisit' end
            when d.r_stage < 0.96 then 'closed' else 'withdrawn' end as stage,
          -- 200 models, a few best sellers (the first has ~7 % of all complaints), a long tail.
          floor(200 * d.r_model * d.r_model)::int as model_idx,
          case when d.r_sev < 0.05 then 'crisis' when d.r_sev < 0.30 then 'major' else 'general' end as sev,
          case when d.r_cat < 0.40 then 'product_performance' when d.r_cat < 0.65 then 'after_sales_service'
               when d.r_cat < 0.80 then 'communication' when d.r_cat < 0.92 then 'order_logistics' else 'other' end as cat
        from draw d
      ), assessed as (
        select s.*,
          s.stage <> 'intake' and not (s.stage = 'assessment' and s.i % 2 = 0) and not (s.stage = 'withdrawn' and s.i % 3 = 0) as assessed,
          s.stage in ('closed', 'withdrawn') as ended,
          extract(year from s.received_at at time zone 'UTC')::int as year,
          -- The year's sequence, in order of receipt (padded to 6 digits, longer past 999,999, as the desk does).
          row_number() over (partition by extract(year from s.received_at at time zone 'UTC') order by s.received_at, s.i) as seq
        from staged s
      )
      select
        md5('bench-complaint-' || a.i)::uuid,
        format('CMP-%s-%s', a.year, lpad(a.seq::text, greatest(6, length(a.seq::text)), '0')),
        md5('bench-fingerprint-' || a.i),
        ${policy.id},
        a.received_at,
        'agent-' || lpad((1 + a.i % 10)::text, 2, '0'),
        (array['phone','email','web_form','letter','sms','wechat','walk_in','sales_rep'])[1 + (a.i * 7) % 8],
        'Complainant ' || a.i,
        (array['patient','clinician','hospital','distributor','consumer','platform_merchant'])[1 + (a.i * 5) % 6],
        case when a.i % 3 = 0 then 'City Hospital No. ' || (a.i % 400) end,
        '+86 138' || lpad((a.i % 100000000)::text, 8, '0'),
        case when a.i % 2 = 0 then 'complainant' || a.i || '@example.com' end,
        (array['calm','anxious','angry', null])[1 + a.i % 4],
        (${names}::text[])[1 + a.model_idx % 8],
        (${codes}::text[])[1 + a.model_idx % 8] || '-' || (100 + a.model_idx),
        'SN' || lpad(a.i::text, 9, '0'),
        -- Lots: the month the unit was made (weeks to a year before the complaint), a line letter, the model.
        'L' || to_char(a.received_at - (20 + floor(a.r_lot * 330)) * interval '1 day', 'YYMM')
            || chr(65 + a.i % 2) || '-' || lpad(a.model_idx::text, 3, '0'),
        'Acme Medical',
        a.received_at - (a.i % 120) * interval '1 hour',
        'CN',
        (array[
          'The device stopped during use and showed an occlusion alarm although the line was clear; the nurse restarted it.',
          'Packaging was damaged on arrival and the sterile barrier may have been breached; the unit was not used.',
          'Readings differed from the laboratory reference by more than the stated tolerance on three occasions.',
          'The service engineer did not come on the agreed day and the customer was not told of the delay.',
          'The invoice did not match the contract price and the order arrived a week after the promised date.'
        ])[1 + a.i % 5],
        a.sev <> 'general' and a.i % 4 = 0,
        a.i % 3 <> 0,
        array[(array['repair','replacement','return','refund','explanation','compensation'])[1 + a.i % 6]],
        a.i % 2 = 0,
        a.stage,
        case when a.ended then 12 + a.i % 15 else 2 + a.i % 8 end,
        case when a.assessed then a.cat end,
        case when a.assessed then a.sev end,
        case when a.assessed then case when a.sev <> 'general' and a.cat = 'product_performance' then 'highest' else 'normal' end end,
        case when a.assessed then a.sev <> 'general' and a.cat = 'product_performance' end,
        case when a.assessed then a.sev = 'crisis' or (a.sev = 'major' and a.r_report < 0.3) end,
        case when a.assessed then a.i % 10 <> 0 end,
        case when a.stage = 'intake' then 'agent-' || lpad((1 + a.i % 10)::text, 2, '0')
             else 'handler-' || lpad((1 + floor(50 * power(a.r_owner, 1.4)))::text, 2, '0') end,
        case when a.assessed then case when a.cat = 'product_performance' then 'Quality' else 'Customer service' end end,
        case when a.i % 50 = 0 then 1 else 0 end,
        a.r_breach < 0.05,
        case when a.stage = 'closed' then (array['design','manufacturing','transport_storage','use_error','service','not_confirmed'])[1 + a.i % 6] end,
        case when a.stage = 'closed' then (array['repair','replacement','return','refund','apology','training'])[1 + a.i % 6] end,
        case when a.stage = 'closed' and a.i % 3 = 0 then 1 + floor(a.r_close * 5)::int end,
        a.stage in ('mediation', 'legal') or (a.stage = 'closed' and a.i % 100 = 0),
        a.assessed and ((a.sev = 'crisis' and a.r_report < 0.4) or (a.sev = 'major' and a.r_report < 0.04) or a.r_report < 0.002),
        case when a.ended then date_trunc('milliseconds', least(now(), a.received_at + (2 + a.r_close * 45) * interval '1 day')) end,
        case when a.stage = 'withdrawn' then 'the complainant withdrew the complaint' end,
        a.received_at,
        date_trunc('milliseconds', least(now(), a.received_at + (1 + a.r_close * 45) * interval '1 day'))
      from assessed a`.execute(conn);
  });
  // The next complaint filed gets the next number of its year.
  await sql`
    insert into complaint_number_sequences (year, last_value)
    select extract(year from received_at at time zone 'UTC')::int, count(*) from complaints group by 1
    on conflict (year) do update set last_value = greatest(complaint_number_sequences.last_value, excluded.last_value)`.execute(db);
  await sql`vacuum analyze complaints`.execute(db);
  return { seconds: (performance.now() - t0) / 1000 };
}

interface Profile {
  byStage: Array<[string, number]>;
  models: number;
  lots: number;
  owners: number;
  breached: number;
  reportable: number;
  tableMb: number;
  indexMb: number;
}

async function profileOf(db: Db): Promise<Profile> {
  const byStage = await sql<{ stage: string; n: string }>`select stage, count(*) as n from complaints group by stage order by count(*) desc`.execute(db);
  const one = await sql<{ models: string; lots: string; owners: string; breached: string; reportable: string; table_mb: string; index_mb: string }>`
    select count(distinct device_model) as models, count(distinct (device_model, device_lot)) as lots, count(distinct owner_id) as owners,
           count(*) filter (where sla_breached) as breached, count(*) filter (where marked_for_regulator) as reportable,
           pg_table_size('complaints') / 1048576.0 as table_mb, pg_indexes_size('complaints') / 1048576.0 as index_mb
    from complaints`.execute(db);
  const r = one.rows[0]!;
  return {
    byStage: byStage.rows.map((s) => [s.stage, Number(s.n)]),
    models: Number(r.models),
    lots: Number(r.lots),
    owners: Number(r.owners),
    breached: Number(r.breached),
    reportable: Number(r.reportable),
    tableMb: Number(r.table_mb),
    indexMb: Number(r.index_mb),
  };
}

// ---- Query shapes --------------------------------------------------------------------------------

/** The list's query parameters, as the desk sends them. */
type Query = Partial<Record<'stage' | 'category' | 'severity' | 'model' | 'lot' | 'owner' | 'breached' | 'reportable' | 'receivedFrom' | 'receivedTo' | 'sort' | 'limit' | 'cursor', string>>;

interface Shape {
  name: string;
  /** One query per request (warm-up first, then the measured ones), drawn before the run. */
  queries: Query[];
}

/** A small seeded generator (mulberry32): the same draws every run. */
function rng(seedValue: number): () => number {
  let a = seedValue >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPEN_STAGES = STAGES.filter((s) => !FINAL_STAGES.includes(s));
const DAY_MS = 86_400_000;

interface Samples {
  /** Model, lot and owner of complaints drawn at random: values searched for as often as they occur. */
  rows: Array<{ model: string; lot: string; owner: string }>;
  newestMs: number;
  oldestMs: number;
}

async function samplesOf(db: Db): Promise<Samples> {
  const rows = await sql<{ model: string; lot: string; owner: string }>`
    select device_model as model, device_lot as lot, owner_id as owner from complaints order by md5(id::text) limit 2000`.execute(db);
  const span = await sql<{ newest: Date; oldest: Date }>`select max(received_at) as newest, min(received_at) as oldest from complaints`.execute(db);
  return { rows: rows.rows, newestMs: new Date(span.rows[0]!.newest).getTime(), oldestMs: new Date(span.rows[0]!.oldest).getTime() };
}

/** Filter shapes: each a function of a draw. Cursor shapes are added once their cursors are collected. */
function filterShapes(samples: Samples, perShape: number): Shape[] {
  const defs: Array<[string, (r: () => number) => Query]> = [];
  const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const sample = (r: () => number) => pick(r, samples.rows);
  const range = (r: () => number, days: number): Query => {
    const from = samples.oldestMs + r() * (samples.newestMs - samples.oldestMs - days * DAY_MS);
    return { receivedFrom: new Date(from).toISOString(), receivedTo: new Date(from + days * DAY_MS).toISOString() };
  };
  defs.push(
    ['no filter, newest first', () => ({})],
    ['no filter, oldest first', () => ({ sort: 'oldest' })],
    ['no filter, limit 200', () => ({ limit: '200' })],
    ['stage', (r) => ({ stage: pick(r, STAGES) })],
    ['stage, oldest first', (r) => ({ stage: pick(r, STAGES), sort: 'oldest' })],
    ['category', (r) => ({ category: pick(r, CATEGORIES) })],
    ['severity', (r) => ({ severity: pick(r, SEVERITIES) })],
    ['model', (r) => ({ model: sample(r).model })],
    ['lot', (r) => ({ lot: sample(r).lot })],
    ['owner', (r) => ({ owner: sample(r).owner })],
    ['breached', () => ({ breached: 'true' })],
    ['reportable', () => ({ reportable: 'true' })],
    ['date range (30 days)', (r) => range(r, 30)],
    ['owner + open stage', (r) => ({ owner: sample(r).owner, stage: pick(r, OPEN_STAGES) })],
    ['model + lot', (r) => { const s = sample(r); return { model: s.model, lot: s.lot }; }],
    ['category + breached + 90 days', (r) => ({ category: pick(r, CATEGORIES), breached: 'true', ...range(r, 90) })],
    ['severity crisis + open stage', (r) => ({ severity: 'crisis', stage: pick(r, OPEN_STAGES) })],
    ['model + 90 days, oldest first', (r) => ({ model: sample(r).model, ...range(r, 90), sort: 'oldest' })],
    ['reportable + severity, oldest', (r) => ({ reportable: 'true', severity: pick(r, SEVERITIES), sort: 'oldest' })],
  );
  return defs.map(([name, draw], k) => {
    const r = rng(1000 + k);
    return { name, queries: Array.from({ length: perShape }, () => draw(r)) };
  });
}

// ---- Requests and their checks -------------------------------------------------------------------

interface Item {
  complaintId: string;
  receivedAt: string;
  stage: string;
  category: string | null;
  severity: string | null;
  ownerId: string;
  slaBreached: boolean;
  markedForRegulator: boolean;
  device: { model: string | null; lot: string | null };
}
interface Page {
  items: Item[];
  nextCursor: string | null;
}

const urlOf = (rig: Rig, q: Query) => `${rig.apiUrl}/complaints?${new URLSearchParams(q as Record<string, string>)}`;

/** Every answer: a 200 whose items obey the filter, the sort order, the limit and the cursor. */
async function list(rig: Rig, q: Query): Promise<Page> {
  const res = await fetch(urlOf(rig, q), { headers: rig.headers, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status} ${text.slice(0, 200)}`);
  const page = JSON.parse(text) as Page;
  const problem = pageProblem(q, page);
  if (problem) throw new Error(`wrong answer: ${problem}`);
  return page;
}

function pageProblem(q: Query, page: Page): string | undefined {
  const limit = Number(q.limit ?? 50);
  if (!Array.isArray(page.items) || page.items.length > limit) return `${page.items?.length} items for limit ${limit}`;
  if (page.nextCursor !== null && page.items.length < limit) return 'a next cursor after a short page';
  const newest = (q.sort ?? 'newest') === 'newest';
  const key = (at: string, id: string) => [Date.parse(at), id] as const;
  const after = (a: readonly [number, string], b: readonly [number, string]) =>
    (newest ? a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]) : a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]));
  let previous = q.cursor ? (() => { const c = decodeCursor(q.cursor!); return c ? key(c.at, c.id) : undefined; })() : undefined;
  for (const it of page.items) {
    const k = key(it.receivedAt, it.complaintId);
    if (previous && !after(k, previous)) return `${it.complaintId} out of order (or not beyond the cursor)`;
    previous = k;
    const at = k[0];
    const wrong =
      (q.stage && it.stage !== q.stage) ||
      (q.category && it.category !== q.category) ||
      (q.severity && it.severity !== q.severity) ||
      (q.model && it.device.model !== q.model) ||
      (q.lot && it.device.lot !== q.lot) ||
      (q.owner && it.ownerId !== q.owner) ||
      (q.breached && it.slaBreached !== (q.breached === 'true')) ||
      (q.reportable && it.markedForRegulator !== (q.reportable === 'true')) ||
      (q.receivedFrom && at < Date.parse(q.receivedFrom)) ||
      (q.receivedTo && at > Date.parse(q.receivedTo));
    if (wrong) return `${it.complaintId} does not match the filter`;
  }
  return undefined;
}

/**
 * The oracle: the ids the list should answer, by a direct SQL query written from the API's contract
 * (filters are equalities, the range inclusive, order (received_at, id), the cursor exclusive).
 */
async function expectedIds(db: Db, q: Query, limit: number): Promise<string[]> {
  const conds = [sql`true`];
  const eq = (col: string, v: unknown) => conds.push(sql`${sql.ref(col)} = ${v}`);
  if (q.stage) eq('stage', q.stage);
  if (q.category) eq('category', q.category);
  if (q.severity) eq('severity', q.severity);
  if (q.model) eq('device_model', q.model);
  if (q.lot) eq('device_lot', q.lot);
  if (q.owner) eq('owner_id', q.owner);
  if (q.breached) eq('sla_breached', q.breached === 'true');
  if (q.reportable) eq('marked_for_regulator', q.reportable === 'true');
  if (q.receivedFrom) conds.push(sql`received_at >= ${new Date(q.receivedFrom)}`);
  if (q.receivedTo) conds.push(sql`received_at <= ${new Date(q.receivedTo)}`);
  const newest = (q.sort ?? 'newest') === 'newest';
  const c = q.cursor ? decodeCursor(q.cursor) : undefined;
  if (c) conds.push(newest ? sql`(received_at, id) < (${new Date(c.at)}, ${c.id}::uuid)` : sql`(received_at, id) > (${new Date(c.at)}, ${c.id}::uuid)`);
  const order = newest ? sql`received_at desc, id desc` : sql`received_at asc, id asc`;
  const { rows } = await sql<{ id: string }>`select id from complaints where ${sql.join(conds, sql` and `)} order by ${order} limit ${limit}`.execute(db);
  return rows.map((r) => r.id);
}

async function countMatching(db: Db, q: Query): Promise<number> {
  return (await expectedIds(db, { ...q, cursor: undefined }, 1_000_000)).length;
}

/** Follows `nextCursor` from the first page; the queries that ask for pages `from`..`to` (1-based). */
async function walk(rig: Rig, base: Query, to: number): Promise<{ queries: Query[]; ids: string[]; ended: boolean }> {
  const queries: Query[] = [];
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let n = 1; n <= to; n++) {
    const q = cursor ? { ...base, cursor } : base;
    queries.push(q);
    const page = await list(rig, q);
    ids.push(...page.items.map((i) => i.complaintId));
    if (!page.nextCursor) return { queries, ids, ended: true };
    cursor = page.nextCursor;
  }
  return { queries, ids, ended: false };
}

interface WalkCheck {
  what: string;
  pages: number;
  rows: number;
  ok: boolean;
}

/** A walk's rows must be exactly SQL's, in SQL's order, none twice. */
async function checkWalk(rig: Rig, what: string, base: Query, pages: number): Promise<{ check: WalkCheck; queries: Query[] }> {
  const w = await walk(rig, base, pages);
  const limit = Number(base.limit ?? 50);
  const expected = await expectedIds(rig.db, base, w.ended ? 1_000_000 : pages * limit);
  const ok = w.ids.length === expected.length && new Set(w.ids).size === w.ids.length && w.ids.every((id, i) => id === expected[i]);
  return { check: { what, pages: w.queries.length, rows: w.ids.length, ok }, queries: w.queries };
}

/** Cursor shapes: pages 2.. of several walks, checked against SQL while they are collected. */
async function cursorShapes(rig: Rig, samples: Samples, perShape: number, checks: WalkCheck[]): Promise<Shape[]> {
  const r = rng(7);
  const owners = [...new Set(samples.rows.map((s) => s.owner))].slice(0, 6);
  const defs: Array<{ name: string; bases: Query[]; from: number; to: number }> = [
    { name: 'pages 2–10, no filter', bases: [{}], from: 2, to: 10 },
    { name: 'pages 2–10, stage closed', bases: [{ stage: 'closed' }], from: 2, to: 10 },
    { name: 'pages 2–10, owner, oldest first', bases: owners.map((owner) => ({ owner, sort: 'oldest' })), from: 2, to: 10 },
    { name: 'pages 2–10, category + 90 days', bases: CATEGORIES.map((category) => ({ category, receivedFrom: new Date(samples.newestMs - 90 * DAY_MS).toISOString(), receivedTo: new Date(samples.newestMs).toISOString() })), from: 2, to: 10 },
    { name: 'pages 101–200, no filter', bases: [{}], from: 101, to: 200 },
  ];
  const shapes: Shape[] = [];
  for (const d of defs) {
    const pool: Query[] = [];
    for (const base of d.bases) {
      const { check, queries } = await checkWalk(rig, `${d.name}: ${JSON.stringify(base)}`, base, d.to);
      checks.push(check);
      pool.push(...queries.slice(d.from - 1));
    }
    if (pool.length === 0) throw new Error(`${d.name}: no pages that deep`);
    shapes.push({ name: d.name, queries: Array.from({ length: perShape }, () => pool[Math.floor(r() * pool.length)]!) });
  }
  // Whole lists, both orders: nothing lost or repeated across pages (ties on received_at included).
  const s = samples.rows[0]!;
  for (const base of [{ model: s.model, lot: s.lot, limit: '7' }, { model: s.model, lot: s.lot, sort: 'oldest', limit: '7' }, { owner: s.owner, stage: 'investigation', limit: '20' }, { owner: s.owner, stage: 'investigation', sort: 'oldest', limit: '20' }]) {
    checks.push((await checkWalk(rig, `whole list ${JSON.stringify(base)}`, base, 10_000)).check);
  }
  return shapes;
}

// ---- Plans ---------------------------------------------------------------------------------------

/** The SQL the handler ran for one request (the list's select, not the sign-in's). */
async function capturedSql(rig: Rig, q: Query): Promise<CompiledQuery | undefined> {
  await rig.api.capture(true);
  const failure = await list(rig, q).then(() => undefined, (err: unknown) => err);
  const captured = await rig.api.capture(false);
  if (failure) throw failure;
  return captured.find((c) => /from "complaints"/.test(c.sql));
}

async function explain(db: Db, query: CompiledQuery, options: string): Promise<string[]> {
  const { rows } = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(`explain (${options}) ${query.sql}`, [...query.parameters]));
  return rows.map((r) => (typeof r['QUERY PLAN'] === 'string' ? (r['QUERY PLAN'] as string) : JSON.stringify(r['QUERY PLAN'])));
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Scan Direction'?: string;
  Plans?: PlanNode[];
}

/**
 * The plan of one query in one line (its nodes, outermost first, with the indexes they use), and its
 * execution time inside PostgreSQL: the median of 5 runs under EXPLAIN ANALYZE.
 */
async function planSummary(db: Db, query: CompiledQuery): Promise<{ plan: string; execMs: number }> {
  const times: number[] = [];
  let plan: PlanNode | undefined;
  for (let i = 0; i < 5; i++) {
    const { rows } = await db.executeQuery<{ 'QUERY PLAN': Array<{ Plan: PlanNode; 'Execution Time': number }> }>(
      CompiledQuery.raw(`explain (analyze, format json) ${query.sql}`, [...query.parameters]),
    );
    const [top] = rows[0]!['QUERY PLAN'];
    times.push(top!['Execution Time']);
    plan = top!.Plan;
  }
  const parts: string[] = [];
  const visit = (n: PlanNode) => {
    const dir = n['Scan Direction'] === 'Backward' ? ' backward' : '';
    parts.push(n['Index Name'] ? `${n['Node Type']}${dir} ${n['Index Name']}` : n['Node Type']);
    for (const c of n.Plans ?? []) visit(c);
  };
  visit(plan!);
  return { plan: parts.join(' → '), execMs: times.sort((a, b) => a - b)[2]! };
}

// ---- Waiting for a CPU ---------------------------------------------------------------------------

/** Time on a CPU and time runnable but waiting for one (the run queue), ms, summed over threads (Linux schedstat). */
interface Sched {
  runMs: number;
  waitMs: number;
}

function schedOf(pids: number[]): Sched {
  const total = { runMs: 0, waitMs: 0 };
  for (const pid of pids) {
    let tasks: string[] = [];
    try {
      tasks = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // gone, or no /proc
    }
    for (const task of tasks) {
      try {
        const [run, wait] = fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ').map(Number);
        total.runMs += run! / 1e6;
        total.waitMs += wait! / 1e6;
      } catch {
        // ended while we looked
      }
    }
  }
  return total;
}

/** The PostgreSQL server of this run: the postmaster (from postmaster.pid) and its children (the backends). */
function postgresPids(stack: Stack): number[] {
  let postmaster: number;
  try {
    postmaster = Number(fs.readFileSync(path.join(stack.tmpDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return [];
  }
  const pids = [postmaster];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster) pids.push(Number(entry));
    } catch {
      // ended while we looked
    }
  }
  return pids;
}

interface CpuSnapshot {
  self: Sched;
  postgres: Sched;
  load: number;
  wallMs: number;
}

function cpuSnapshot(stack: Stack): CpuSnapshot {
  return { self: schedOf([process.pid]), postgres: schedOf(postgresPids(stack)), load: os.loadavg()[0]!, wallMs: performance.now() };
}

function cpuLines(before: CpuSnapshot, after: CpuSnapshot): string[] {
  const s = (a: Sched, b: Sched) => {
    const run = b.runMs - a.runMs;
    const wait = b.waitMs - a.waitMs;
    return `ran ${(run / 1000).toFixed(1)} s, waited ${(wait / 1000).toFixed(1)} s for a CPU (${((100 * wait) / Math.max(1, run + wait)).toFixed(0)} % of its runnable time)`;
  };
  const wallS = (after.wallMs - before.wallMs) / 1000;
  return [
    `During the measurement (${wallS.toFixed(0)} s; Linux schedstat, all threads; ${os.cpus().length} CPUs)`,
    `  load average (1 min)   ${before.load.toFixed(1)} at the start, ${after.load.toFixed(1)} at the end`,
    `  this process           ${s(before.self, after.self)}`,
    `  PostgreSQL             ${s(before.postgres, after.postgres)}`,
  ];
}

// ---- Printing ----------------------------------------------------------------------------------

interface ShapeRun {
  shape: Shape;
  result: PhaseResult;
  latencies: number[];
  api: ApiTimings;
  /** CPU time per request (ms): the API thread, PostgreSQL (all its processes), the load generator's thread. */
  cpu: { api: number; postgres: number; client: number };
  sampleSql?: CompiledQuery;
  plan: string;
  /** PostgreSQL's execution time of the first request's query (median of 5, EXPLAIN ANALYZE). */
  execMs: number;
  matching?: number;
}

const p95Of = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 95);

/**
 * Per shape: the client's p95 beside the target, then where a request's time goes, as the API thread saw
 * it: the handler (sign-in, parsing, both queries, JSON), the list's query, the sign-in's query.
 */
function printBreakdown(runs: ShapeRun[], overall: PhaseResult): void {
  const header = ['shape', 'p95 ms', `target p95 ≤ ${TARGET_P95_MS}`, 'API p95', 'list SQL', 'sign-in', 'DB exec', 'CPU: API', 'PG', 'client', 'rows', 'plan of the first request'];
  const f2 = (n: number) => (Number.isNaN(n) ? '' : n.toFixed(2));
  const row = (name: string, clientP95: number, api: ApiTimings, cpu: ShapeRun['cpu'], execMs: number, rows: string, plan: string) => [
    name, ms(clientP95), verdict(clientP95 <= TARGET_P95_MS), ms(p95Of(api.server)), ms(p95Of(api.list)), ms(p95Of(api.signIn)), f2(execMs),
    f2(cpu.api), f2(cpu.postgres), f2(cpu.client), rows, plan,
  ];
  const all: ApiTimings = { server: runs.flatMap((r) => r.api.server), list: runs.flatMap((r) => r.api.list), signIn: runs.flatMap((r) => r.api.signIn), cpuMs: 0 };
  const mean = (pick: (c: ShapeRun['cpu']) => number) => runs.reduce((sum, r) => sum + pick(r.cpu), 0) / runs.length;
  const allCpu = { api: mean((c) => c.api), postgres: mean((c) => c.postgres), client: mean((c) => c.client) };
  const rows = [
    ...runs.map((r) => row(r.shape.name, r.result.p95, r.api, r.cpu, r.execMs, r.matching === undefined ? '' : String(r.matching), r.plan)),
    row('all shapes', overall.p95, all, allCpu, NaN, '', ''),
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => (i === 0 || i === 2 || i === 11 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  console.log(
    [
      '',
      'Target and breakdown, ms. p95 = the client’s. Then p95s timed in the API thread: the whole handler; the list query (pool, round',
      'trip, rows parsed); the sign-in query. DB exec = PostgreSQL’s own time for the first request’s list query (median of 5, EXPLAIN',
      'ANALYZE). CPU = CPU time per request of the API thread, of PostgreSQL, of the load generator. rows = rows matching the first',
      'request’s filter.',
      line(header),
      ...rows.map(line),
    ].join('\n'),
  );
}

// ---- Main ----------------------------------------------------------------------------------------

async function main(settings: Settings): Promise<number> {
  if (process.env.DATABASE_URL) {
    console.error('bench: the search part seeds 100,000 complaints and needs a database of its own; unset DATABASE_URL');
    return 2;
  }
  let rig: Rig;
  try {
    console.error('bench: starting the stack (PostgreSQL, Temporal, API)');
    rig = await startRig();
  } catch (err) {
    console.error(`bench: the stack did not start: ${(err as Error).message}`);
    return 2;
  }

  console.error(`bench: seeding ${settings.rows} complaints`);
  const seeded = await seed(rig.db, settings.rows);
  const profile = await profileOf(rig.db);
  const samples = await samplesOf(rig.db);
  const perShape = settings.warmup + settings.requests;

  console.error('bench: collecting cursors (and checking the walks against SQL)');
  const walkChecks: WalkCheck[] = [];
  const shapes = [...filterShapes(samples, perShape), ...(await cursorShapes(rig, samples, perShape, walkChecks))];

  // Exact checks: the first requests of every shape against the oracle.
  let exactChecked = 0;
  const exactFailures: string[] = [];
  for (const shape of shapes) {
    for (const q of shape.queries.slice(0, EXACT_CHECKS)) {
      const page = await list(rig, q);
      const expected = await expectedIds(rig.db, q, Number(q.limit ?? 50));
      exactChecked++;
      const got = page.items.map((i) => i.complaintId);
      if (got.length !== expected.length || got.some((id, i) => id !== expected[i])) exactFailures.push(`${shape.name}: ${JSON.stringify(q)}`);
    }
  }

  const runs: ShapeRun[] = [];
  const cpuBefore = cpuSnapshot(rig.stack);
  for (const shape of shapes) {
    const sampleSql = await capturedSql(rig, shape.queries[0]!);
    const { plan, execMs } = sampleSql ? await planSummary(rig.db, sampleSql) : { plan: '(not captured)', execMs: NaN };
    const matching = shape.queries[0]!.cursor ? undefined : await countMatching(rig.db, shape.queries[0]!);
    console.error(`bench: ${shape.name} (warm-up ${settings.warmup}, then ${settings.requests})`);
    const warmQueries = shape.queries.slice(0, settings.warmup);
    const timedQueries = shape.queries.slice(settings.warmup);
    const warm = await measure(`${shape.name} (warm-up)`, warmQueries.length, settings.concurrency, async (i) => void (await list(rig, warmQueries[i]!)));
    await rig.api.timings(); // the warm-up's are not counted
    const pgBefore = schedOf(postgresPids(rig.stack));
    const clientBefore = process.threadCpuUsage();
    const latencies: number[] = [];
    const result = await measure(shape.name, timedQueries.length, settings.concurrency, async (i) => {
      const t0 = performance.now();
      await list(rig, timedQueries[i]!);
      latencies.push(performance.now() - t0);
    });
    const client = process.threadCpuUsage(clientBefore);
    const pgRunMs = schedOf(postgresPids(rig.stack)).runMs - pgBefore.runMs;
    const api = await rig.api.timings();
    const n = timedQueries.length;
    const cpu = { api: api.cpuMs / n, postgres: pgRunMs / n, client: (client.user + client.system) / 1000 / n };
    result.errors += warm.errors;
    for (const [what, n] of warm.failures) result.failures.set(`(warm-up) ${what}`, n);
    runs.push({ shape, result, latencies, api, cpu, sampleSql, plan, execMs, matching });
  }

  const cpuAfter = cpuSnapshot(rig.stack);

  // ---- Report ----
  console.log(
    [
      '',
      ...machineLines(),
      'Settings',
      `  ${settings.rows} complaints seeded in ${seeded.seconds.toFixed(1)} s (table ${profile.tableMb.toFixed(0)} MB, its indexes ${profile.indexMb.toFixed(0)} MB)`,
      `  per shape: warm-up ${settings.warmup}, then ${settings.requests} requests at concurrency ${settings.concurrency}; limit 50 unless said; timeout ${settings.timeoutS} s`,
      stackLine(rig.stack),
      `  the API (createApp, PostgreSQL pool of 10) at ${rig.apiUrl} in a worker thread; the load generator (fetch, keep-alive) in the main thread`,
      'Data',
      `  stages      ${profile.byStage.map(([s, n]) => `${s} ${n}`).join(', ')}`,
      `  ${profile.models} models, ${profile.lots} model lots, ${profile.owners} owners, ${profile.breached} breached, ${profile.reportable} reportable`,
      ...cpuLines(cpuBefore, cpuAfter),
    ].join('\n'),
  );

  const all = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const totalWall = runs.reduce((s, r) => s + r.result.wallS, 0);
  const overall: PhaseResult = {
    name: 'all shapes',
    count: runs.reduce((s, r) => s + r.result.count, 0),
    errors: runs.reduce((s, r) => s + r.result.errors, 0),
    wallS: totalWall,
    throughput: all.length / totalWall,
    p50: percentile(all, 50),
    p95: percentile(all, 95),
    p99: percentile(all, 99),
    max: all[all.length - 1] ?? NaN,
    failures: new Map(),
  };
  printTable('Results: GET /complaints (ms, client side, over loopback)', [...runs.map((r) => r.result), overall]);

  printBreakdown(runs, overall);

  const toExplain = runs.filter((r) => settings.explainAll || !(r.result.p95 <= TARGET_P95_MS));
  for (const r of toExplain) {
    if (!r.sampleSql) continue;
    console.log(`\nEXPLAIN (ANALYZE, BUFFERS): ${r.shape.name}  ${JSON.stringify(r.shape.queries[0])}`);
    console.log(`  ${r.sampleSql.sql}`);
    console.log(`  parameters ${JSON.stringify(r.sampleSql.parameters)}`);
    for (const line of await explain(rig.db, r.sampleSql, 'analyze, buffers')) console.log(`  ${line}`);
  }

  const badWalks = walkChecks.filter((w) => !w.ok);
  console.log(
    [
      '',
      'Checks (every answer: 200, items obey filter, order, limit and cursor)',
      `  ids equal to direct SQL          ${exactChecked - exactFailures.length} of ${exactChecked} requests (the first ${EXACT_CHECKS} of each shape)`,
      ...exactFailures.map((f) => `    WRONG: ${f}`),
      `  cursor walks equal to SQL        ${walkChecks.length - badWalks.length} of ${walkChecks.length} (${walkChecks.reduce((s, w) => s + w.pages, 0)} pages, both orders, none twice)`,
      ...badWalks.map((w) => `    WRONG: ${w.what} (${w.pages} pages, ${w.rows} rows)`),
    ].join('\n'),
  );
  const ok = overall.errors === 0 && exactFailures.length === 0 && badWalks.length === 0;
  console.log(`\n${ok ? 'bench: done' : `bench: done with problems (${overall.errors} failed requests, ${exactFailures.length + badWalks.length} wrong answers)`}`);
  return ok ? 0 : 1;
}

if (isMainThread) {
  const settings = readSettings();
  await runAsProgram(settings.timeoutS, () => main(settings));
} else {
  await serveApiThread(workerData as ApiThreadData);
}
