/**
 * The {@link CredentialStore} interface: what the Authorizer and the CLI (`status`, `logout`) use, whichever store
 * is behind it. Records are addressed by credential key (model/keys.ts); callers hold the per-key lock
 * (lock/lock.ts), or the store's own exclusion when it has one ({@link CredentialStore.exclusive}), around a login
 * or refresh so that reads and writes of one key never interleave between processes.
 */
import type {
  LoginInput,
  LoginMetadata,
  RegistrationInput,
  StoreKind,
  StoredLogin,
  StoredRegistration,
} from './model/records.js';

/** A stored login as listed: its key and non-secret metadata, never a token. */
export interface ListedLogin {
  key: string;
  metadata: LoginMetadata;
}

/** A record file that exists but cannot be used (corrupt, unreadable, unknown format). */
export interface UnreadableRecord {
  key: string;
  type: 'login' | 'registration';
  path: string;
  /** What is wrong, naming fields only (never content). */
  reason: string;
}

/** The result of {@link CredentialStore.list}. */
export interface LoginListing {
  /** Readable logins, sorted by key. Metadata only. */
  logins: ListedLogin[];
  /** Login and registration files that exist but are treated as absent. */
  unreadable: UnreadableRecord[];
}

/** What {@link CredentialStore.deleteAll} removed. */
export interface DeleteAllResult {
  logins: number;
  registrations: number;
}

/**
 * Where logins and dynamic client registrations are kept. All methods throw {@link BridgeError} with
 * `ErrorCode.Store` when the storage fails (a locked keychain, a read-only disk); a record that is merely corrupt or
 * incomplete reads as absent (and is reported once through the logger).
 */
export interface CredentialStore {
  /** Where secrets go: `keychain` or `file`. */
  readonly kind: StoreKind;
  /** The absolute configuration directory (metadata, files, locks). */
  readonly configDir: string;
  /** A short human description for messages, e.g. `the OS keychain (Secret Service)`. */
  readonly description: string;

  /** The login stored under `key`, or `undefined`. */
  getTokens(key: string): Promise<StoredLogin | undefined>;
  /** Saves (replaces) the login under `key`; resolves what was stored, with the derived metadata fields set. */
  setTokens(key: string, login: LoginInput): Promise<StoredLogin>;
  /** Deletes the login under `key`; resolves whether there was one. */
  deleteTokens(key: string): Promise<boolean>;

  /** The dynamic client registration stored under `key`, or `undefined`. */
  getRegistration(key: string): Promise<StoredRegistration | undefined>;
  /** Saves (replaces) the registration under `key`; resolves what was stored. */
  setRegistration(key: string, registration: RegistrationInput): Promise<StoredRegistration>;
  /** Deletes the registration under `key`; resolves whether there was one. */
  deleteRegistration(key: string): Promise<boolean>;

  /** Every stored login's metadata (never secrets), read from files only: listing never touches the keychain. */
  list(): Promise<LoginListing>;
  /** Deletes every login and registration this store can reach. */
  deleteAll(): Promise<DeleteAllResult>;

  /**
   * Runs `work` while no other holder — in this process or another, on this machine or another — runs work for the
   * same (issuer, resource): a store shared between machines provides its own exclusion (Redis: a lease with
   * fencing). Absent: callers use the file lock under {@link CredentialStore.configDir} (lock/lock.ts). While
   * another holder has it, {@link ExclusiveScope.onHeldElsewhere} hears the login that holder shared
   * ({@link ExclusiveHold.share}), so a caller can offer that login instead of waiting in silence.
   * @throws {BridgeError} `ErrorCode.Store` when the exclusion cannot be had within `timeoutMs`.
   */
  exclusive?<T>(scope: ExclusiveScope, work: (hold: ExclusiveHold) => Promise<T>): Promise<T>;
}

/** What {@link CredentialStore.exclusive} excludes, and how long to wait for it. */
export interface ExclusiveScope {
  issuer: string;
  resource: string;
  /** Longest wait for the exclusion; also how long it may be held without renewal reaching the store. */
  timeoutMs: number;
  /**
   * While another holder has the exclusion: called with the URL of the browser login it shared (undefined: none),
   * on the first attempt and whenever that changes. Never called once the exclusion is had.
   */
  onHeldElsewhere?: (loginUrl: string | undefined) => void;
}

/** What the holder of {@link CredentialStore.exclusive} may do while it holds it. */
export interface ExclusiveHold {
  /**
   * Shares the URL of the browser login this holder waits for with those waiting for the exclusion (undefined: it
   * waits for none any more). Kept sealed like a login and gone with the exclusion; never rejects (a failure to
   * share is logged, and waiters then wait as before).
   */
  share(loginUrl: string | undefined): Promise<void>;
}
