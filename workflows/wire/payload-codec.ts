/**
 * Encryption of workflow payloads: complainants' and patients' personal data (names, contacts, free
 * text) travels in workflow inputs, update arguments and results, activity inputs and results,
 * signals and queries. Every payload is encrypted (AES-256-GCM) before it leaves the worker or a
 * client, so the Temporal server, its database and anyone reading a history without the key see
 * only ciphertext. The Web UI and the CLI decode through the API's codec endpoint (api/codec.ts).
 *
 * An encrypted payload: metadata `encoding: binary/encrypted` and `encryption-key-id: <id>`; data =
 * IV (12 random bytes) ‖ ciphertext ‖ GCM tag (16 bytes), the plaintext being the original payload
 * (metadata and data) serialised as the Temporal `Payload` protobuf, the key id bound as additional
 * authenticated data.
 *
 * Keys rotate: the configuration holds one current key, used to encrypt, and any number of older
 * ones, still used to decrypt what they encrypted. Payloads that are not encrypted (histories
 * recorded before encryption) pass through decoding unchanged.
 *
 * Key material is never logged and never appears in an error message; key ids may.
 *
 * Why here: this is the encoding both ends of the workflow contract share (the worker, the API's
 * Temporal client and codec endpoint, the scripts and the tests), so it sits beside the contracts
 * rather than inside one of its users. It runs outside the workflow sandbox (node's crypto and fs);
 * no workflow code imports it.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { METADATA_ENCODING_KEY, ValueError, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

const PayloadMessage = proto.temporal.api.common.v1.Payload;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export interface PayloadKeys {
  /** The key new payloads are encrypted with. */
  currentKeyId: string;
  /** Every key that may decrypt (the current one included), by id. */
  keys: ReadonlyMap<string, Buffer>;
}

/** A configuration mistake (a missing or malformed key); the message names no key material. */
export class PayloadKeyError extends Error {
  override name = 'PayloadKeyError';
}

export class EncryptionCodec implements PayloadCodec {
  private readonly current: { id: string; key: Buffer };

  constructor(private readonly config: PayloadKeys) {
    const key = config.keys.get(config.currentKeyId);
    if (!key) throw new PayloadKeyError(`the current payload key '${config.currentKeyId}' is not among the configured keys`);
    for (const [id, k] of config.keys) assertKey(id, k);
    this.current = { id: config.currentKeyId, key };
  }

  /** The id new payloads are encrypted under. */
  get currentKeyId(): string {
    return this.current.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    const { id, key } = this.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(utf8.encode(id));
    const plaintext = PayloadMessage.encode(payload).finish();
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: utf8.encode(ENCRYPTED_ENCODING),
        [METADATA_KEY_ID]: utf8.encode(id),
      },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    if (!encoding || fromUtf8.decode(encoding) !== ENCRYPTED_ENCODING) return payload; // not ours: as it is
    const idBytes = payload.metadata?.[METADATA_KEY_ID];
    if (!idBytes) throw new ValueError(`an encrypted payload has no ${METADATA_KEY_ID}`);
    const id = fromUtf8.decode(idBytes);
    const key = this.config.keys.get(id);
    if (!key) {
      throw new ValueError(
        `a payload is encrypted with the key '${printable(id)}', which is not configured (configured: ${[...this.config.keys.keys()].join(', ')}); ` +
          'keep old keys in PAYLOAD_KEYS / PAYLOAD_KEY_FILE after a rotation',
      );
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) throw new ValueError(`an encrypted payload (key '${id}') is too short to be one`);
    const iv = data.subarray(0, IV_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(idBytes);
    decipher.setAuthTag(tag);
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new ValueError(`an encrypted payload (key '${id}') does not authenticate: the key is not the one it was encrypted with, or the payload was altered`);
    }
    return PayloadMessage.decode(plaintext);
  }
}

/** The data converter for clients and workers: the default JSON conversion, then encryption. */
export function dataConverterFor(keys: PayloadKeys): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys)] };
}

/**
 * The payload keys from the environment:
 *
 *   PAYLOAD_KEYS      `id:base64key[,id:base64key…]`, the first the current key, e.g. `k2:…,k1:…`
 *   PAYLOAD_KEY_FILE  a file with the same entries, separated by commas or new lines (`#` comments)
 *
 * Each key is 32 random bytes, base64 (`openssl rand -base64 32`). Exactly one of the two must be
 * set; a missing or malformed key is a PayloadKeyError naming the key id, never the key.
 */
export function loadPayloadKeys(env: NodeJS.ProcessEnv = process.env): PayloadKeys {
  const inline = env.PAYLOAD_KEYS?.trim();
  const file = env.PAYLOAD_KEY_FILE?.trim();
  if (inline && file) throw new PayloadKeyError('both PAYLOAD_KEYS and PAYLOAD_KEY_FILE are set: set one');
  if (!inline && !file) {
    throw new PayloadKeyError(
      'no payload encryption key: set PAYLOAD_KEYS=<id>:<base64 of 32 random bytes> (e.g. `openssl rand -base64 32`), ' +
        'or PAYLOAD_KEY_FILE=<file holding such entries>',
    );
  }
  let text: string;
  let source: string;
  if (file) {
    source = `PAYLOAD_KEY_FILE (${file})`;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new PayloadKeyError(`${source} cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  } else {
    source = 'PAYLOAD_KEYS';
    text = inline!;
  }
  return parsePayloadKeys(text, source);
}

/** `id:base64key` entries, separated by commas or new lines, the first the current key. */
export function parsePayloadKeys(text: string, source = 'payload keys'): PayloadKeys {
  const entries = text
    .split('\n')
    .map((line) => line.replace(/#.*/, ''))
    .flatMap((line) => line.split(','))
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new PayloadKeyError(`${source} holds no key`);
  const keys = new Map<string, Buffer>();
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon).trim();
    const encoded = colon < 0 ? '' : entry.slice(colon + 1).trim();
    if (!KEY_ID.test(id) || !encoded) {
      throw new PayloadKeyError(`${source}: entry ${i + 1} is not <id>:<base64 key> (an id of letters, digits, '.', '_' or '-')`);
    }
    if (keys.has(id)) throw new PayloadKeyError(`${source}: the key id '${id}' appears twice`);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new PayloadKeyError(`${source}: the key '${id}' is not base64`);
    const key = Buffer.from(encoded, 'base64');
    assertKey(id, key, source);
    keys.set(id, key);
  });
  return { currentKeyId: entries[0]!.slice(0, entries[0]!.indexOf(':')).trim(), keys };
}

function assertKey(id: string, key: Buffer, source = 'payload keys'): void {
  if (key.length !== KEY_BYTES) {
    throw new PayloadKeyError(`${source}: the key '${id}' is ${key.length} bytes; AES-256 needs ${KEY_BYTES} (base64 of 32 random bytes, e.g. \`openssl rand -base64 32\`)`);
  }
}

/** A key id from a payload, safe to put in a message. */
function printable(id: string): string {
  return KEY_ID.test(id) ? id : JSON.stringify(id.slice(0, 64));
}

/**
 * For a process's start: the data converter from the environment's keys, or, when they are missing
 * or malformed, a message naming the process (never the key) and exit code 2.
 */
export function dataConverterFromEnvOrExit(processName: string, env: NodeJS.ProcessEnv = process.env): DataConverter {
  try {
    return dataConverterFor(loadPayloadKeys(env));
  } catch (err) {
    if (!(err instanceof PayloadKeyError)) throw err;
    console.error(`${processName}: ${err.message}`);
    return process.exit(2);
  }
}
