/**
 * The names running workflows and stored rows are keyed by. The expected values were produced by
 * the code before it moved to workflows/ids.ts (the cluster watch's own helpers and the product
 * holds' normaliser): a change here orphans running watches and stored alerts and holds.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  clusterAlertId,
  clusterWatchId,
  clusterWatchIdPart,
  groupEventReportId,
  normaliseLotKey,
  sha256Hex,
  uuidFrom,
  uuidFromDigest,
} from '../../workflows/ids.js';

// [model, lot, watch ID, alert #1, alert #12, model key, lot key]
const KNOWN: Array<[string, string, string, string, string, string, string]> = [
  ['  vip-200 ', 'l2026-0917', 'cluster-watch:VIP-200:L2026-0917', '25a1621c-8e99-8314-88a9-3eb033f7cc07', '7f273810-740b-8fb5-9497-5404bcfe0cd7', 'VIP-200', 'L2026-0917'],
  ['VIP  200', 'L:1/2', 'cluster-watch:VIP%20200:L%3A1%2F2', 'e577167d-f7af-81f5-96dc-009eecdbc8ed', '0827b9cd-e848-8a1f-aee0-2d9834c39b34', 'VIP 200', 'L:1/2'],
  ['输液泵', 'a', 'cluster-watch:%E8%BE%93%E6%B6%B2%E6%B3%B5:A', '6ee78047-2cb2-8c6f-b059-0564a35e748f', '4cbceb7d-a42f-8e22-adc0-fc04ca32a683', '输液泵', 'A'],
  ['Pump-X ', ' lot 7\t b', 'cluster-watch:PUMP-X:LOT%207%20B', '5c16c248-297b-8217-b5f0-9a959c2a677c', '0fa05b0e-0dc2-8878-88cd-bb0fd4958cc6', 'PUMP-X', 'LOT 7 B'],
  ['straße', 'ǅ😀', 'cluster-watch:STRASSE:%C7%84%F0%9F%98%80', '493b9917-993c-8635-b810-de0486b2d7a9', '000165c7-ef79-8350-8700-28e8bcded970', 'STRASSE', 'Ǆ😀'],
  ['a.b_c-d', 'x%y', 'cluster-watch:A.B_C-D:X%25Y', 'd9d192bc-98dd-87c2-a4e2-6f00ff2cd52e', '1f03766b-e2cf-8147-8c81-2729020a656f', 'A.B_C-D', 'X%Y'],
];

describe('IDs and device keys come out as they always have', () => {
  it.each(KNOWN)('%j / %j', (model, lot, watchId, alert1, alert12, modelKey, lotKey) => {
    expect(clusterWatchId(model, lot)).toBe(watchId);
    expect(clusterAlertId(watchId, 1)).toBe(alert1);
    expect(clusterAlertId(watchId, 12)).toBe(alert12);
    expect(normaliseLotKey(model)).toBe(modelKey);
    expect(normaliseLotKey(lot)).toBe(lotKey);
    // The watch ID's parts are the device keys, %-encoded: one normaliser behind both.
    expect(`cluster-watch:${clusterWatchIdPart(model)}:${clusterWatchIdPart(lot)}`).toBe(watchId);
  });

  it('refuses a watch without a model or a lot', () => {
    expect(() => clusterWatchId(' ', 'L1')).toThrow();
    expect(() => clusterWatchId('VIP-200', '\t')).toThrow();
  });

  it('derives UUIDs and report IDs from names', () => {
    expect(uuidFrom('')).toBe('e3b0c442-98fc-8c14-9afb-f4c8996fb924');
    expect(uuidFrom('a')).toBe('ca978112-ca1b-8dca-bac2-31b39a23dc4d');
    expect(groupEventReportId('x', 'cn.group.notice')).toBe('x:report:cn.group.notice');
  });

  it("shapes node's digests as the API's complaint IDs from an Idempotency-Key always were", () => {
    // Values of api/complaints.ts complaintIdFromKey (its own shaping) before uuidFromDigest existed.
    const fromKey = (key: string) => uuidFromDigest(createHash('sha256').update('complaint-idempotency:' + key).digest('hex'));
    expect(fromKey('key-1')).toBe('42a3f3a7-ac63-83d8-9a59-a1d7fc48d872');
    expect(fromKey('e4c1b1a0-idempotency')).toBe('0fcd3a94-8cf4-8887-8698-e83f460168ed');
    expect(fromKey('输液泵-2026')).toBe('81f0a712-7cf3-8379-b881-a888ea5ab8a0');
  });

  it("hashes as node's SHA-256 does, and shapes node's digests alike", () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('输液泵')).toBe('b3bf4b138e35f3c60b116719cbbaabc5bbcfc7771c4a1eb0e021c8929a69e507');
    for (const text of ['', 'abc', 'x'.repeat(55), 'y'.repeat(64), 'ǅ😀 straße 输液泵'.repeat(9)]) {
      const digest = createHash('sha256').update(text, 'utf8').digest('hex');
      expect(sha256Hex(text)).toBe(digest);
      expect(uuidFrom(text)).toBe(uuidFromDigest(digest));
    }
  });
});
