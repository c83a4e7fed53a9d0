/**
 * Reference data the clocks run on: business calendars and service-level policies, read and
 * written as the pure rules' types. Defaults are seeded once and never overwrite an admin's edits.
 */
import { DEFAULT_CALENDARS } from './reference/calendars.js';
import type { Db } from './connect.js';
import type { BusinessCalendar } from '../workflows/rules/calendar.js';
import { DEFAULT_POLICY, type ServiceLevelPolicy } from '../workflows/rules/sla-policy.js';

export async function loadCalendar(db: Db, id: string): Promise<BusinessCalendar | undefined> {
  const row = await db.selectFrom('business_calendars').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const days = await db
    .selectFrom('calendar_days')
    .select(['day', 'kind'])
    .where('calendar_id', '=', id)
    .orderBy('day')
    .execute();
  return {
    id: row.id,
    name: row.name,
    timeZone: row.time_zone,
    workingHours: row.working_hours,
    weekendDays: row.weekend_days,
    holidays: days.filter((d) => d.kind === 'holiday').map((d) => d.day),
    makeUpWorkingDays: days.filter((d) => d.kind === 'make_up_working_day').map((d) => d.day),
    coverage: { from: row.coverage_from, to: row.coverage_to },
  };
}

/** Replaces a calendar whole (the admin's correction), in one transaction. */
export async function saveCalendar(db: Db, calendar: BusinessCalendar): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = {
      name: calendar.name,
      time_zone: calendar.timeZone,
      working_hours: JSON.stringify(calendar.workingHours),
      weekend_days: calendar.weekendDays,
      coverage_from: calendar.coverage.from,
      coverage_to: calendar.coverage.to,
    };
    await trx
      .insertInto('business_calendars')
      .values({ id: calendar.id, ...row })
      .onConflict((oc) => oc.column('id').doUpdateSet({ ...row, updated_at: new Date() }))
      .execute();
    await trx.deleteFrom('calendar_days').where('calendar_id', '=', calendar.id).execute();
    const days = [
      ...calendar.holidays.map((day) => ({ calendar_id: calendar.id, day, kind: 'holiday' as const })),
      ...calendar.makeUpWorkingDays.map((day) => ({ calendar_id: calendar.id, day, kind: 'make_up_working_day' as const })),
    ];
    if (days.length) await trx.insertInto('calendar_days').values(days).execute();
  });
}

/** The policy by id (newest version), or the default one. */
export async function loadPolicy(db: Db, id?: string): Promise<ServiceLevelPolicy | undefined> {
  let query = db.selectFrom('sla_policies').select('body').orderBy('version', 'desc').limit(1);
  query = id ? query.where('id', '=', id) : query.where('is_default', '=', true);
  const row = await query.executeTakeFirst();
  return row ? (row.body as ServiceLevelPolicy) : undefined;
}

export async function savePolicy(db: Db, policy: ServiceLevelPolicy, options: { makeDefault?: boolean } = {}) {
  await db.transaction().execute(async (trx) => {
    if (options.makeDefault) await trx.updateTable('sla_policies').set({ is_default: false }).execute();
    await trx
      .insertInto('sla_policies')
      .values({
        id: policy.id,
        version: policy.version,
        body: JSON.stringify(policy),
        is_default: options.makeDefault ?? false,
      })
      .onConflict((oc) => oc.columns(['id', 'version']).doNothing())
      .execute();
  });
}

/** Seeds the calendars and the default policy of the source documents, where absent. */
export async function seedReferenceData(db: Db): Promise<void> {
  for (const calendar of DEFAULT_CALENDARS) {
    const exists = await db.selectFrom('business_calendars').select('id').where('id', '=', calendar.id).executeTakeFirst();
    if (!exists) await saveCalendar(db, calendar);
  }
  const anyDefault = await db.selectFrom('sla_policies').select('id').where('is_default', '=', true).executeTakeFirst();
  if (!anyDefault) await savePolicy(db, DEFAULT_POLICY, { makeDefault: true });
}
