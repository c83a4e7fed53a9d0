/**
 * The complaint workflow's side effects: reading reference data and writing the complaint file.
 * Every write is idempotent (the complaint ID, the event's sequence number and the snapshot's
 * last sequence are the keys), so a retried activity, after a crash anywhere, writes nothing twice.
 */
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'kysely';
import type { Db } from '../db/connect.js';
import { fileIntakeCard, type RecordIntakeInput } from '../db/intake-card.js';
import { loadCalendar, loadPolicy } from '../db/reference-data.js';
import type { ComplaintsTable } from '../db/schema.js';
import { appendToTrail } from '../db/trails.js';

export type { RecordIntakeInput };
import type { ComplaintEvent } from '../workflows/contract.js';
import type { Actor, IntakeRecord } from '../workflows/model.js';
import type { BusinessCalendar } from '../workflows/rules/calendar.js';
import type { SlaClock } from '../workflows/rules/clocks.js';
import type { ServiceLevelPolicy } from '../workflows/rules/sla-policy.js';

export interface ServiceLevels {
  policy: ServiceLevelPolicy;
  calendar: BusinessCalendar;
}


/** The workflow's view of the case that lists and reports read; see the `complaints` columns. */
export interface ComplaintSnapshot {
  stage: ComplaintsTable['stage'];
  lastSeq: number;
  category: ComplaintsTable['category'];
  severity: ComplaintsTable['severity'];
  priority: ComplaintsTable['priority'];
  patientSafety: boolean | null;
  suspectedAdverseEvent: boolean | null;
  reasonable: boolean | null;
  ownerId: string;
  department: ComplaintsTable['department'];
  reopenCount: number;
  breached: boolean;
  rootCause: ComplaintsTable['root_cause'];
  investigationWaivedReason: string | null;
  remedy: ComplaintsTable['remedy'];
  satisfactionScore: number | null;
  markedForMediation: boolean;
  markedForRegulator: boolean;
  closedAt: number | null;
  withdrawnReason: string | null;
  clocks: SlaClock[];
}

export interface RecordProgressInput {
  complaintId: string;
  events: ComplaintEvent[];
  snapshot: ComplaintSnapshot;
}

const at = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

export function createComplaintFileActivities(db: Db) {
  return {
    async loadServiceLevels(policyId?: string): Promise<ServiceLevels> {
      const policy = await loadPolicy(db, policyId);
      if (!policy) {
        throw ApplicationFailure.nonRetryable(`no service-level policy ${policyId ?? '(default)'}`, 'ReferenceDataMissing');
      }
      const calendar = await loadCalendar(db, policy.calendarId);
      if (!calendar) {
        throw ApplicationFailure.nonRetryable(`no business calendar ${policy.calendarId}`, 'ReferenceDataMissing');
      }
      return { policy, calendar };
    },

    /** Files the intake card and gives the complaint its number (year and sequence); see db/intake-card.ts. */
    async recordIntake(input: RecordIntakeInput): Promise<{ number: string }> {
      const { number } = await fileIntakeCard(db, input);
      return { number };
    },

    /** Appends events (each once) and brings the case's projection and clocks up to the snapshot. */
    async recordProgress({ complaintId, events, snapshot: s }: RecordProgressInput): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await appendToTrail(trx, 'complaint', complaintId, events);
        // A retry of an older batch must not roll the projection back.
        const updated = await trx
          .updateTable('complaints')
          .set({
            stage: s.stage,
            last_seq: s.lastSeq,
            category: s.category,
            severity: s.severity,
            priority: s.priority,
            patient_safety: s.patientSafety,
            suspected_adverse_event: s.suspectedAdverseEvent,
            reasonable: s.reasonable,
            owner_id: s.ownerId,
            department: s.department,
            reopen_count: s.reopenCount,
            sla_breached: s.breached,
            root_cause: s.rootCause,
            investigation_waived_reason: s.investigationWaivedReason,
            remedy: s.remedy,
            satisfaction_score: s.satisfactionScore,
            marked_for_mediation: s.markedForMediation,
            marked_for_regulator: s.markedForRegulator,
            closed_at: at(s.closedAt),
            withdrawn_reason: s.withdrawnReason,
            updated_at: sql`now()`,
          })
          .where('id', '=', complaintId)
          .where('last_seq', '<', s.lastSeq)
          .executeTakeFirst();
        if (updated.numUpdatedRows === 0n) return;
        for (const clock of s.clocks) {
          const row = {
            kind: clock.kind,
            cycle: clock.cycle,
            status: clock.status,
            calendar_id: clock.calendarId,
            specs: JSON.stringify(clock.specs),
            started_at: new Date(clock.startedAt),
            due_at: new Date(clock.dueAt),
            // The next warning still to come (or the last one raised), and when the last was raised.
            warn_at: new Date(clock.warnings.find((w) => w.raisedAt === undefined)?.at ?? clock.warnings.at(-1)?.at ?? clock.dueAt),
            warned_at: at(clock.warnings.filter((w) => w.raisedAt !== undefined).at(-1)?.raisedAt),
            met_at: at(clock.metAt),
            breached_at: at(clock.breachedAt),
            cancelled_at: at(clock.cancelledAt),
            pauses: JSON.stringify(clock.pauses),
            beyond_calendar: clock.beyondCalendar,
            updated_seq: s.lastSeq,
          };
          await trx
            .insertInto('sla_clocks')
            .values({ complaint_id: complaintId, clock_id: clock.id, ...row })
            .onConflict((oc) => oc.columns(['complaint_id', 'clock_id']).doUpdateSet(row))
            .execute();
        }
      });
    },
  };
}

