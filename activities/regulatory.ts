/** Side effects of the regulatory-report workflow: its calendars, and its row for QA's desk. */
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'kysely';
import type { Db } from '../db/connect.js';
import { loadCalendar } from '../db/reference-data.js';
import type { RegulatoryReportState } from '../workflows/regulatory-report-contract.js';
import type { RegulatoryCalendars } from '../workflows/rules/regulatory.js';

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function createRegulatoryActivities(db: Db) {
  return {
    /** The calendars work-day rules count on: China's, and US federal holidays. */
    async loadRegulatoryCalendars(): Promise<RegulatoryCalendars> {
      const [CN, US] = await Promise.all([loadCalendar(db, 'CN'), loadCalendar(db, 'US-FED')]);
      if (!CN || !US) throw ApplicationFailure.nonRetryable('business calendars CN and US-FED are needed', 'ReferenceDataMissing');
      return { CN, US };
    },

    /** Upserts the report's row; an older snapshot (a retried activity) never overwrites a newer one. */
    async recordRegulatoryReport({ state }: { state: RegulatoryReportState }): Promise<void> {
      const row = {
        complaint_id: state.subject.complaintId ?? null,
        cluster_alert_id: state.subject.clusterAlertId ?? null,
        rule_id: state.ruleId,
        jurisdiction: state.jurisdiction,
        citation: state.citation,
        description: state.description,
        day0: new Date(state.day0).toISOString(),
        due_at: iso(state.dueAt),
        due_date: state.dueDate ?? null,
        beyond_coverage: state.beyondCoverage,
        status: state.status,
        breached_at: iso(state.breachedAt),
        submitted_at: iso(state.submission?.submittedAt),
        submission_reference: state.submission?.reference ?? null,
        submitted_by: state.submission?.by.id ?? null,
        events: JSON.stringify(state.events),
        last_seq: state.events.length,
      };
      await db
        .insertInto('regulatory_reports')
        .values({ report_id: state.reportId, ...row })
        .onConflict((oc) =>
          oc
            .column('report_id')
            .doUpdateSet({ ...row, updated_at: sql`now()` })
            .where('regulatory_reports.last_seq', '<', row.last_seq),
        )
        .execute();
    },
  };
}
