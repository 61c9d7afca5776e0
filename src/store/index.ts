/**
 * The credential store: model and keys, keychain and file stores, store selection, and the cross-process lock.
 * Everything the auth and cli modules need is exported here.
 */
export type {
  ClientIdSource,
  LoginGrant,
  LoginInput,
  LoginMetadata,
  LoginMetadataInput,
  LoginSecrets,
  RegistrationInput,
  RegistrationMetadata,
  RegistrationMetadataInput,
  RegistrationSecrets,
  StoreKind,
  StoredLogin,
  StoredRegistration,
} from './model/records.js';
export { CLIENT_ID_SOURCES, LOGIN_GRANTS } from './model/records.js';
export {
  CREDENTIAL_KEY_PATTERN,
  type RegistrationKeyInput,
  type TokenKeyInput,
  assertCredentialKey,
  isCredentialKey,
  registrationKey,
  tokenKey,
} from './model/keys.js';
export {
  APP_NAME,
  type ConfigDirOptions,
  type StorePaths,
  defaultConfigDir,
  lockFilePath,
  resolveConfigDir,
  storePaths,
} from './paths.js';
export type {
  CredentialStore,
  DeleteAllResult,
  ExclusiveScope,
  ListedLogin,
  LoginListing,
  UnreadableRecord,
} from './credential-store.js';
export type { RecordRead } from './files/record-dir.js';
export { FileStore, type FileStoreOptions, openFileStore } from './files/file-store.js';
export { KeychainStore, type KeychainStoreOptions, openKeychainStore } from './keychain/keychain-store.js';
export {
  DEFAULT_KEYCHAIN_TIMEOUT_MS,
  KEYCHAIN_SERVICE,
  type KeyringBackendOptions,
  type SecretBackend,
  keychainHint,
  loadKeyringBackend,
} from './keychain/keyring-backend.js';
export {
  type KeychainFallback,
  type OpenCredentialStoreOptions,
  STORE_MODES,
  type StoreMode,
  openCredentialStore,
} from './select-store.js';
export { probeKeychain } from './keychain/probe.js';
export {
  type AcquireLockOptions,
  type CredentialLock,
  DEFAULT_LOCK_POLL_MS,
  DEFAULT_LOCK_STALE_AFTER_MS,
  DEFAULT_LOCK_TIMEOUT_MS,
  type LockOwner,
  acquireLock,
} from './lock/lock.js';
