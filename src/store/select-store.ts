/**
 * Chooses the credential store for `--token-store auto|keychain|file`. `auto` uses the OS keychain when a
 * set/get/delete round trip of a random value works, and otherwise falls back to files with exactly one log line
 * naming the store in use and why; `keychain` fails with a {@link ErrorCode.Store} error that says what to do.
 */
import { BridgeError, ErrorCode, describeError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import type { CredentialStore } from './credential-store.js';
import { openFileStore } from './files/file-store.js';
import { openKeychainStore } from './keychain/keychain-store.js';
import { type SecretBackend, keychainHint, loadKeyringBackend } from './keychain/keyring-backend.js';
import { probeKeychain } from './keychain/probe.js';
import { resolveConfigDir } from './paths.js';

/** What to do when the keyring that holds the logins cannot be used. */
export const KEYRING_LOCKED_HINT = 'unlock it (log in to your desktop session, or unlock the "login" keyring in your keyring manager), or use --token-store file (you will log in again, into files)';

/** The `--token-store` choices. */
export type StoreMode = 'auto' | 'keychain' | 'file';

/** Every {@link StoreMode}, for the CLI's `.choices()`. */
export const STORE_MODES: readonly StoreMode[] = ['auto', 'keychain', 'file'];

/** Options for {@link openCredentialStore}. */
export interface OpenCredentialStoreOptions {
  /** Default `auto`. */
  mode?: StoreMode;
  /** Config directory (`--config-dir`). Default: the platform config dir (paths.ts). */
  configDir?: string;
  /** Receives the fallback note and warnings. Default {@link silentLogger}. */
  logger?: Logger;
  /** Imports `@napi-rs/keyring`. Default: a dynamic `import()`; tests pass a failing loader. */
  loadKeyring?: () => Promise<unknown>;
  /** Bound on each keychain operation, the probe included. Default 15 s. */
  keychainTimeoutMs?: number;
  /**
   * Called in `auto` mode when the keychain cannot be used and files are used instead (nothing is kept in the
   * keychain), with why — e.g. `Secret Service could not store a secret: …` — so `doctor` can say so.
   */
  onKeychainFallback?: (fallback: KeychainFallback) => void;
}

/** Why `auto` uses files rather than the keychain. */
export interface KeychainFallback {
  /** The keychain's failure, in words (no hint). */
  why: string;
  /** The failure itself. */
  cause: unknown;
}

/** Loads and probes the OS keychain (keychain/probe.ts); resolves the backend or throws the reason it cannot be used. */
async function usableKeychain(options: OpenCredentialStoreOptions): Promise<SecretBackend> {
  const backend = await loadKeyringBackend({ loadModule: options.loadKeyring, timeoutMs: options.keychainTimeoutMs });
  await probeKeychain(backend);
  return backend;
}

/**
 * Opens the credential store for `mode`. In `auto` mode a keychain failure is not an error: the file store is used
 * and one info line says so, e.g. `Credentials are stored in files under ~/.config/mcp-auth-bridge (mode 0600), not
 * in the OS keychain (Secret Service could not store a secret: the keyring is locked)`.
 * @throws {BridgeError} `ErrorCode.Store` in `keychain` mode when the keychain is unusable (with a hint: unlock the
 *   keyring, install gnome-keyring, or use `--token-store file`), in `auto` mode when the keychain is unusable while
 *   logins are kept in it, and in any mode when the config directory cannot be prepared.
 */
export async function openCredentialStore(options: OpenCredentialStoreOptions = {}): Promise<CredentialStore> {
  const mode = options.mode ?? 'auto';
  if (!STORE_MODES.includes(mode)) {
    throw new BridgeError(ErrorCode.Usage, `Unknown token store "${String(mode)}"`, {
      hint: `Use one of: ${STORE_MODES.join(', ')}.`,
    });
  }
  const logger = options.logger ?? silentLogger;
  const configDir = resolveConfigDir(options);

  if (mode === 'file') {
    const store = await openFileStore({ configDir, logger });
    logger.debug(`Credentials are stored in ${store.description}`);
    return store;
  }

  let backend: SecretBackend;
  try {
    backend = await usableKeychain(options);
  } catch (error) {
    if (mode === 'keychain') {
      throw new BridgeError(ErrorCode.Store, `The OS keychain cannot be used (${describeError(errorWithoutHint(error))})`, {
        cause: error,
        hint: error instanceof BridgeError && error.hint ? error.hint : keychainHint(),
      });
    }
    const store = await openFileStore({ configDir, logger });
    const why = describeError(errorWithoutHint(error));
    // Never two logins for one server in two stores: with logins kept in the keychain, falling back to files would
    // register again, log in again and store a second login beside the first. Say what to do instead.
    const inKeychain = (await store.list()).logins.filter((l) => l.metadata.store === 'keychain');
    if (inKeychain.length > 0) {
      const servers = [...new Set(inKeychain.map((l) => l.metadata.serverUrl))];
      throw new BridgeError(
        ErrorCode.Store,
        `the keyring is locked or unavailable (${why}), and your login${inKeychain.length === 1 ? ' is' : 's are'} kept in it (${servers.join(', ')})`,
        { cause: error, hint: KEYRING_LOCKED_HINT },
      );
    }
    logger.info(`Credentials are stored in ${store.description} (mode 0600), not in the OS keychain (${why})`);
    options.onKeychainFallback?.({ why, cause: error });
    if (error instanceof Error && error.cause !== undefined) logger.debug('Keychain failure detail', error.cause);
    return store;
  }
  const store = await openKeychainStore({ backend, configDir, logger });
  logger.debug(`Credentials are stored in ${store.description}, metadata under ${configDir}`);
  return store;
}

/** The message of `error` alone: the fallback line explains itself and should not carry a "use --token-store" hint. */
function errorWithoutHint(error: unknown): unknown {
  return error instanceof BridgeError ? new Error(error.message) : error;
}
