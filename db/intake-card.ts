/**
 * The intake card: the complaint record as received (21 CFR 820.35(a) / ISO 13485 fields), with the
 * complaint's number (year and sequence, without gaps). Filed by the API when it accepts a complaint,
 * so the agent has the number at once, and by the complaint workflow's first task, so a complaint
 * whose API request died between starting the workflow and filing the card is still filed. Whichever
 * comes first files it; the other finds it and gets the same number.
 */
import type { Db } from './connect.js';
import { sql } from 'kysely';
import type { Actor, IntakeRecord } from '../workflows/model.js';
import type { ComplaintsTable } from './schema.js';

export interface RecordIntakeInput {
  complaintId: string;
  intake: IntakeRecord;
  receivedAt: number;
  receivedBy: Actor;
  fingerprint: string;
  idempotencyKey?: string;
  policyId: string;
}

/** Thrown inside the filing's transaction to roll it back (and its number with it) when the card is already on file. */
class AlreadyFiled extends Error {}

/**
 * Files the card once; `filedNow` says whether this call filed it (false: it was already on file).
 *
 * Three statements: BEGIN, one statement that finds the card or draws the number and files the card,
 * COMMIT (ROLLBACK for the loser of the race below, then a read of the winner's number).
 *
 * The two writers (the API's filing and the workflow's first task) race by design. Neither raises a
 * database error: the card goes in with `ON CONFLICT (id) DO NOTHING`, and the filing that finds the
 * other's card there rolls back its own transaction (and the number it drew, so no gap) and reads
 * the winner's number. The number is drawn under the year's row lock of complaint_number_sequences,
 * so the loser waits for the winner's commit before it inserts, and then sees its card.
 */
export async function fileIntakeCard(db: Db, input: RecordIntakeInput): Promise<{ number: string; filedNow: boolean }> {
  try {
    return await fileOnce(db, input);
  } catch (err) {
    if (!(err instanceof AlreadyFiled)) throw err;
    const row = await db.selectFrom('complaints').select('number').where('id', '=', input.complaintId).executeTakeFirst();
    if (!row) throw new Error(`the intake card of complaint ${input.complaintId} was on file and is gone`);
    return { number: row.number, filedNow: false };
  }
}

async function fileOnce(db: Db, input: RecordIntakeInput): Promise<{ number: string; filedNow: boolean }> {
  const year = new Date(input.receivedAt).getUTCFullYear();
  const card = cardColumns(input);
  const columns = Object.keys(card);
  // One statement between BEGIN and COMMIT (it was three: the look for the card, the number, the
  // card): the card already on file answers with its number and draws none; otherwise the year's
  // number is drawn (under the year's row lock) and the card goes in with it, ON CONFLICT (id) DO
  // NOTHING. Typed by the table itself: the values travel as one JSON record read by
  // json_populate_record(null::complaints, …), so every column keeps its type with one parameter.
  const { rows } = await db.transaction().execute(async (trx) => {
    const result = await sql<{ existing: string | null; filed: string | null }>`
      with existing as (
        select number from complaints where id = ${input.complaintId}
      ), drawn as (
        insert into complaint_number_sequences (year, last_value)
        select ${year}::int, 1 where not exists (select 1 from existing)
        on conflict (year) do update set last_value = complaint_number_sequences.last_value + 1
        returning last_value
      ), filed as (
        insert into complaints (number, ${sql.join(columns.map((c) => sql.ref(c)))})
        select 'CMP-' || ${String(year)}::text || '-' || lpad(drawn.last_value::text, 6, '0'), ${sql.join(columns.map((c) => sql.ref(`r.${c}`)))}
        from drawn, json_populate_record(null::complaints, ${JSON.stringify(card)}::json) as r
        -- Filed meanwhile by the other writer (its transaction committed while we waited for the
        -- number): no row, no error; the transaction is rolled back below, the number with it.
        on conflict (id) do nothing
        returning number
      )
      select (select number from existing) as existing, (select number from filed) as filed
    `.execute(trx);
    const row = result.rows[0]!;
    if (row.existing !== null) return { rows: { number: row.existing, filedNow: false } };
    if (row.filed === null) throw new AlreadyFiled();
    return { rows: { number: row.filed, filedNow: true } };
  });
  return rows;
}

/** The card's columns (all but its number), as the complaints table names them. */
function cardColumns(input: RecordIntakeInput) {
  const { complainant, device, event } = input.intake;
  return {
    id: input.complaintId,
    idempotency_key: input.idempotencyKey ?? null,
    fingerprint: input.fingerprint,
    policy_id: input.policyId,
    received_at: new Date(input.receivedAt).toISOString(),
    received_by: input.receivedBy.id,
    channel: input.intake.channel,
    distributor_aware_at: input.intake.distributorAwareAt ?? null,
    complainant_name: complainant.name,
    complainant_role: complainant.role,
    complainant_organisation: complainant.organisation ?? null,
    complainant_phone: complainant.phone ?? null,
    complainant_email: complainant.email ?? null,
    complainant_address: complainant.address ?? null,
    complainant_mood: input.intake.mood ?? null,
    device_name: device.productName,
    device_model: device.model ?? null,
    device_specification: device.specification ?? null,
    device_serial_number: device.serialNumber ?? null,
    device_lot: device.lot ?? null,
    device_udi: device.udi ?? null,
    device_expiry_date: device.expiryDate ?? null,
    device_manufacturer: device.manufacturer ?? null,
    device_supplier: device.supplier ?? null,
    device_purchase_date: device.purchaseDate ?? null,
    event_occurred_at: event.occurredAt ?? null,
    event_location: event.location ?? null,
    event_country: event.country ?? null,
    event_description: event.description,
    event_impact_scope: event.impactScope ?? null,
    patient_harmed: event.patientHarmed,
    in_use_on_patient: event.inUseOnPatient,
    requested_remedies: input.intake.requestedRemedies,
    sample_available: input.intake.sampleAvailable,
    stage: 'intake',
    owner_id: input.receivedBy.id,
  } satisfies Partial<Record<keyof ComplaintsTable, unknown>>;
}
