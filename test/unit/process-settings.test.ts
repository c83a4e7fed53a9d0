/**
 * The settings the worker and the API read (workflows/wire/temporal-connection.ts, db/connect.ts),
 * the start-up check of the search attributes against the suite's dev server, and the two processes
 * stopping at start on a bad setting or a namespace without the attributes, with a message that
 * names the setting (never a secret) or the attributes and `npm run setup`.
 */
import { execFile, spawn } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readiness, setDraining, setSearchAttributeCheck } from '../../api/readiness.js';
import { databaseSettingsFromEnv } from '../../db/connect.js';
import { SEARCH_ATTRIBUTES_FOR_CLI } from '../../workflows/search-attributes.js';
import { SettingError, checkSearchAttributes, connectionOptions, temporalSettingsFromEnv } from '../../workflows/wire/temporal-connection.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
let dir: string;
let pemFile: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'settings-test-'));
  pemFile = path.join(dir, 'ca.pem');
  fs.writeFileSync(pemFile, PEM);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function settingError(fn: () => unknown): SettingError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SettingError) return err;
    throw err;
  }
  throw new Error('no SettingError');
}

describe('Temporal settings', () => {
  it('defaults: localhost:7233, namespace default, task queue complaints, no TLS', () => {
    const s = temporalSettingsFromEnv({});
    expect(s).toMatchObject({ address: 'localhost:7233', namespace: 'default', taskQueue: 'complaints' });
    expect(s.tls).toBeUndefined();
    expect(connectionOptions(s)).toEqual({ address: 'localhost:7233' });
  });

  it('one task queue for the worker and the API: TASK_QUEUE', () => {
    expect(temporalSettingsFromEnv({ TASK_QUEUE: 'complaints-eu' }).taskQueue).toBe('complaints-eu');
  });

  it('TLS: system CAs, a CA file, mTLS, a server name; an API key implies TLS and is never in the summary', () => {
    expect(temporalSettingsFromEnv({ TEMPORAL_TLS: 'true' }).tls).toEqual({});
    const s = temporalSettingsFromEnv({
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_TLS_CA: pemFile,
      TEMPORAL_TLS_CERT: pemFile,
      TEMPORAL_TLS_KEY: pemFile,
      TEMPORAL_TLS_SERVER_NAME: 'frontend.internal',
    });
    expect(s.tls?.serverNameOverride).toBe('frontend.internal');
    expect(Buffer.from(s.tls!.serverRootCACertificate!).toString()).toBe(PEM);
    expect(s.tls?.clientCertPair).toBeDefined();
    const cloud = temporalSettingsFromEnv({ TEMPORAL_API_KEY: 'secret-api-key-123' });
    expect(cloud.tls).toEqual({});
    expect(cloud.apiKey).toBe('secret-api-key-123');
    expect(connectionOptions(cloud)).toMatchObject({ apiKey: 'secret-api-key-123', tls: {} });
    expect(cloud.summary).not.toContain('secret-api-key-123');
    expect(cloud.summary).toContain('apiKey=set');
  });

  it('bad settings are named, secrets are not shown', () => {
    expect(settingError(() => temporalSettingsFromEnv({ TEMPORAL_TLS: 'maybe' })).setting).toBe('TEMPORAL_TLS');
    expect(settingError(() => temporalSettingsFromEnv({ TEMPORAL_ADDRESS: 'http://x:7233' })).setting).toBe('TEMPORAL_ADDRESS');
    expect(settingError(() => temporalSettingsFromEnv({ TEMPORAL_ADDRESS: 'x:99999' })).setting).toBe('TEMPORAL_ADDRESS');
    expect(settingError(() => temporalSettingsFromEnv({ TEMPORAL_TLS_CA: path.join(dir, 'none.pem') })).message).toMatch(/^TEMPORAL_TLS_CA: cannot read .*ENOENT/);
    expect(settingError(() => temporalSettingsFromEnv({ TEMPORAL_TLS_CERT: pemFile })).setting).toBe('TEMPORAL_TLS_KEY');
    const notPem = path.join(dir, 'key.txt');
    fs.writeFileSync(notPem, 'private-key-material');
    const e = settingError(() => temporalSettingsFromEnv({ TEMPORAL_TLS_CERT: pemFile, TEMPORAL_TLS_KEY: notPem }));
    expect(e.setting).toBe('TEMPORAL_TLS_KEY');
    expect(e.message).not.toContain('private-key-material');
    const off = settingError(() => temporalSettingsFromEnv({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'secret-api-key-123' }));
    expect(off.setting).toBe('TEMPORAL_TLS');
    expect(off.message).not.toContain('secret-api-key-123');
  });
});

describe('PostgreSQL settings', () => {
  const url = 'postgres://app:s3cret-pw@db.internal:5432/complaints';

  it('the URL, a pool of 10 by default, DATABASE_POOL_MAX; the summary has no password', () => {
    const s = databaseSettingsFromEnv({ DATABASE_URL: url });
    expect(s.options).toEqual({ max: 10 });
    expect(s.summary).toBe('host=db.internal:5432 database=complaints tls=off poolMax=10');
    expect(databaseSettingsFromEnv({ DATABASE_URL: url, DATABASE_POOL_MAX: '40' }).options.max).toBe(40);
  });

  it('TLS: PGSSLMODE or the URL\'s sslmode as pg reads them; DATABASE_SSL_CA (and a client certificate) verified', () => {
    expect(databaseSettingsFromEnv({ DATABASE_URL: url, PGSSLMODE: 'verify-full' }).summary).toContain('tls=verify-full');
    expect(databaseSettingsFromEnv({ DATABASE_URL: `${url}?sslmode=require` }).summary).toContain('tls=require');
    const s = databaseSettingsFromEnv({ DATABASE_URL: url, DATABASE_SSL_CA: pemFile, DATABASE_SSL_CERT: pemFile, DATABASE_SSL_KEY: pemFile });
    expect(s.options.ssl).toMatchObject({ rejectUnauthorized: true });
    expect(String(s.options.ssl?.ca)).toBe(PEM);
    expect(s.summary).toContain('tls=verify-full(ca-file,client-cert)');
  });

  it('bad settings are named, the URL (its password) never shown', () => {
    const cases: Array<[NodeJS.ProcessEnv, string]> = [
      [{}, 'DATABASE_URL'],
      [{ DATABASE_URL: 'not a url s3cret-pw' }, 'DATABASE_URL'],
      [{ DATABASE_URL: 'mysql://app:s3cret-pw@db/x' }, 'DATABASE_URL'],
      [{ DATABASE_URL: `${url}?sslmode=sometimes` }, 'DATABASE_URL'],
      [{ DATABASE_URL: url, PGSSLMODE: 'strict' }, 'PGSSLMODE'],
      [{ DATABASE_URL: url, DATABASE_POOL_MAX: '0' }, 'DATABASE_POOL_MAX'],
      [{ DATABASE_URL: url, DATABASE_SSL_CA: path.join(dir, 'none.pem') }, 'DATABASE_SSL_CA'],
      [{ DATABASE_URL: url, DATABASE_SSL_CERT: pemFile }, 'DATABASE_SSL_KEY'],
      [{ DATABASE_URL: `${url}?sslmode=require`, DATABASE_SSL_CA: pemFile }, 'DATABASE_SSL_CA'],
      [{ DATABASE_URL: url, PGSSLMODE: 'disable', DATABASE_SSL_CA: pemFile }, 'PGSSLMODE'],
    ];
    for (const [env, setting] of cases) {
      const e = settingError(() => databaseSettingsFromEnv(env));
      expect(e.setting, JSON.stringify(env)).toBe(setting);
      expect(e.message).not.toContain('s3cret-pw');
    }
  });
});

describe('the search attributes at start', () => {
  const fake = (customAttributes: Record<string, number>) => ({ listSearchAttributes: async () => ({ customAttributes }) });
  const all = Object.fromEntries(Object.entries(SEARCH_ATTRIBUTES_FOR_CLI).map(([n, t]) => [n, { Keyword: 2, Bool: 5, KeywordList: 7 }[t]]));

  it('names each missing attribute with its type, and npm run setup', async () => {
    const { SlaBreached: _a, ComplaintJurisdictions: _b, ...some } = all;
    const check = await checkSearchAttributes(fake(some), 'complaints');
    expect(check.status).toBe('missing');
    if (check.status !== 'missing') return;
    expect(check.missing).toEqual(['SlaBreached (Bool)', 'ComplaintJurisdictions (KeywordList)']);
    expect(check.message).toBe(
      "namespace complaints lacks the complaint workflow's search attributes: missing SlaBreached (Bool), ComplaintJurisdictions (KeywordList): `npm run setup` registers them",
    );
    const wrong = await checkSearchAttributes(fake({ ...all, ComplaintStage: 1 }), 'complaints');
    expect(wrong.status === 'missing' && wrong.wrongType).toEqual(['ComplaintStage (Text, must be Keyword)']);
  });

  it('a cluster that will not say is not a reason to stop', async () => {
    const denied = { listSearchAttributes: async () => Promise.reject(Object.assign(new Error('denied'), { code: 7, details: 'no permission' })) };
    expect((await checkSearchAttributes(denied, 'x')).status).toBe('unknown');
  });

  it('the suite\'s dev server has them all (it registers them at start); a namespace that does not exist is named', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      expect(await checkSearchAttributes(connection.operatorService, 'default')).toEqual({ status: 'ready' });
      const none = await checkSearchAttributes(connection.operatorService, 'no-such-namespace');
      expect(none.status).toBe('no-namespace');
      expect(none.status !== 'ready' && none.message).toMatch(/namespace no-such-namespace does not exist: `npm run setup` creates it/);
    } finally {
      await connection.close();
    }
  });
});

describe("the API's readiness (api/readiness.ts, written by api/main.ts)", () => {
  it('ready when nothing was checked; not while checking, when attributes are missing, or draining; a check that could not be made does not hold it back', () => {
    expect(readiness()).toEqual({ ready: true, searchAttributes: 'not-checked', problems: [], draining: false });
    setSearchAttributeCheck('checking');
    expect(readiness().ready).toBe(false);
    setSearchAttributeCheck({ status: 'missing', namespace: 'n', missing: ['SlaState (Keyword)'], wrongType: [], message: 'namespace n lacks …' });
    expect(readiness()).toMatchObject({ ready: false, searchAttributes: 'missing', problems: ['namespace n lacks …'] });
    setSearchAttributeCheck({ status: 'unknown', namespace: 'n', message: 'could not check' });
    expect(readiness()).toMatchObject({ ready: true, problems: ['could not check'] });
    setSearchAttributeCheck({ status: 'ready' });
    expect(readiness()).toEqual({ ready: true, searchAttributes: 'ready', problems: [], draining: false });
    setDraining();
    expect(readiness()).toMatchObject({ ready: false, draining: true, problems: ['shutting down: finishing in-flight requests'] });
  });
});

describe('the processes at start and at shutdown', () => {
  const repo = path.resolve(import.meta.dirname, '../..');
  const run = (script: string, env: NodeJS.ProcessEnv) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', path.join(repo, script)], {
        cwd: repo,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, WORKER_PROCESS_TUNING: 'off', PAYLOAD_KEYS: 'k1:Y29tcGxhaW50LWRlc2stdGVzdC1rZXktMzItYnl0ZXM=', ...env },
        timeout: 60_000,
      }, (_err, _out, stderr) => resolve({ code: child.exitCode, stderr }));
    });
  const db = 'postgres://app:s3cret-pw@127.0.0.1:1/none';

  it('on a bad setting, named, exit 2 (worker and API)', async () => {
    const [worker, api] = await Promise.all([
      run('worker/main.ts', { DATABASE_URL: db, TEMPORAL_TLS: 'maybe' }),
      run('api/main.ts', { DATABASE_URL: db, API_PORT: 'eighty' }),
    ]);
    expect(worker.code).toBe(2);
    expect(worker.stderr).toContain("worker: TEMPORAL_TLS: 'maybe' is neither true nor false");
    expect(api.code).toBe(2);
    expect(api.stderr).toContain("api: API_PORT: 'eighty' is not a port number");
    expect(worker.stderr + api.stderr).not.toContain('s3cret-pw');
  });

  it('the worker, on a namespace without the search attributes: names them and npm run setup, exit 1', async () => {
    const namespace = `bare-${Date.now().toString(36)}`;
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: 86400 } as never });
    } finally {
      await connection.close();
    }
    let worker = await run('worker/main.ts', { DATABASE_URL: db, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: namespace });
    // A namespace just registered may take a moment to be known to every service.
    for (let i = 0; i < 10 && /does not exist/.test(worker.stderr); i++) {
      await new Promise((r) => setTimeout(r, 500));
      worker = await run('worker/main.ts', { DATABASE_URL: db, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: namespace });
    }
    expect(worker.code).toBe(1);
    expect(worker.stderr).toContain(`worker: not starting: namespace ${namespace} lacks the complaint workflow's search attributes: missing ComplaintStage (Keyword),`);
    expect(worker.stderr).toContain('`npm run setup` registers them');
  });

  it('the API, on a namespace without them: starts NOT READY, naming them; on SIGTERM it finishes the request in flight, then stops (exit 0)', async () => {
    const namespace = `bare-api-${Date.now().toString(36)}`;
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: 86400 } as never });
    } finally {
      await connection.close();
    }
    await new Promise((r) => setTimeout(r, 1500)); // the namespace known to every service
    const api = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'api/main.ts')], {
      cwd: repo,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PAYLOAD_KEYS: 'k1:Y29tcGxhaW50LWRlc2stdGVzdC1rZXktMzItYnl0ZXM=',
        DATABASE_URL: db,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_NAMESPACE: namespace,
        API_PORT: '0',
        API_SHUTDOWN_GRACE_S: '20',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    api.stdout.on('data', (d) => (out += d));
    api.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => api.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!/listening on http:\/\/localhost:(\d+)/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const port = Number(out.match(/listening on http:\/\/localhost:(\d+)/)?.[1]);
      expect(out).toContain(`api: NOT READY: namespace ${namespace} lacks the complaint workflow's search attributes: missing ComplaintStage (Keyword),`);

      // A request in flight (its body half sent) when SIGTERM comes: it is answered, then the API stops.
      const socket = net.connect(port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      let answer = '';
      socket.on('data', (d) => (answer += d));
      socket.write('POST /codec-session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 6\r\n\r\ntok');
      await new Promise((r) => setTimeout(r, 300));
      api.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 1000));
      expect(out).toContain('api: SIGTERM: finishing in-flight requests (up to 20 s)');
      expect(api.exitCode).toBeNull(); // still waiting for the request
      socket.end('en=');
      expect(await exited).toBe(0);
      expect(answer).toMatch(/^HTTP\/1.1 401 /);
      expect(out).toContain('api: stopped');
    } finally {
      if (api.exitCode === null) api.kill('SIGKILL');
    }
  });
});
