/**
 * `npm run admin -- <command>`: users and tokens from the command line, against DATABASE_URL
 * (the embedded database of `npm start` when unset). For the first admin of a new installation.
 *
 *   add-user <id> <role> [display name]   create a user (roles: agent handler supervisor qa admin)
 *   issue-token <user id> [label]         issue a bearer token (printed once)
 *   revoke-token <token id>               revoke a token
 *   list-users                            users and roles
 */
import { connect } from '../db/connect.js';
import { createUser, findUser, issueToken, listUsers, revokeToken } from '../db/users.js';
import { ROLES, type Role } from '../workflows/model.js';

const url = process.env.DATABASE_URL ?? `postgres://postgres:postgres@127.0.0.1:${process.env.PG_PORT ?? 5433}/complaints`;
const [command, ...args] = process.argv.slice(2);
const db = connect(url, { max: 1 });
const by = `cli:${process.env.USER ?? 'admin'}`;

function usage(): never {
  console.error('usage: npm run admin -- add-user <id> <role> [name] | issue-token <user> [label] | revoke-token <token id> | list-users');
  process.exit(2);
}

try {
  switch (command) {
    case 'add-user': {
      const [id, role, ...name] = args;
      if (!id || !ROLES.includes(role as Role)) usage();
      const user = await createUser(db, { id, role: role as Role, displayName: name.join(' ') || id }, by);
      console.log(user ? `user ${id} created with role ${role}` : `user ${id} exists already`);
      break;
    }
    case 'issue-token': {
      const [userId, ...label] = args;
      if (!userId) usage();
      if (!(await findUser(db, userId))) throw new Error(`no user ${userId}`);
      const issued = await issueToken(db, userId, label.join(' ') || 'issued on the command line', by);
      console.log(`token ${issued.tokenId} for ${userId} (shown once, store it like a password):\n${issued.token}`);
      break;
    }
    case 'revoke-token': {
      const [tokenId] = args;
      if (!tokenId) usage();
      console.log((await revokeToken(db, tokenId, by)) ? `token ${tokenId} revoked` : `no unrevoked token ${tokenId}`);
      break;
    }
    case 'list-users':
      for (const u of await listUsers(db)) console.log(`${u.id}\t${u.role}\t${u.active ? 'active' : 'inactive'}\t${u.displayName}`);
      break;
    default:
      usage();
  }
} catch (err) {
  console.error(`admin: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await db.destroy();
}
