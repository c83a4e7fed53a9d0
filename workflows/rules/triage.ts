/**
 * Triage: anything touching patient safety or a suspected adverse event goes first, and is never
 * treated as a general complaint, whatever the desk picked.
 */
import type { Severity } from '../model.js';

export function triagePriority(patientSafety: boolean, suspectedAdverseEvent: boolean): 'highest' | 'normal' {
  return patientSafety || suspectedAdverseEvent ? 'highest' : 'normal';
}

/** The severity the clocks run on: at least `major` when patients may be at risk. */
export function effectiveSeverity(severity: Severity, patientSafety: boolean, suspectedAdverseEvent: boolean): Severity {
  if (severity === 'general' && triagePriority(patientSafety, suspectedAdverseEvent) === 'highest') return 'major';
  return severity;
}
