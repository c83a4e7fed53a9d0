/**
 * One place that opens the database: a Kysely instance over a `pg` pool, and the settings a process
 * reads for it (databaseSettingsFromEnv):
 *
 *   DATABASE_URL       postgres://user:password@host:port/db (required by the worker and the API);
 *                      its `sslmode` (and `sslrootcert`, `sslcert`, `sslkey`) work as `pg` reads them
 *   PGSSLMODE          TLS when the URL says nothing: disable, prefer, require, verify-ca,
 *                      verify-full, no-verify (`pg` reads it; checked here)
 *   DATABASE_SSL_CA    a PEM file of the CA of the server's certificate: TLS, the certificate checked
 *                      against it (and the host name); not together with an sslmode in DATABASE_URL
 *   DATABASE_SSL_CERT, DATABASE_SSL_KEY   a client certificate and its key (PEM files), together
 *   DATABASE_POOL_MAX  connections per process (default 10)
 *
 * A bad setting is a SettingError naming it; DATABASE_URL's value is never in a message (it holds
 * the password).
 */
import fs from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { SettingError } from '../workflows/wire/temporal-connection.js';
import type { Database } from './schema.js';

// Calendar dates stay 'YYYY-MM-DD' strings: turning them into midnight-UTC Dates shifts them by zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export type Db = Kysely<Database>;

export interface ConnectOptions {
  /** Connections in the pool (default 10). */
  max?: number;
  /** TLS beyond what the URL or PGSSLMODE says (see databaseSettingsFromEnv). */
  ssl?: TlsOptions;
}

export function connect(databaseUrl: string, options: ConnectOptions = {}): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.max ?? 10, ...(options.ssl ? { ssl: options.ssl } : {}) });
  // A client losing its connection (database restart) must not crash the process: the pool reports
  // idle clients; a client checked out at that moment (between a transaction's statements) reports on
  // itself, and with no listener Node ends the process. Its current or next query fails instead, and
  // the activity or request that ran it is retried.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

export interface DatabaseSettings {
  url: string;
  options: ConnectOptions;
  /** What is set, for a start-up line (no password, no key material). */
  summary: string;
}

const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];
const URL_SSL_PARAMS = ['sslmode', 'ssl', 'sslrootcert', 'sslcert', 'sslkey'];

function pem(env: NodeJS.ProcessEnv, name: string): Buffer | undefined {
  const file = env[name]?.trim();
  if (!file) return undefined;
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new SettingError(name, `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** The database settings of the environment (see the header); a SettingError when one is wrong. */
export function databaseSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseSettings {
  const url = env.DATABASE_URL?.trim();
  if (!url) throw new SettingError('DATABASE_URL', 'is not set');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SettingError('DATABASE_URL', 'is not a URL (postgres://user:password@host:port/db)');
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new SettingError('DATABASE_URL', `is a ${parsed.protocol} URL, not postgres://…`);
  const urlSsl = URL_SSL_PARAMS.filter((p) => parsed.searchParams.has(p));
  const urlMode = parsed.searchParams.get('sslmode');
  if (urlMode !== null && !SSL_MODES.includes(urlMode)) throw new SettingError('DATABASE_URL', `its sslmode '${urlMode}' is not one of ${SSL_MODES.join(', ')}`);
  const envMode = env.PGSSLMODE?.trim() || undefined;
  if (envMode !== undefined && !SSL_MODES.includes(envMode)) throw new SettingError('PGSSLMODE', `'${envMode}' is not one of ${SSL_MODES.join(', ')}`);

  const ca = pem(env, 'DATABASE_SSL_CA');
  const cert = pem(env, 'DATABASE_SSL_CERT');
  const key = pem(env, 'DATABASE_SSL_KEY');
  if (!!cert !== !!key) throw new SettingError(cert ? 'DATABASE_SSL_KEY' : 'DATABASE_SSL_CERT', 'DATABASE_SSL_CERT and DATABASE_SSL_KEY go together (a client certificate and its key)');
  const fileSettings = [ca && 'DATABASE_SSL_CA', cert && 'DATABASE_SSL_CERT'].filter(Boolean) as string[];
  // pg lets the URL's TLS parameters replace an `ssl` option as a whole: one or the other.
  if (fileSettings.length && urlSsl.length) {
    throw new SettingError(fileSettings[0]!, `DATABASE_URL has its own TLS parameters (${urlSsl.join(', ')}): give TLS in one place`);
  }
  if (fileSettings.length && (envMode === 'disable' || envMode === 'no-verify' || envMode === 'prefer')) {
    throw new SettingError('PGSSLMODE', `is ${envMode}, and ${fileSettings.join(', ')} ask for verified TLS: unset one or the other`);
  }

  const rawMax = env.DATABASE_POOL_MAX?.trim();
  let max = 10;
  if (rawMax) {
    max = Number(rawMax);
    if (!Number.isInteger(max) || max < 1 || max > 1000) throw new SettingError('DATABASE_POOL_MAX', `'${rawMax}' is not a whole number from 1 to 1000`);
  }

  const ssl: TlsOptions | undefined = fileSettings.length
    ? { rejectUnauthorized: true, ...(ca ? { ca } : {}), ...(cert && key ? { cert, key } : {}) }
    : undefined;
  const tls = ssl
    ? `verify-full(${[ca ? 'ca-file' : 'system-ca', ...(cert ? ['client-cert'] : [])].join(',')})`
    : (urlMode ?? (urlSsl.length ? 'from-url' : (envMode ?? 'off')));
  return {
    url,
    options: { max, ...(ssl ? { ssl } : {}) },
    summary: `host=${parsed.hostname}:${parsed.port || 5432} database=${decodeURIComponent(parsed.pathname.slice(1))} tls=${tls} poolMax=${max}`,
  };
}
