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
  return result.numUpdatedRows > 0n;
}

/** The actor a bearer token signs in, if the token is known, unrevoked, unexpired and its user active. */
export async function actorForToken(db: Db, token: string): Promise<Actor | undefined> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
  const row = await db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['u.id', 'u.role'])
    .where('t.token_hash', '=', hashToken(token))
    .where('t.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>', new Date())]))
    .where('u.active', '=', true)
    .executeTakeFirst();
  return row ? { id: row.id, role: row.role } : undefined;
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
