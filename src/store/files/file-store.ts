/**
 * The file store: each login and registration is one JSON file holding metadata and secrets, 0600 in a 0700
 * directory, replaced atomically. Used with `--token-store file`, and in `auto` mode when no keychain works.
 */
import { type Logger, silentLogger } from '../../log.js';
import { prepareLogin, prepareRegistration } from '../model/codec.js';
import { type CredentialFiles, openCredentialFiles } from './credential-files.js';
import type { CredentialStore, DeleteAllResult, LoginListing } from '../credential-store.js';
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

/** Options for {@link openFileStore}. */
export interface FileStoreOptions {
  /** Config directory (`--config-dir`). Default: the platform config dir (paths.ts). */
  configDir?: string;
  /** Default {@link silentLogger}. */
  logger?: Logger;
}

/** Opens the file store under the config directory, creating (0700) or securing its directories. */
export async function openFileStore(options: FileStoreOptions = {}): Promise<FileStore> {
  const logger = options.logger ?? silentLogger;
  const files = await openCredentialFiles({ configDir: resolveConfigDir(options), logger });
  return new FileStore(files, logger);
}

/** A {@link CredentialStore} that keeps secrets in 0600 JSON files. Create it with {@link openFileStore}. */
export class FileStore implements CredentialStore {
  readonly kind = 'file' as const;
  readonly configDir: string;
  readonly description: string;
  readonly #files: CredentialFiles;
  readonly #logger: Logger;

  /** Use {@link openFileStore}, which prepares the directories. */
  constructor(files: CredentialFiles, logger: Logger) {
    this.#files = files;
    this.#logger = logger;
    this.configDir = files.paths.configDir;
    this.description = `files under ${files.paths.configDir}`;
  }

  async getTokens(key: string): Promise<StoredLogin | undefined> {
    const read = await this.#files.logins.read(key);
    if (read.status !== 'found') return undefined;
    const { metadata, secrets } = read.value;
    if (secrets === undefined) {
      this.#logger.debug(`The login for ${metadata.issuer} has its secrets in the OS keychain, not in use now`);
      return undefined;
    }
    this.#remember(secrets);
    return { metadata, secrets };
  }

  async setTokens(key: string, login: LoginInput): Promise<StoredLogin> {
    const stored = prepareLogin(login, this.kind);
    this.#remember(stored.secrets);
    await this.#files.logins.write(key, stored);
    return stored;
  }

  deleteTokens(key: string): Promise<boolean> {
    return this.#files.logins.remove(key);
  }

  async getRegistration(key: string): Promise<StoredRegistration | undefined> {
    const read = await this.#files.registrations.read(key);
    if (read.status !== 'found') return undefined;
    const { metadata, secrets } = read.value;
    if (secrets === undefined) {
      this.#logger.debug(`The registration at ${metadata.issuer} has its secrets in the OS keychain, not in use now`);
      return undefined;
    }
    this.#remember(secrets);
    return { metadata, secrets };
  }

  async setRegistration(key: string, registration: RegistrationInput): Promise<StoredRegistration> {
    const stored = prepareRegistration(registration, this.kind);
    this.#remember(stored.secrets);
    await this.#files.registrations.write(key, stored);
    return stored;
  }

  deleteRegistration(key: string): Promise<boolean> {
    return this.#files.registrations.remove(key);
  }

  list(): Promise<LoginListing> {
    return this.#files.list();
  }

  /**
   * Deletes every record file. Secrets of keychain-mode records stay in the keychain: only the keychain store
   * reaches them.
   */
  async deleteAll(): Promise<DeleteAllResult> {
    return { logins: await this.#files.logins.clear(), registrations: await this.#files.registrations.clear() };
  }

  /** Registers secrets with the logger so that no later log line can contain them. */
  #remember(secrets: LoginSecrets | RegistrationSecrets): void {
    for (const value of secretValues(secrets)) this.#logger.secret(value);
  }
}
