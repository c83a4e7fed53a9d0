/**
 * The local stack's users: one per role, each with a fresh bearer token at every `npm start`
 * (earlier demo tokens are revoked). For a machine's own local stack only: production issues
 * tokens through /admin or `npm run admin`.
 */
import { connect } from '../../db/connect.js';
import { createUser, issueToken } from '../../db/users.js';
import { ROLES, type Role } from '../../workflows/model.js';

export const DEMO_LABEL = 'local demo (npm start)';

const DEMO_USERS: Array<{ id: string; displayName: string; role: Role }> = ROLES.map((role) => ({
  id: `demo-${role}`,
  displayName: `Demo ${role}`,
  role,
}));

export async function issueDemoTokens(databaseUrl: string): Promise<Array<{ userId: string; role: Role; token: string }>> {
  const db = connect(databaseUrl, { max: 1 });
  try {
    const tokens = [];
    for (const user of DEMO_USERS) {
      await createUser(db, user, 'npm-start');
      await db
        .updateTable('api_tokens')
        .set({ revoked_at: new Date(), revoked_by: 'npm-start' })
        .where('user_id', '=', user.id)
        .where('label', '=', DEMO_LABEL)
        .where('revoked_at', 'is', null)
        .execute();
      const issued = await issueToken(db, user.id, DEMO_LABEL, 'npm-start');
      tokens.push({ userId: user.id, role: user.role, token: issued.token });
    }
    return tokens;
  } finally {
    await db.destroy();
  }
}
