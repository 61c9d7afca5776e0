/**
 * The proof that the OS keychain works: a set/get/delete round trip of a random value under a throw-away account.
 * Loading the module proves nothing (a locked collection reads an absent item as `null`; see keyring-backend.ts), so
 * the store is chosen on this round trip alone.
 */
import { randomBytes } from 'node:crypto';
import { BridgeError, ErrorCode } from '../../errors.js';
import { PROBE_ACCOUNT_PREFIX, type SecretBackend, keychainHint } from './keyring-backend.js';

/**
 * Proves that `backend` can keep a secret: stores a random value under a throw-away account, reads it back,
 * deletes it. Resolves when all three worked; throws {@link ErrorCode.Store} otherwise (after trying to clean up).
 */
export async function probeKeychain(backend: SecretBackend): Promise<void> {
  const account = `${PROBE_ACCOUNT_PREFIX}${process.pid}-${randomBytes(8).toString('hex')}`;
  const value = randomBytes(16).toString('hex');
  try {
    await backend.set(account, value);
    const back = await backend.get(account);
    if (back !== value) {
      throw new BridgeError(ErrorCode.Store, `${backend.name} did not return the value just stored in it`, {
        hint: keychainHint(),
      });
    }
    if (!(await backend.delete(account))) {
      throw new BridgeError(ErrorCode.Store, `${backend.name} did not delete the value just stored in it`, {
        hint: keychainHint(),
      });
    }
  } catch (error) {
    await backend.delete(account).catch(() => undefined);
    throw error;
  }
}
