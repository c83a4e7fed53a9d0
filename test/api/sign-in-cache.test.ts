/**
 * The sign-in cache (db/users.ts, API_SIGN_IN_CACHE_S): a token's actor kept a few seconds. Through
 * this process a revocation or a deactivation bites at once; made elsewhere (SQL here, as another API
 * or `npm run admin` would) it bites within the cache's time, never later; an expiry holds on time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorForToken, createUser, issueToken, revokeToken, setSignInCacheMs, updateUser } from '../../db/users.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TTL = 1500;
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  setSignInCacheMs(TTL);
});
afterAll(async () => {
  setSignInCacheMs(0);
  await database?.drop();
});

describe('sign-in cache', () => {
  it('a burst of sign-ins with one token answers from the cache; unknown tokens are never cached', async () => {
    await createUser(database.db, { id: 'cache-agent', displayName: 'Cache agent', role: 'agent' }, 'test');
    const { token } = await issueToken(database.db, 'cache-agent', 'burst', 'test');
    const first = await actorForToken(database.db, token);
    expect(first).toEqual({ id: 'cache-agent', role: 'agent' });
    for (let i = 0; i < 20; i++) expect(await actorForToken(database.db, token)).toEqual(first);
    expect(await actorForToken(database.db, 'cdt_unknown')).toBeUndefined();
  });

  it('a revocation or deactivation through this process bites at once', async () => {
    await createUser(database.db, { id: 'cache-handler', displayName: 'Cache handler', role: 'handler' }, 'test');
    const one = await issueToken(database.db, 'cache-handler', 'one', 'test');
    const two = await issueToken(database.db, 'cache-handler', 'two', 'test');
    expect(await actorForToken(database.db, one.token)).toBeDefined();
    expect(await actorForToken(database.db, two.token)).toBeDefined();
    expect(await revokeToken(database.db, one.tokenId, 'test')).toBe(true);
    expect(await actorForToken(database.db, one.token)).toBeUndefined();
    expect(await actorForToken(database.db, two.token)).toBeDefined();
    await updateUser(database.db, 'cache-handler', { active: false });
    expect(await actorForToken(database.db, two.token)).toBeUndefined();
  });

  it('a revocation made elsewhere bites within the cache time, and an expiry on time', async () => {
    await createUser(database.db, { id: 'cache-qa', displayName: 'Cache QA', role: 'qa' }, 'test');
    const issued = await issueToken(database.db, 'cache-qa', 'elsewhere', 'test');
    expect(await actorForToken(database.db, issued.token)).toBeDefined();
    const revokedAt = Date.now();
    await database.db.updateTable('api_tokens').set({ revoked_at: new Date(), revoked_by: 'sql' }).where('id', '=', issued.tokenId).execute();
    // Still signed in from the cache for at most TTL, then refused.
    let refusedAt: number | undefined;
    while (refusedAt === undefined && Date.now() - revokedAt < TTL + 2000) {
      if ((await actorForToken(database.db, issued.token)) === undefined) refusedAt = Date.now();
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(refusedAt).toBeDefined();
    expect(refusedAt! - revokedAt).toBeLessThanOrEqual(TTL + 100);

    const short = await issueToken(database.db, 'cache-qa', 'short', 'test');
    const expiresAt = new Date(Date.now() + 400);
    await database.db.updateTable('api_tokens').set({ expires_at: expiresAt }).where('id', '=', short.tokenId).execute();
    expect(await actorForToken(database.db, short.token)).toBeDefined(); // cached, with its expiry
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt.getTime() - Date.now()) + 20));
    expect(await actorForToken(database.db, short.token)).toBeUndefined(); // well inside TTL, yet expired
  });
});
