/**
 * Names that running workflows and stored rows are keyed by: the device key of a model or lot, the
 * cluster watch's workflow ID, the alert's UUID, the group-event report's ID. Every side derives
 * them here (the cluster-watch workflow, its activities, the API), so they cannot drift; changing
 * any output orphans running watches and stored alerts (test/unit/ids.test.ts pins known values).
 *
 * Pure code with no imports: it runs inside the workflow sandbox, where node's `crypto` is not
 * available and an alert's UUID must still be derived deterministically, hence the SHA-256 below.
 * Code outside the sandbox that hashes anything else uses node's `crypto` (see `uuidFromDigest`).
 */

/**
 * The device key of a model or lot, as product holds, reports and cluster watches compare them:
 * trimmed, runs of white space as one space, upper case, so "vip-200 " and "VIP-200" are one lot.
 * Product holds store it as is; a watch ID %-encodes it (`clusterWatchIdPart`).
 */
export function normaliseLotKey(value: string): string {
  return value.trim().replace(/\s+/g, ' ').toUpperCase();
}

/** One part of a watch ID: the device key, characters other than A-Z 0-9 . _ - %-encoded as UTF-8. */
export function clusterWatchIdPart(value: string): string {
  return normaliseLotKey(value).replace(/[^A-Z0-9._-]/gu, (ch) =>
    utf8(ch)
      .map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0'))
      .join(''),
  );
}

/** The workflow ID of the watch over one model and lot: `cluster-watch:<MODEL>:<LOT>`. */
export function clusterWatchId(model: string, lot: string): string {
  const m = clusterWatchIdPart(model ?? '');
  const l = clusterWatchIdPart(lot ?? '');
  if (!m || !l) throw new Error('a cluster watch needs both a model and a lot');
  return `cluster-watch:${m}:${l}`;
}

/** The alert's ID: a UUID derived from the watch and the alert's sequence number. */
export function clusterAlertId(watchId: string, seq: number): string {
  return uuidFrom(`cluster-alert:${watchId}#${seq}`);
}

/** A group-event report's ID, which is also its child workflow's ID: `<alert id>:report:<rule id>`. */
export function groupEventReportId(alertId: string, ruleId: string): string {
  return `${alertId}:report:${ruleId}`;
}

/** A version-8 (custom) UUID from a name: the same name, the same UUID. */
export function uuidFrom(name: string): string {
  return uuidFromDigest(sha256Hex(name));
}

/**
 * A SHA-256 digest (hex) shaped as a version-8 UUID, so it fits a uuid column and reads like the
 * others. Outside the sandbox, give it node's `createHash('sha256')…digest('hex')`.
 */
export function uuidFromDigest(hex: string): string {
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function utf8(text: string): number[] {
  const bytes: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) bytes.push(cp);
    else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return bytes;
}

const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/** SHA-256 of a string's UTF-8 bytes, as hex (FIPS 180-4); for the sandbox, which has no `crypto`. */
export function sha256Hex(text: string): string {
  const bytes = utf8(text);
  const bitLength = bytes.length * 8;
  bytes.push(0x80);
  while (bytes.length % 64 !== 56) bytes.push(0);
  for (let i = 7; i >= 0; i--) bytes.push(i >= 4 ? 0 : (bitLength >>> (i * 8)) & 0xff);
  const h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  const w = new Array<number>(64);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let offset = 0; offset < bytes.length; offset += 64) {
    for (let i = 0; i < 16; i++) {
      const j = offset + i * 4;
      w[i] = ((bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3]) | 0;
    }
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K[i] + w[i]) | 0;
      const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0;
    h[5] = (h[5] + f) | 0;
    h[6] = (h[6] + g) | 0;
    h[7] = (h[7] + hh) | 0;
  }
  return h.map((x) => (x >>> 0).toString(16).padStart(8, '0')).join('');
}
