/**
 * HMAC keys every serve instance on one store shares: derived from the store's encryption keys (encryption-keys.ts)
 * with HKDF-SHA256 (RFC 5869), the use in the `info` label, so each use has its own key and none is the encryption
 * key itself. A MAC is `<key id>~<HMAC>` under the current key; any key in force verifies (its id named in the MAC),
 * so rotating the store's key does not sign everyone out at once: a MAC made under the old key verifies while that
 * key is still listed.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import type { EncryptionKeys } from '../../store/redis/encryption-keys.js';
import { sameText } from './memory-browser-state.js';
import type { MacKey } from './port.js';

const INFO_PREFIX = 'mcp-auth-bridge/browser-mac/v1/';
const SEPARATOR = '~';

/** The key for `use` derived from `keys`; see the module comment. */
export function derivedMacKey(keys: EncryptionKeys, use: string): MacKey {
  const derived = new Map<string, Buffer>();
  const keyOf = (id: string): Buffer | undefined => {
    let key = derived.get(id);
    if (!key) {
      const base = keys.byId(id);
      if (!base) return undefined;
      key = Buffer.from(hkdfSync('sha256', base.key, Buffer.alloc(0), `${INFO_PREFIX}${use}`, 32));
      derived.set(id, key);
    }
    return key;
  };
  const mac = (key: Buffer, text: string) => createHmac('sha256', key).update(text, 'utf8').digest('base64url');
  return {
    sign(text) {
      const { id } = keys.current;
      return `${id}${SEPARATOR}${mac(keyOf(id)!, text)}`;
    },
    verify(text, given) {
      const at = given.lastIndexOf(SEPARATOR);
      if (at <= 0) return false;
      const id = given.slice(0, at);
      const key = keyOf(id);
      return key !== undefined && sameText(`${id}${SEPARATOR}${mac(key, text)}`, given);
    },
  };
}
