/**
 * Search attributes the complaint workflow keeps for ops (Temporal Web UI, `temporal workflow list --query`).
 * Never personal data here: these values are stored unencrypted and indexed by the server.
 * The start command and the test setup register exactly these names with these types.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

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
