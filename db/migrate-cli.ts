/** `npm run migrate`: applies migrations to DATABASE_URL. */
import { migrateToLatest } from './migrate.js';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set');
  process.exit(2);
}
await migrateToLatest(url);
console.log('migrations applied');
