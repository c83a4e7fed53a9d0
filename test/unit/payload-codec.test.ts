/** The payload codec: AES-256-GCM per payload, key id in the metadata, keys that rotate. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  METADATA_KEY_ID,
  PayloadKeyError,
  loadPayloadKeys,
  parsePayloadKeys,
  type PayloadKeys,
} from '../../workflows/wire/payload-codec.js';

const K1 = Buffer.alloc(32, 1).toString('base64');
const K2 = Buffer.alloc(32, 2).toString('base64');
const keys = (text: string): PayloadKeys => parsePayloadKeys(text);
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

const PERSONAL = { name: 'Zhang Wei', phone: '+86 139 1234 5678', description: 'Pump stopped mid-infusion' };
const plain = (): Payload => defaultPayloadConverter.toPayload(PERSONAL);

describe('EncryptionCodec', () => {
  const codec = new EncryptionCodec(keys(`k1:${K1}`));

  it('round trip: encrypted with the key id in the metadata, decrypted to the same payload', async () => {
    const [encrypted] = await codec.encode([plain()]);
    expect(text(encrypted!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encrypted!.metadata![METADATA_KEY_ID])).toBe('k1');
    expect(Object.keys(encrypted!.metadata!).sort()).toEqual(['encoding', METADATA_KEY_ID].sort());
    // Neither the data nor the original metadata (json/plain) are readable.
    const raw = Buffer.from(encrypted!.data!).toString('latin1');
    for (const s of [...Object.values(PERSONAL), 'json/plain']) expect(raw).not.toContain(s);

    const [decoded] = await codec.decode([encrypted!]);
    expect(text(decoded!.metadata!.encoding)).toBe('json/plain');
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(PERSONAL);
  });

  it('a fresh IV for every payload: the same payload twice gives two ciphertexts', async () => {
    const [a, b] = await codec.encode([plain(), plain()]);
    expect(Buffer.from(a!.data!).subarray(0, 12).equals(Buffer.from(b!.data!).subarray(0, 12))).toBe(false);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('every payload is encrypted, empty data and odd metadata included; an empty list stays empty', async () => {
    const odd: Payload = { metadata: { encoding: Buffer.from('binary/null') } };
    const custom: Payload = { metadata: { encoding: Buffer.from('binary/plain'), extra: Buffer.from([0, 255]) }, data: Buffer.from([1, 2, 3]) };
    const encoded = await codec.encode([odd, custom]);
    expect(encoded.map((p) => text(p.metadata!.encoding))).toEqual([ENCRYPTED_ENCODING, ENCRYPTED_ENCODING]);
    const [nul, back] = await codec.decode(encoded);
    expect(text(nul!.metadata!.encoding)).toBe('binary/null');
    expect(Buffer.from(nul!.data ?? []).length).toBe(0);
    expect(Buffer.from(back!.metadata!.extra!)).toEqual(Buffer.from([0, 255]));
    expect(Buffer.from(back!.data!)).toEqual(Buffer.from([1, 2, 3]));
    expect(await codec.encode([])).toEqual([]);
  });

  it('payloads that are not encrypted (histories from before) pass through decoding unchanged', async () => {
    const before = plain();
    const noMetadata: Payload = { data: Buffer.from('x') };
    const [a, b] = await codec.decode([before, noMetadata]);
    expect(a).toBe(before);
    expect(b).toBe(noMetadata);
  });

  it('a key id that is not configured: a clear error naming the ids, never a key', async () => {
    const [encrypted] = await new EncryptionCodec(keys(`k9:${K2}`)).encode([plain()]);
    const err = await codec.decode([encrypted!]).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/encrypted with the key 'k9', which is not configured \(configured: k1\)/);
    expect((err as Error).message).not.toContain(K1);
    expect((err as Error).message).not.toContain(K2);
  });

  it('the wrong key under the right id, tampered ciphertext, a swapped key id, a missing key id: refused', async () => {
    const [encrypted] = await codec.encode([plain()]);
    const impostor = new EncryptionCodec(keys(`k1:${K2}`));
    await expect(impostor.decode([encrypted!])).rejects.toThrow(/does not authenticate/);

    for (const at of [0, 12, 20, encrypted!.data!.length - 1]) {
      const data = Buffer.from(encrypted!.data!);
      data[at]! ^= 0x01;
      await expect(codec.decode([{ ...encrypted!, data }])).rejects.toThrow(/does not authenticate/);
    }
    await expect(codec.decode([{ ...encrypted!, data: Buffer.from(encrypted!.data!).subarray(0, 20) }])).rejects.toThrow(/too short/);

    // The key id is authenticated: relabelled to another configured key, it does not decrypt.
    const both = new EncryptionCodec(keys(`k2:${K1},k1:${K1}`));
    const relabelled = { metadata: { ...encrypted!.metadata, [METADATA_KEY_ID]: Buffer.from('k2') }, data: encrypted!.data };
    await expect(both.decode([relabelled])).rejects.toThrow(/does not authenticate/);

    const { [METADATA_KEY_ID]: _dropped, ...withoutId } = encrypted!.metadata!;
    await expect(codec.decode([{ metadata: withoutId, data: encrypted!.data }])).rejects.toThrow(/no encryption-key-id/);
  });

  it('key rotation: the new current key encrypts, the old key still decrypts what it encrypted', async () => {
    const before = new EncryptionCodec(keys(`k1:${K1}`));
    const [old] = await before.encode([plain()]);
    const rotated = new EncryptionCodec(keys(`k2:${K2},k1:${K1}`));
    expect(rotated.currentKeyId).toBe('k2');
    const [fresh] = await rotated.encode([plain()]);
    expect(text(fresh!.metadata![METADATA_KEY_ID])).toBe('k2');
    const decoded = await rotated.decode([old!, fresh!]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([PERSONAL, PERSONAL]);
    // The old configuration cannot read what the new key wrote.
    await expect(before.decode([fresh!])).rejects.toThrow(/key 'k2', which is not configured/);
  });
});

describe('loadPayloadKeys', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'payload-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('PAYLOAD_KEYS: id:base64 entries, the first the current key', () => {
    const loaded = loadPayloadKeys({ PAYLOAD_KEYS: ` k2:${K2} , k1:${K1} ` });
    expect(loaded.currentKeyId).toBe('k2');
    expect([...loaded.keys.keys()]).toEqual(['k2', 'k1']);
    expect(loaded.keys.get('k1')).toEqual(Buffer.alloc(32, 1));
  });

  it('PAYLOAD_KEY_FILE: the same entries, one a line, with comments', () => {
    const file = path.join(dir, 'keys');
    writeFileSync(file, `# rotated 2026-11-24\nk2:${K2}\n\nk1:${K1}   # the old one\n`, { mode: 0o600 });
    const loaded = loadPayloadKeys({ PAYLOAD_KEY_FILE: file });
    expect(loaded.currentKeyId).toBe('k2');
    expect([...loaded.keys.keys()]).toEqual(['k2', 'k1']);
  });

  it.each<[string, NodeJS.ProcessEnv, RegExp]>([
    ['nothing set', {}, /no payload encryption key: set PAYLOAD_KEYS=/],
    ['both set', { PAYLOAD_KEYS: `k1:${K1}`, PAYLOAD_KEY_FILE: '/x' }, /both PAYLOAD_KEYS and PAYLOAD_KEY_FILE/],
    ['a short key', { PAYLOAD_KEYS: `k1:${Buffer.alloc(16).toString('base64')}` }, /the key 'k1' is 16 bytes; AES-256 needs 32/],
    ['a long key', { PAYLOAD_KEYS: `k1:${K1},k0:${Buffer.alloc(48).toString('base64')}` }, /the key 'k0' is 48 bytes/],
    ['not base64', { PAYLOAD_KEYS: 'k1:not base64!' }, /the key 'k1' is not base64/],
    ['no id', { PAYLOAD_KEYS: K1 }, /entry 1 is not <id>:<base64 key>/],
    ['an id twice', { PAYLOAD_KEYS: `k1:${K1},k1:${K2}` }, /'k1' appears twice/],
    ['an unreadable file', { PAYLOAD_KEY_FILE: '/nonexistent/payload-key' }, /PAYLOAD_KEY_FILE \(\/nonexistent\/payload-key\) cannot be read: ENOENT/],
    ['an empty value', { PAYLOAD_KEYS: ' , ' }, /PAYLOAD_KEYS holds no key/],
  ])('%s: a PayloadKeyError that names no key material', (_, env, message) => {
    let err: unknown;
    try {
      loadPayloadKeys(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PayloadKeyError);
    expect((err as Error).message).toMatch(message);
    for (const secret of [K1, K2, Buffer.alloc(16).toString('base64')]) expect((err as Error).message).not.toContain(secret);
  });
});
