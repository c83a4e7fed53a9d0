/**
 * The designed race of the intake card (db/intake-card.ts): the API's filing and the workflow's first
 * task file the same card at the same moment, each through its own pool (two processes). Exactly one
 * files it, both get the same number, no number is skipped, and neither sends PostgreSQL a statement
 * that fails: a failed statement is an ERROR line in the server's log (a managed database's error
 * log pages someone), and the client sees every such error (Kysely's log, level `error`).
 */
import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect, type LogEvent } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/schema.js';
import { fileIntakeCard, type RecordIntakeInput } from '../../db/intake-card.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { SAMPLE_INTAKE } from '../support/intake.js';

let testDb: TestDatabase;
const writers: Array<Kysely<Database>> = [];
const failed: string[] = [];
const statements: string[] = [];

function writer(url: string): Kysely<Database> {
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }),
    log: (event: LogEvent) => {
      statements.push(event.query.sql);
      if (event.level === 'error') failed.push(`${(event.error as Error).message}: ${event.query.sql.slice(0, 80)}`);
    },
  });
  writers.push(db);
  return db;
}

function card(complaintId: string, receivedAt: number): RecordIntakeInput {
  return {
    complaintId,
    intake: { ...SAMPLE_INTAKE, requestedRemedies: ['repair'] },
    receivedAt,
    receivedBy: { id: 'agent-li', role: 'agent' },
    fingerprint: `fp-${complaintId}`,
    idempotencyKey: `key-${complaintId}`,
    policyId: 'default',
  };
}

beforeAll(async () => {
  testDb = await createTestDatabase();
}, 120_000);

afterAll(async () => {
  await Promise.all(writers.map((w) => w.destroy()));
  await testDb?.drop();
});

describe('the intake card filed by two writers at once', () => {
  it('files it once, gives both the same number, skips no number, and raises no database error', async () => {
    const api = writer(testDb.url);
    const workflow = writer(testDb.url);
    // A year of its own: numbers from 1, whatever else this database holds.
    const receivedAt = Date.UTC(2031, 2, 1, 9);
    const rounds = 30;
    const ids: string[] = [];
    for (let i = 0; i < rounds; i++) {
      const id = randomUUID();
      ids.push(id);
      const input = card(id, receivedAt);
      const [a, b] = await Promise.all([fileIntakeCard(api, input), fileIntakeCard(workflow, input)]);
      expect(a.number).toBe(b.number);
      expect([a.filedNow, b.filedNow].filter(Boolean)).toHaveLength(1);
    }
    // Every statement either writer sent succeeded: no ERROR in PostgreSQL's log for these filings.
    expect(failed).toEqual([]);

    const rows = await testDb.db.selectFrom('complaints').select(['id', 'number']).where('id', 'in', ids).execute();
    expect(rows).toHaveLength(rounds);
    const numbers = rows.map((r) => r.number).sort();
    expect(numbers).toEqual(Array.from({ length: rounds }, (_, i) => `CMP-2031-${String(i + 1).padStart(6, '0')}`));
    const seq = await testDb.db.selectFrom('complaint_number_sequences').select('last_value').where('year', '=', 2031).executeTakeFirstOrThrow();
    expect(seq.last_value).toBe(rounds);
    // The race was run, not just the quiet path: some filings drew a number, found the card on
    // file and rolled back (the other writer's transaction had won while they waited for the number).
    const rollbacks = statements.filter((s) => s.trim().toLowerCase() === 'rollback').length;
    expect(rollbacks).toBeGreaterThan(0);
    console.log(`intake-card race: ${rounds} rounds, ${rollbacks} filing(s) lost the race after drawing a number and rolled back`);
  });

  it('a second filing after the first gives the same number and files nothing', async () => {
    const input = card(randomUUID(), Date.UTC(2032, 0, 5));
    const first = await fileIntakeCard(testDb.db, input);
    const again = await fileIntakeCard(testDb.db, input);
    expect(first).toEqual({ number: 'CMP-2032-000001', filedNow: true });
    expect(again).toEqual({ number: 'CMP-2032-000001', filedNow: false });
    expect(failed).toEqual([]);
  });
});
