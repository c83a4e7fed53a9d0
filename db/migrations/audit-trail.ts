/**
 * Audit trails (complaint events, product-hold events, cluster-alert events) share one shape and one
 * rule: rows are appended, never edited or deleted, whoever asks (21 CFR Part 11). Migrations build
 * them with these helpers so every trail is the same. Kept stable: applied migrations depend on it.
 */
import { sql, type Kysely } from 'kysely';

export interface AuditTrailTable {
  table: string;
  /** The column naming what the trail is of, and the table.column it references. */
  subject: { column: string; references: string };
  /** SQL check on `action`, when the trail's actions are a closed list. */
  actions?: readonly string[];
}

export async function createAuditTrail(db: Kysely<unknown>, t: AuditTrailTable): Promise<void> {
  await db.schema
    .createTable(t.table)
    .addColumn(t.subject.column, 'uuid', (c) => c.notNull().references(t.subject.references))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('actor_role', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) =>
      t.actions ? c.notNull().check(sql`action in (${sql.join(t.actions.map((a) => sql.lit(a)))})`) : c.notNull(),
    )
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint(`${t.table}_pk`, [t.subject.column, 'seq'])
    .execute();
  await sql`
    create function ${sql.raw(t.table)}_append_only() returns trigger language plpgsql as $$
    begin
      raise exception '${sql.raw(t.table)} is append-only: % refused', tg_op;
    end $$`.execute(db);
  await sql`
    create trigger ${sql.raw(t.table)}_no_change before update or delete on ${sql.table(t.table)}
    for each row execute function ${sql.raw(t.table)}_append_only()`.execute(db);
}

export async function dropAuditTrail(db: Kysely<unknown>, table: string): Promise<void> {
  await db.schema.dropTable(table).ifExists().execute();
  await sql`drop function if exists ${sql.raw(table)}_append_only()`.execute(db);
}
