/**
 * What a complaint waits for next, in plain words for the agent's desk. Derived from the state,
 * never stored, so it cannot drift from it.
 */
import type { ComplaintState } from './contract.js';

export function whatIsAwaited(state: ComplaintState): string[] {
  const awaited: string[] = [];
  const { intake, investigation, resolution } = state;
  if (state.awaitingCustomer) awaited.push(`the customer's answer (${state.awaitingCustomer.reason})`);
  const a = state.assessment;
  if (a && (a.patientSafety || a.suspectedAdverseEvent) && state.regulatory.decisions.length === 0) {
    awaited.push("QA's reportability decision (patient safety or a suspected adverse event)");
  }
  for (const report of state.regulatory.reports) {
    if (report.status !== 'submitted') awaited.push(`submission of the ${report.jurisdiction} report (${report.ruleId})`);
  }
  for (const followUp of state.breachFollowUps) {
    if (followUp.answeredAt === undefined && followUp.escalatedAt === undefined) awaited.push(`the supervisor's answer to the breach of ${followUp.clockId}`);
  }
  switch (state.stage) {
    case 'intake':
      if (!intake.complainantVerified) awaited.push('verify the complainant');
      if (!intake.itemVerified) awaited.push('verify the item (product, specification, lot, expiry, maker)');
      if (intake.firstContactAt === undefined) awaited.push('first contact with the complainant');
      if (intake.acknowledgedAt === undefined) awaited.push('acknowledgement with the expected resolution date');
      if (intake.complainantVerified && intake.itemVerified && intake.firstContactAt !== undefined) {
        awaited.push('complete the intake');
      }
      break;
    case 'assessment':
      awaited.push('assessment: category, severity, patient safety, department and owner');
      break;
    case 'investigation':
      if (state.firstResponseAt === undefined) awaited.push('first response to the complainant');
      if (investigation.waiver) awaited.push('complete the investigation (waived)');
      else {
        if (investigation.findings.length === 0) awaited.push('findings from the responsible department');
        if (!investigation.rootCause) awaited.push('root cause');
        if (investigation.findings.length > 0 && investigation.rootCause) awaited.push('complete the investigation');
      }
      break;
    case 'resolution':
      if (!resolution.proposal) awaited.push('a proposed remedy');
      else if (!resolution.proposal.approval) awaited.push("the supervisor's approval of the remedy");
      else awaited.push("the customer's decision on the approved remedy");
      break;
    case 'mediation':
      awaited.push(`the mediation's outcome (${state.mediation?.body ?? 'mediation body'}), by ${new Date(state.mediation?.deadlineAt ?? 0).toISOString().slice(0, 10)}`);
      break;
    case 'legal':
      awaited.push("the legal route's outcome, recorded by a supervisor");
      break;
    case 'feedback':
      awaited.push("the customer's satisfaction (score and comment)");
      break;
    case 'revisit':
      awaited.push(state.revisit?.due ? 'the revisit call and its outcome' : 'the revisit date');
      break;
  }
  return awaited;
}
