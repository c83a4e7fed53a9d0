/** The complaint record as the API shows it: the stored row, shaped like the intake card. */
import type { ComplaintRow } from '../db/schema.js';
import { withIsoInstants } from './instants.js';

const iso = (value: Date | string | null) => (value === null ? undefined : new Date(value).toISOString());
const opt = <T>(value: T | null) => (value === null ? undefined : value);

export function toRecord(row: ComplaintRow) {
  return {
    complaintId: row.id,
    number: row.number,
    receivedAt: iso(row.received_at),
    receivedBy: row.received_by,
    channel: row.channel,
    distributorAwareAt: iso(row.distributor_aware_at),
    complainant: {
      name: row.complainant_name,
      role: row.complainant_role,
      organisation: opt(row.complainant_organisation),
      phone: opt(row.complainant_phone),
      email: opt(row.complainant_email),
      address: opt(row.complainant_address),
    },
    mood: opt(row.complainant_mood),
    device: {
      productName: row.device_name,
      model: opt(row.device_model),
      specification: opt(row.device_specification),
      serialNumber: opt(row.device_serial_number),
      lot: opt(row.device_lot),
      udi: opt(row.device_udi),
      expiryDate: opt(row.device_expiry_date),
      manufacturer: opt(row.device_manufacturer),
      supplier: opt(row.device_supplier),
      purchaseDate: opt(row.device_purchase_date),
    },
    event: {
      occurredAt: iso(row.event_occurred_at),
      location: opt(row.event_location),
      country: opt(row.event_country),
      description: row.event_description,
      impactScope: opt(row.event_impact_scope),
      patientHarmed: row.patient_harmed,
      inUseOnPatient: row.in_use_on_patient,
    },
    requestedRemedies: row.requested_remedies,
    sampleAvailable: row.sample_available,
    ...toProgress(row),
  };
}

/** A list row: no complainant details, so a list can be shown or exported without them. */
export function toSummary(row: ComplaintRow) {
  return {
    complaintId: row.id,
    number: row.number,
    receivedAt: iso(row.received_at),
    channel: row.channel,
    device: { productName: row.device_name, model: opt(row.device_model), lot: opt(row.device_lot) },
    ...toProgress(row),
  };
}

function toProgress(row: ComplaintRow) {
  return {
    stage: row.stage,
    category: opt(row.category),
    severity: opt(row.severity),
    priority: opt(row.priority),
    patientSafety: opt(row.patient_safety),
    suspectedAdverseEvent: opt(row.suspected_adverse_event),
    ownerId: row.owner_id,
    department: opt(row.department),
    reopenCount: row.reopen_count,
    slaBreached: row.sla_breached,
    rootCause: opt(row.root_cause),
    investigationWaivedReason: opt(row.investigation_waived_reason),
    remedy: opt(row.remedy),
    satisfactionScore: opt(row.satisfaction_score),
    markedForMediation: row.marked_for_mediation,
    markedForRegulator: row.marked_for_regulator,
    closedAt: iso(row.closed_at),
    withdrawnReason: opt(row.withdrawn_reason),
    lastEventSeq: row.last_seq,
  };
}

/** A row of any audit trail (complaint, product hold, cluster alert events) as the API shows it. */
export function toEventView(e: {
  seq: number;
  at: Date | string;
  actor_id: string;
  actor_role: string;
  action: string;
  data: unknown;
  recorded_at: Date | string;
}) {
  return {
    seq: e.seq,
    at: new Date(e.at).toISOString(),
    actor: { id: e.actor_id, role: e.actor_role },
    action: e.action,
    data: withIsoInstants(e.data),
    recordedAt: new Date(e.recorded_at).toISOString(),
  };
}
