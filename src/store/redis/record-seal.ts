/**
 * Encryption at rest of the records serve keeps in Redis: AES-256-GCM (NIST SP 800-38D) with a fresh random 96-bit
 * nonce per record, and the record's full Redis key (which names its user and its credential key) as associated
 * data, so a record copied under another user's or another credential's key does not decrypt. Each record names
 * the id of the key that sealed it, so keys can be rotated (encryption-keys.ts).
 *
 * A sealed record is JSON: `{"v":1,"kid":"<key id>","iv":"<b64>","tag":"<b64>","ct":"<b64>"}`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionKeys } from './encryption-keys.js';

const VERSION = 1;
const AAD_LABEL = 'mcp-auth-bridge/redis-record/v1\0';

/** Seals `plaintext` with the current key, bound to `redisKey`. */
export function sealRecord(keys: EncryptionKeys, redisKey: string, plaintext: string): string {
  const { id, key } = keys.current;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(AAD_LABEL + redisKey, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return JSON.stringify({ v: VERSION, kid: id, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ct: ct.toString('base64') });
}

/** What {@link openRecord} found: the plaintext, or why there is none (never quoting the record). */
export type Opened =
  | { ok: true; plaintext: string }
  | { ok: false; why: 'unknown-key'; keyId: string }
  | { ok: false; why: 'malformed' | 'not-authentic' };

/**
 * Opens a sealed record read from `redisKey`. A record under a key id not in `keys` is `unknown-key`; one that fails
 * authentication (tampered, or moved from another Redis key) is `not-authentic`.
 */
export function openRecord(keys: EncryptionKeys, redisKey: string, sealed: string): Opened {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(sealed) as Record<string, unknown>;
  } catch {
    return { ok: false, why: 'malformed' };
  }
  if (typeof o !== 'object' || o === null || o.v !== VERSION || typeof o.kid !== 'string') return { ok: false, why: 'malformed' };
  if (typeof o.iv !== 'string' || typeof o.tag !== 'string' || typeof o.ct !== 'string') return { ok: false, why: 'malformed' };
  const key = keys.byId(o.kid);
  if (!key) return { ok: false, why: 'unknown-key', keyId: o.kid.slice(0, 32) };
  const iv = Buffer.from(o.iv, 'base64');
  const tag = Buffer.from(o.tag, 'base64');
  if (iv.length !== 12 || tag.length !== 16) return { ok: false, why: 'malformed' };
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, iv);
    decipher.setAAD(Buffer.from(AAD_LABEL + redisKey, 'utf8'));
    decipher.setAuthTag(tag);
    return { ok: true, plaintext: Buffer.concat([decipher.update(Buffer.from(o.ct, 'base64')), decipher.final()]).toString('utf8') };
  } catch {
    return { ok: false, why: 'not-authentic' };
  }
}
