/**
 * The database as the code sees it: one typed interface per table (Kysely). Columns holding one of
 * a closed list carry the list's union (from the workflow model and contracts), so what is read is
 * typed as what was written and handlers need no casts.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { ClusterAlertStatus } from '../workflows/cluster-watch-contract.js';
import type {
  Category,
  Channel,
  ComplainantRole,
  Department,
  Remedy,
  RequestedRemedy,
  Role,
  RootCause,
  Severity,
  Stage,
} from '../workflows/model.js';
import type { ReportStatus } from '../workflows/regulatory-report-contract.js';
import type { ClockStatus } from '../workflows/rules/clocks.js';
import type { Jurisdiction } from '../workflows/rules/regulatory.js';
import type { ClockKind } from '../workflows/rules/sla-policy.js';
import type { triagePriority } from '../workflows/rules/triage.js';
import type { HoldStatus, ReleaseDecision } from './product-holds.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;
/** Set by the database on insert. */
type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export interface ComplaintsTable {
  id: string;
  number: string;
  idempotency_key: string | null;
  fingerprint: string;
  policy_id: string;
  received_at: Timestamp;
  received_by: string;
  channel: Channel;
  distributor_aware_at: Timestamp | null;
  complainant_name: string;
  complainant_role: ComplainantRole;
  complainant_organisation: string | null;
  complainant_phone: string | null;
  complainant_email: string | null;
  complainant_address: string | null;
  complainant_mood: string | null;
  device_name: string;
  device_model: string | null;
  device_specification: string | null;
  device_serial_number: string | null;
  device_lot: string | null;
  device_udi: string | null;
  device_expiry_date: string | null;
  device_manufacturer: string | null;
  device_supplier: string | null;
  device_purchase_date: string | null;
  event_occurred_at: Timestamp | null;
  event_location: string | null;
  event_country: string | null;
  event_description: string;
  event_impact_scope: string | null;
  patient_harmed: boolean;
  in_use_on_patient: boolean;
  requested_remedies: RequestedRemedy[];
  sample_available: boolean;
  stage: Stage;
  last_seq: Generated<number>;
  category: Category | null;
  severity: Severity | null;
  priority: ReturnType<typeof triagePriority> | null;
  patient_safety: boolean | null;
  suspected_adverse_event: boolean | null;
  reasonable: boolean | null;
  owner_id: string;
  department: Department | null;
  reopen_count: Generated<number>;
  sla_breached: Generated<boolean>;
  root_cause: RootCause | null;
  investigation_waived_reason: string | null;
  remedy: Remedy | null;
  satisfaction_score: number | null;
  marked_for_mediation: Generated<boolean>;
  marked_for_regulator: Generated<boolean>;
  closed_at: Timestamp | null;
  withdrawn_reason: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface ComplaintEventsTable {
  complaint_id: string;
  seq: number;
  at: Timestamp;
  actor_id: string;
  actor_role: Role;
  action: string;
  data: Json<Record<string, unknown>>;
  recorded_at: CreatedAt;
}

export interface SlaClocksTable {
  complaint_id: string;
  clock_id: string;
  kind: ClockKind;
  cycle: number;
  status: ClockStatus;
  calendar_id: string;
  specs: Json<unknown[]>;
  started_at: Timestamp;
  due_at: Timestamp;
  warn_at: Timestamp;
  warned_at: Timestamp | null;
  met_at: Timestamp | null;
  breached_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  pauses: Json<Array<{ from: number; to?: number }>>;
  beyond_calendar: boolean;
  updated_seq: number;
}

export interface SlaPoliciesTable {
  id: string;
  version: number;
  body: Json<unknown>;
  is_default: Generated<boolean>;
  created_at: CreatedAt;
}

export interface BusinessCalendarsTable {
  id: string;
  name: string;
  time_zone: string;
  working_hours: Json<Array<{ start: string; end: string }>>;
  weekend_days: number[];
  coverage_from: string;
  coverage_to: string;
  updated_at: CreatedAt;
}

export interface CalendarDaysTable {
  calendar_id: string;
  day: string;
  kind: 'holiday' | 'make_up_working_day';
}

export interface ComplaintNumberSequencesTable {
  year: number;
  last_value: number;
}

/** A product hold: a model and lot under control (not to be shipped) until QA releases it. */
export interface ProductHoldsTable {
  id: string;
  product_name: string;
  /** Normalised: trimmed, single spaces, upper case. */
  model: string;
  lot: string;
  status: HoldStatus;
  placed_at: Timestamp;
  placed_by: string;
  /** The placing actor's role as the workflow sent it (text: the hold's activity takes any). */
  placed_by_role: string;
  reason: string;
  first_complaint_id: string;
  released_at: Timestamp | null;
  released_by: string | null;
  released_by_role: string | null;
  release_decision: ReleaseDecision | null;
  release_reason: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** Every complaint of the held lot, linked to the hold. */
export interface ProductHoldComplaintsTable {
  hold_id: string;
  complaint_id: string;
  linked_at: Timestamp;
}

/** The hold's append-only trail (a trigger refuses UPDATE and DELETE). */
export interface ProductHoldEventsTable {
  hold_id: string;
  seq: number;
  at: Timestamp;
  actor_id: string;
  actor_role: string;
  action: 'placed' | 'complaint_linked' | 'released';
  data: Json<Record<string, unknown>>;
  recorded_at: CreatedAt;
}

export interface RegulatoryReportsTable {
  report_id: string;
  complaint_id: string | null;
  cluster_alert_id: string | null;
  rule_id: string;
  jurisdiction: Jurisdiction;
  citation: string;
  description: string;
  day0: Timestamp;
  due_at: Timestamp | null;
  due_date: string | null;
  beyond_coverage: boolean;
  status: ReportStatus;
  breached_at: Timestamp | null;
  submitted_at: Timestamp | null;
  submission_reference: string | null;
  submitted_by: string | null;
  events: Json<unknown[]>;
  last_seq: number;
  updated_at: CreatedAt;
}

/** A possible group (cluster) adverse event on one model and lot, and QA's decision on it. */
export interface ClusterAlertsTable {
  id: string;
  watch_id: string;
  seq: number;
  model: string;
  lot: string;
  product_name: string | null;
  status: ClusterAlertStatus;
  flagged_at: Timestamp;
  window_days: number;
  threshold: number;
  complaint_ids: string[];
  first_received_at: Timestamp;
  last_received_at: Timestamp;
  confirmed_at: Timestamp | null;
  confirmed_by: string | null;
  dismissed_at: Timestamp | null;
  dismissed_by: string | null;
  decision_reason: string | null;
  last_seq: Generated<number>;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** The alert's append-only trail (a trigger refuses UPDATE and DELETE). */
export interface ClusterAlertEventsTable {
  alert_id: string;
  seq: number;
  at: Timestamp;
  actor_id: string;
  actor_role: Role;
  action: string;
  data: Json<Record<string, unknown>>;
  recorded_at: CreatedAt;
}

export interface UsersTable {
  id: string;
  display_name: string;
  role: Role;
  active: Generated<boolean>;
  created_at: CreatedAt;
  created_by: string;
  updated_at: CreatedAt;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  token_hash: string;
  label: string;
  created_at: CreatedAt;
  created_by: string;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
}

export interface Database {
  complaints: ComplaintsTable;
  complaint_events: ComplaintEventsTable;
  sla_clocks: SlaClocksTable;
  sla_policies: SlaPoliciesTable;
  business_calendars: BusinessCalendarsTable;
  calendar_days: CalendarDaysTable;
  complaint_number_sequences: ComplaintNumberSequencesTable;
  product_holds: ProductHoldsTable;
  product_hold_complaints: ProductHoldComplaintsTable;
  product_hold_events: ProductHoldEventsTable;
  cluster_alerts: ClusterAlertsTable;
  cluster_alert_events: ClusterAlertEventsTable;
  regulatory_reports: RegulatoryReportsTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
}

export type ComplaintRow = Selectable<ComplaintsTable>;
export type NewComplaint = Insertable<ComplaintsTable>;
export type ComplaintEventRow = Selectable<ComplaintEventsTable>;
export type SlaClockRow = Selectable<SlaClocksTable>;
