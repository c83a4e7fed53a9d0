/**
 * Search attributes the complaint workflow keeps for ops (Temporal Web UI, `temporal workflow list --query`).
 * Never personal data here: these values are stored unencrypted and indexed by the server.
 * The start command and the test setup register exactly these names with these types.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributes } from '@temporalio/common';
import type { ComplaintState } from './contract.js';

export const ComplaintStage = defineSearchAttributeKey('ComplaintStage', SearchAttributeType.KEYWORD);
export const ComplaintCategory = defineSearchAttributeKey('ComplaintCategory', SearchAttributeType.KEYWORD);
export const ComplaintSeverity = defineSearchAttributeKey('ComplaintSeverity', SearchAttributeType.KEYWORD);
export const ComplaintNumber = defineSearchAttributeKey('ComplaintNumber', SearchAttributeType.KEYWORD);
export const SlaBreached = defineSearchAttributeKey('SlaBreached', SearchAttributeType.BOOL);
/** on_track, warning (a warning raised, nothing breached yet) or breached. */
export const SlaState = defineSearchAttributeKey('SlaState', SearchAttributeType.KEYWORD);
export const ComplaintReportable = defineSearchAttributeKey('ComplaintReportable', SearchAttributeType.BOOL);
/** The jurisdictions a report to a regulator is owed or was filed in: CN, US, EU. */
export const ComplaintJurisdictions = defineSearchAttributeKey('ComplaintJurisdictions', SearchAttributeType.KEYWORD_LIST);

/** Name → CLI type, for `temporal server start-dev --search-attribute Name=Type`. */
export const SEARCH_ATTRIBUTES_FOR_CLI: Record<string, 'Keyword' | 'Bool' | 'KeywordList'> = {
  ComplaintStage: 'Keyword',
  ComplaintCategory: 'Keyword',
  ComplaintSeverity: 'Keyword',
  ComplaintNumber: 'Keyword',
  SlaBreached: 'Bool',
  SlaState: 'Keyword',
  ComplaintReportable: 'Bool',
  ComplaintJurisdictions: 'KeywordList',
};

/** on_track, warning or breached: what the SlaState attribute says of these clocks. */
function slaStateOf(state: ComplaintState): 'on_track' | 'warning' | 'breached' {
  if (state.breached) return 'breached';
  const warned = state.clocks.some((c) => (c.status === 'running' || c.status === 'paused') && (c.warnings ?? []).some((w) => w.raisedAt !== undefined));
  return warned ? 'warning' : 'on_track';
}

/**
 * The attributes' values for this state, and a key that changes only when they do (the workflow
 * upserts only then). `more`: the three added later (SLA state, reportable, jurisdictions), which
 * the histories recorded before them replay without.
 */
export function searchAttributesOf(state: ComplaintState, more: boolean): { key: string; attributes: SearchAttributes } {
  const values = {
    stage: state.stage,
    category: state.assessment?.category ?? '',
    severity: state.assessment?.severity ?? '',
    number: state.number ?? '',
    breached: state.breached,
    ...(more
      ? {
          slaState: slaStateOf(state),
          reportable: state.regulatory.reports.length > 0,
          jurisdictions: [...new Set(state.regulatory.reports.map((r) => r.jurisdiction))].sort(),
        }
      : {}),
  };
  return {
    key: JSON.stringify(values),
    attributes: {
      [ComplaintStage.name]: [values.stage],
      [ComplaintNumber.name]: values.number ? [values.number] : [],
      [ComplaintCategory.name]: values.category ? [values.category] : [],
      [ComplaintSeverity.name]: values.severity ? [values.severity] : [],
      [SlaBreached.name]: [values.breached],
      ...(more
        ? {
            [SlaState.name]: [values.slaState!],
            [ComplaintReportable.name]: [values.reportable!],
            [ComplaintJurisdictions.name]: values.jurisdictions!,
          }
        : {}),
    },
  };
}
