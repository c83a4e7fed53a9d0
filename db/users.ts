/**
 * Users, roles and bearer tokens. A token is 32 random bytes shown once when issued; only its
 * SHA-256 hash is stored, so a copy of the database signs nobody in.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Actor, Role } from '../workflows/model.js';
import type { Db } from './connect.js';

const TOKEN_PREFIX = 'cdt_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface UserView {
  id: string;
  displayName: string;
  role: Role;
  active: boolean;
  createdAt: string;
  createdBy: string;
}

export async function createUser(db: Db, user: { id: string; displayName: string; role: Role }, by: string): Promise<UserView | undefined> {
  const row = await db
    .insertInto('users')
    .values({ id: user.id, display_name: user.displayName, role: user.role, created_by: by })
    .onConflict((oc) => oc.column('id').doNothing())
    .returningAll()
    .executeTakeFirst();
  return row ? toUser(row) : undefined;
}

export async function updateUser(db: Db, id: string, change: { role?: Role; active?: boolean; displayName?: string }): Promise<UserView | undefined> {
  const row = await db
    .updateTable('users')
    .set({
      ...(change.role ? { role: change.role } : {}),
      ...(change.active !== undefined ? { active: change.active } : {}),
      ...(change.displayName ? { display_name: change.displayName } : {}),
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  forgetSignIns(db, { userId: id });
  return row ? toUser(row) : undefined;
}

export async function listUsers(db: Db): Promise<UserView[]> {
  return (await db.selectFrom('users').selectAll().orderBy('id').execute()).map(toUser);
}

export async function findUser(db: Db, id: string): Promise<UserView | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toUser(row) : undefined;
}

export interface IssuedToken {
  tokenId: string;
  /** Shown once; store it like a password. */
  token: string;
  userId: string;
  label: string;
  expiresAt?: string;
}

export async function issueToken(db: Db, userId: string, label: string, by: string, expiresInDays?: number): Promise<IssuedToken> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const tokenId = randomUUID();
  const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null;
  await db
    .insertInto('api_tokens')
    .values({ id: tokenId, user_id: userId, token_hash: hashToken(token), label, created_by: by, expires_at: expiresAt })
    .execute();
  return { tokenId, token, userId, label, ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) };
}

export async function listTokens(db: Db, userId: string) {
  const rows = await db
    .selectFrom('api_tokens')
    .select(['id', 'label', 'created_at', 'created_by', 'expires_at', 'revoked_at', 'revoked_by'])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .execute();
  const iso = (d: Date | string | null) => (d === null ? undefined : new Date(d).toISOString());
  return rows.map((r) => ({
    tokenId: r.id,
    label: r.label,
    createdAt: iso(r.created_at),
    createdBy: r.created_by,
    expiresAt: iso(r.expires_at),
    revokedAt: iso(r.revoked_at),
    revokedBy: r.revoked_by ?? undefined,
  }));
}

/** Revokes a token; false when there is no such token or it was already revoked. */
export async function revokeToken(db: Db, tokenId: string, by: string): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: sql`now()`, revoked_by: by })
    .where('id', '=', tokenId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  forgetSignIns(db, { tokenId });
  return result.numUpdatedRows > 0n;
}

/**
 * The sign-in cache: a token's actor kept for a few seconds, so a burst of requests with one token
 * costs one query, not one each. The price is that a revocation, a deactivation or a role change
 * made by another process (a second API, `npm run admin`, SQL) bites at most this long later; made
 * through this process (the admin routes call revokeToken and updateUser here) it bites at once. A
 * token's expiry is kept with its entry and always holds on time. Unknown tokens are never cached.
 *
 * Off (0) unless set: API_SIGN_IN_CACHE_S (seconds, at most 60), read once, or setSignInCacheMs.
 */
let signInCacheMs: number | undefined;
type SignIn = { actor: Actor; until: number; tokenId: string; userId: string };
let signInCaches = new WeakMap<Db, Map<string, SignIn>>();
const SIGN_IN_CACHE_MAX = 10_000;

export function signInCacheMsSetting(): number {
  if (signInCacheMs === undefined) {
    const raw = process.env.API_SIGN_IN_CACHE_S;
    const s = raw === undefined || raw === '' ? 0 : Number(raw);
    if (!Number.isFinite(s) || s < 0 || s > 60) throw new Error(`API_SIGN_IN_CACHE_S=${raw} is not a number of seconds from 0 to 60`);
    signInCacheMs = s * 1000;
  }
  return signInCacheMs;
}

/** Sets how long a signed-in token's actor is kept (ms; 0: a query on every request), and empties the cache. */
export function setSignInCacheMs(ms: number): void {
  signInCacheMs = ms;
  signInCaches = new WeakMap();
}

function cacheOf(db: Db): Map<string, SignIn> {
  let cache = signInCaches.get(db);
  if (!cache) signInCaches.set(db, (cache = new Map()));
  return cache;
}

/** Forgets cached sign-ins of one token or one user (this process's revocations and user changes). */
function forgetSignIns(db: Db, match: { tokenId?: string; userId?: string }): void {
  const cache = signInCaches.get(db);
  if (!cache) return;
  for (const [hash, entry] of cache) {
    if ((match.tokenId && entry.tokenId === match.tokenId) || (match.userId && entry.userId === match.userId)) cache.delete(hash);
  }
}

/** The actor a bearer token signs in, if the token is known, unrevoked, unexpired and its user active (kept briefly: see above). */
export async function actorForToken(db: Db, token: string): Promise<Actor | undefined> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
  const hash = hashToken(token);
  const ttl = signInCacheMsSetting();
  const now = Date.now();
  if (ttl > 0) {
    const cache = cacheOf(db);
    const hit = cache.get(hash);
    if (hit && hit.until > now) return hit.actor;
    if (hit) cache.delete(hash);
  }
  const row = await db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['u.id', 'u.role', 't.id as token_id', 't.expires_at'])
    .where('t.token_hash', '=', hash)
    .where('t.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>', new Date())]))
    .where('u.active', '=', true)
    .executeTakeFirst();
  if (!row) return undefined;
  const actor: Actor = { id: row.id, role: row.role };
  if (ttl > 0) {
    const cache = cacheOf(db);
    if (cache.size >= SIGN_IN_CACHE_MAX) cache.clear();
    const expires = row.expires_at ? new Date(row.expires_at).getTime() : Infinity;
    cache.set(hash, { actor, until: Math.min(now + ttl, expires), tokenId: row.token_id, userId: row.id });
  }
  return actor;
}

function toUser(row: { id: string; display_name: string; role: Role; active: boolean; created_at: Date | string; created_by: string }): UserView {
  return {
    id: row.id,
    displayName: row.display_name,
    role: row.role,
    active: row.active,
    createdAt: new Date(row.created_at).toISOString(),
    createdBy: row.created_by,
  };
}
