/**
 * The keychain store: secrets in the OS keychain (service `mcp-auth-bridge`, account = credential key), non-secret
 * metadata in the JSON record files (no secrets in them), so that `status` lists logins without touching the
 * keychain. Secrets are written before metadata: a crash in between leaves at worst an orphan keychain entry that
 * the next save overwrites and {@link KeychainStore.deleteAll} sweeps.
 *
 * A login saved by the file store (secrets inline) stays readable here; saving it again moves its secrets into the
 * keychain.
 */
import { BridgeError, ErrorCode } from '../../errors.js';
import { type Logger, silentLogger } from '../../log.js';
import {
  type Decoded,
  decodeLoginSecrets,
  decodeRegistrationSecrets,
  encodeLoginSecrets,
  encodeRegistrationSecrets,
  prepareLogin,
  prepareRegistration,
} from '../model/codec.js';
import { type CredentialFiles, openCredentialFiles } from '../files/credential-files.js';
import type { CredentialStore, DeleteAllResult, LoginListing } from '../credential-store.js';
import { CREDENTIAL_KEY_PATTERN, assertCredentialKey } from '../model/keys.js';
import { PROBE_ACCOUNT_PREFIX, type SecretBackend } from './keyring-backend.js';
import {
  type LoginInput,
  type LoginSecrets,
  type RegistrationInput,
  type RegistrationSecrets,
  type StoredLogin,
  type StoredRegistration,
  secretValues,
} from '../model/records.js';
import { resolveConfigDir } from '../paths.js';

/** Options for {@link openKeychainStore}. */
export interface KeychainStoreOptions {
  /** Where secrets go (see keyring-backend.ts). Probe it first; this store trusts it. */
  backend: SecretBackend;
  /** Config directory for the metadata files (`--config-dir`). Default: the platform config dir (paths.ts). */
  configDir?: string;
  /** Default {@link silentLogger}. */
  logger?: Logger;
}

/** Opens the keychain store: prepares the metadata directories and wraps `backend`. */
export async function openKeychainStore(options: KeychainStoreOptions): Promise<KeychainStore> {
  const logger = options.logger ?? silentLogger;
  const files = await openCredentialFiles({ configDir: resolveConfigDir(options), logger });
  return new KeychainStore(files, options.backend, logger);
}

/** A {@link CredentialStore} with secrets in the OS keychain. Create it with {@link openKeychainStore}. */
export class KeychainStore implements CredentialStore {
  readonly kind = 'keychain' as const;
  readonly configDir: string;
  readonly description: string;
  readonly #files: CredentialFiles;
  readonly #backend: SecretBackend;
  readonly #logger: Logger;

  /** Use {@link openKeychainStore}. */
  constructor(files: CredentialFiles, backend: SecretBackend, logger: Logger) {
    this.#files = files;
    this.#backend = backend;
    this.#logger = logger;
    this.configDir = files.paths.configDir;
    this.description = `the OS keychain (${backend.name})`;
  }

  async getTokens(key: string): Promise<StoredLogin | undefined> {
    const read = await this.#files.logins.read(key);
    if (read.status !== 'found') return undefined;
    const { metadata } = read.value;
    const secrets = read.value.secrets ?? (await this.#readSecrets(key, 'login', decodeLoginSecrets));
    if (secrets === undefined) return undefined;
    this.#remember(secrets);
    return { metadata, secrets };
  }

  async setTokens(key: string, login: LoginInput): Promise<StoredLogin> {
    assertCredentialKey(key);
    const stored = prepareLogin(login, this.kind);
    this.#remember(stored.secrets);
    await this.#backend.set(key, encodeLoginSecrets(stored.secrets));
    await this.#files.logins.write(key, { metadata: stored.metadata });
    return stored;
  }

  async deleteTokens(key: string): Promise<boolean> {
    assertCredentialKey(key);
    const inKeychain = await this.#backend.delete(key);
    const onDisk = await this.#files.logins.remove(key);
    return inKeychain || onDisk;
  }

  async getRegistration(key: string): Promise<StoredRegistration | undefined> {
    const read = await this.#files.registrations.read(key);
    if (read.status !== 'found') return undefined;
    const { metadata } = read.value;
    const secrets = read.value.secrets ?? (await this.#readSecrets(key, 'registration', decodeRegistrationSecrets));
    if (secrets === undefined) return undefined;
    this.#remember(secrets);
    return { metadata, secrets };
  }

  async setRegistration(key: string, registration: RegistrationInput): Promise<StoredRegistration> {
    assertCredentialKey(key);
    const stored = prepareRegistration(registration, this.kind);
    this.#remember(stored.secrets);
    await this.#backend.set(key, encodeRegistrationSecrets(stored.secrets));
    await this.#files.registrations.write(key, { metadata: stored.metadata });
    return stored;
  }

  async deleteRegistration(key: string): Promise<boolean> {
    assertCredentialKey(key);
    const inKeychain = await this.#backend.delete(key);
    const onDisk = await this.#files.registrations.remove(key);
    return inKeychain || onDisk;
  }

  list(): Promise<LoginListing> {
    return this.#files.list();
  }

  /**
   * Deletes every keychain secret of every record file, every orphan secret the keychain can enumerate under the
   * service (credential keys, and leftovers of interrupted probes), then the files. If any keychain deletion fails,
   * throws before deleting files, so nothing becomes unreachable; unlock the keychain and run it again.
   */
  async deleteAll(): Promise<DeleteAllResult> {
    const keys = new Set([...(await this.#files.logins.keys()), ...(await this.#files.registrations.keys())]);
    try {
      for (const account of await this.#backend.accounts()) {
        if (CREDENTIAL_KEY_PATTERN.test(account) || account.startsWith(PROBE_ACCOUNT_PREFIX)) keys.add(account);
      }
    } catch (error) {
      this.#logger.debug('Could not enumerate keychain entries to sweep orphans; deleting the known ones only', error);
    }
    const failures: unknown[] = [];
    for (const key of keys) {
      try {
        await this.#backend.delete(key);
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) {
      const first = failures[0];
      throw new BridgeError(
        ErrorCode.Store,
        `Could not delete ${failures.length} of ${keys.size} secrets from ${this.description}; nothing else was deleted`,
        { cause: first, hint: first instanceof BridgeError ? first.hint : undefined },
      );
    }
    return { logins: await this.#files.logins.clear(), registrations: await this.#files.registrations.clear() };
  }

  /** The secret half kept in the keychain under `key`, or `undefined` (with a warning) when it is missing or unreadable. */
  async #readSecrets<T>(key: string, noun: string, decode: (text: string) => Decoded<T>): Promise<T | undefined> {
    const text = await this.#backend.get(key);
    if (text === undefined) {
      this.#logger.warn(
        `The ${noun} stored under ${key.slice(0, 12)}… has no secret in ${this.description}; treating it as absent`,
      );
      return undefined;
    }
    const decoded = decode(text);
    if (!decoded.ok) {
      this.#logger.warn(
        `The ${noun} secret in ${this.description} under ${key.slice(0, 12)}… is unreadable (${decoded.reason}); ` +
          'treating it as absent',
      );
      return undefined;
    }
    return decoded.value;
  }

  /** Registers secrets with the logger so that no later log line can contain them. */
  #remember(secrets: LoginSecrets | RegistrationSecrets): void {
    for (const value of secretValues(secrets)) this.#logger.secret(value);
  }
}
