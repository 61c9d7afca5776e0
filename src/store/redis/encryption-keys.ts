/**
 * The keys that encrypt serve's records in Redis (record-seal.ts): 256-bit AES keys, each with an id, from an
 * environment variable or a file. Several keys may be given, for rotation: the first encrypts every new record,
 * all of them decrypt. A line is `<id>:<base64 of 32 bytes>`; in the variable, lines are separated by commas or
 * new lines; in the file, by new lines (blank lines and `#` comments are skipped). Make a key with
 * `openssl rand -base64 32`.
 */
import { readFileSync, statSync } from 'node:fs';
import { BridgeError, ErrorCode } from '../../errors.js';

/** The environment variable that holds the record keys. */
export const STORE_KEYS_ENV = 'MCP_STORE_KEYS';

/** One key. */
export interface EncryptionKey {
  /** Names the key in each record it encrypts (1–32 of `A-Za-z0-9._-`). */
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

/** The keys in force: {@link EncryptionKeys.current} encrypts; {@link EncryptionKeys.byId} finds any for decrypting. */
export interface EncryptionKeys {
  current: EncryptionKey;
  byId(id: string): EncryptionKey | undefined;
  /** Every key's raw bytes, base64: what the logger must never print. */
  secrets(): string[];
}

/** Where {@link loadEncryptionKeys} looks. */
export interface EncryptionKeySource {
  /** `--store-key-file`: read when given (the variable is then ignored). */
  file?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
}

const ID = /^[A-Za-z0-9._-]{1,32}$/;
const HINT = `set ${STORE_KEYS_ENV}=<id>:<key> (make a key with: openssl rand -base64 32), or name a file of such lines with --store-key-file`;

/**
 * Reads the keys from `source.file` or {@link STORE_KEYS_ENV}.
 * @throws {BridgeError} `ErrorCode.Usage` when there is none, a line is malformed (its number is named, never its
 *   content), a key is not 32 bytes, or an id repeats; `ErrorCode.Config` when the file cannot be read.
 */
export function loadEncryptionKeys(source: EncryptionKeySource): EncryptionKeys {
  let text: string;
  let where: string;
  if (source.file !== undefined) {
    where = source.file;
    try {
      text = readFileSync(source.file, 'utf8');
    } catch (error) {
      throw new BridgeError(ErrorCode.Config, `cannot read the store key file ${source.file}`, { cause: error, hint: 'check --store-key-file' });
    }
    if ((statSync(source.file).mode & 0o077) !== 0 && process.platform !== 'win32') {
      throw new BridgeError(ErrorCode.Config, `the store key file ${source.file} is readable by other users`, { hint: `chmod 600 ${source.file}` });
    }
  } else {
    where = STORE_KEYS_ENV;
    text = (source.env[STORE_KEYS_ENV] ?? '').replace(/,/g, '\n');
  }
  const lines = text.split('\n').map((l) => l.trim());
  const keys: EncryptionKey[] = [];
  lines.forEach((line, index) => {
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const id = line.slice(0, colon);
    const key = colon > 0 ? Buffer.from(line.slice(colon + 1), 'base64') : Buffer.alloc(0);
    if (colon <= 0 || !ID.test(id)) {
      throw new BridgeError(ErrorCode.Usage, `${where}: entry ${index + 1} is not <id>:<base64 key>`, { hint: HINT });
    }
    if (key.length !== 32) {
      throw new BridgeError(ErrorCode.Usage, `${where}: key "${id}" is ${key.length} bytes, not 32`, { hint: HINT });
    }
    if (keys.some((k) => k.id === id)) throw new BridgeError(ErrorCode.Usage, `${where}: key id "${id}" is given twice`, { hint: 'give each key its own id' });
    keys.push({ id, key });
  });
  const current = keys[0];
  if (!current) throw new BridgeError(ErrorCode.Usage, `the Redis store needs an encryption key (${where} has none)`, { hint: HINT });
  return encryptionKeys(keys);
}

/** Keys from a list (the first encrypts); for callers that hold the keys already. */
export function encryptionKeys(keys: readonly EncryptionKey[]): EncryptionKeys {
  if (keys.length === 0) throw new BridgeError(ErrorCode.Internal, 'encryptionKeys needs at least one key');
  const map = new Map(keys.map((k) => [k.id, k]));
  return { current: keys[0]!, byId: (id) => map.get(id), secrets: () => keys.map((k) => k.key.toString('base64')) };
}
