/**
 * The OS keychain, reached through the optional native module `@napi-rs/keyring`: macOS Keychain, Windows Credential
 * Manager, or the freedesktop Secret Service on Linux (gnome-keyring, KWallet, KeePassXC). The module is imported
 * lazily and only here; when it is missing or its native binary does not load, {@link loadKeyringBackend} throws a
 * {@link ErrorCode.Store} error and the caller falls back to files.
 *
 * On Linux every entry is pinned to the Secret Service (`{ linux: { store: 'secret-service' } }`): unpinned, the
 * module silently falls back to the kernel keyutils keyring, which lives in memory only and would lose every login at
 * reboot. A module too old to support pinning is refused on Linux.
 *
 * Facts about @napi-rs/keyring 2.x this relies on (checked against 2.1.2 with gnome-keyring 42):
 * - A pinned constructor throws when no D-Bus session bus or no Secret Service provider is reachable.
 * - The Secret Service connection (or the failure to get one) is cached for the life of the process, so a probe's
 *   verdict holds until restart; changing `DBUS_SESSION_BUS_ADDRESS` later has no effect.
 * - With a locked collection, reading an existing item or writing fails ("unlock prompt was dismissed" when no
 *   prompter is available), while reading an absent item resolves `null`: only a write proves the keychain works.
 */
import { BridgeError, ErrorCode } from '../../errors.js';
import { APP_NAME } from '../paths.js';

/** The keychain service name every secret is stored under; the account is the credential key. */
export const KEYCHAIN_SERVICE = APP_NAME;

/** Account names of the throw-away entries written by the availability probe start with this. */
export const PROBE_ACCOUNT_PREFIX = 'probe-';

/** Default bound on one keychain operation. A desktop unlock prompt may be showing meanwhile. */
export const DEFAULT_KEYCHAIN_TIMEOUT_MS = 15_000;

/** A place to keep secrets, addressed by account name. */
export interface SecretBackend {
  /** Human name, e.g. `Secret Service`, `macOS Keychain`. */
  readonly name: string;
  /** The secret stored for `account`, or `undefined`. */
  get(account: string): Promise<string | undefined>;
  /** Stores (replaces) the secret for `account`. */
  set(account: string, secret: string): Promise<void>;
  /** Deletes the secret for `account`; resolves whether there was one. */
  delete(account: string): Promise<boolean>;
  /** The accounts stored under the service (best effort: may throw where the platform cannot enumerate). */
  accounts(): Promise<string[]>;
}

/** Options for {@link loadKeyringBackend}. */
export interface KeyringBackendOptions {
  /** Service name. Default {@link KEYCHAIN_SERVICE}. */
  service?: string;
  /** Imports the module. Default `() => import('@napi-rs/keyring')`; tests pass a failing import. */
  loadModule?: () => Promise<unknown>;
  /** Bound on each operation. Default {@link DEFAULT_KEYCHAIN_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Default `process.platform`. */
  platform?: NodeJS.Platform;
}

/** The part of `@napi-rs/keyring`'s `AsyncEntry` this module uses. */
interface NapiEntry {
  setSecret(secret: Uint8Array, signal?: AbortSignal | null): Promise<void>;
  getSecret(signal?: AbortSignal | null): Promise<number[] | null>;
  deleteCredential(signal?: AbortSignal | null): Promise<boolean>;
}

/** The part of the `@napi-rs/keyring` module this module uses. */
interface NapiKeyring {
  AsyncEntry: new (service: string, account: string, options?: { linux?: { store?: string } } | null) => NapiEntry;
  findCredentialsAsync?: (
    service: string,
    target?: string | null,
    signal?: AbortSignal | null,
  ) => Promise<Array<{ account: string; password: string }>>;
  LinuxStore?: { SecretService?: string };
}

const MODULE_NAME = '@napi-rs/keyring';

function defaultLoadModule(): Promise<unknown> {
  const specifier: string = MODULE_NAME; // kept out of static analysis: the module is optional and never bundled
  return import(specifier);
}

function backendName(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'macOS Keychain';
  if (platform === 'win32') return 'Windows Credential Manager';
  if (platform === 'linux' || platform === 'freebsd') return 'Secret Service';
  return 'OS keychain';
}

/** What the user can do when the keychain fails, for this platform. */
export function keychainHint(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'Unlock your login keychain, or use --token-store file.';
  if (platform === 'win32') return 'Check that Windows Credential Manager is available, or use --token-store file.';
  return (
    'Unlock your keyring, or install and start gnome-keyring (or another Secret Service provider such as KWallet or ' +
    'KeePassXC), or use --token-store file.'
  );
}

/**
 * A short, human explanation of a failure reported by `@napi-rs/keyring`. The native module reports every failure
 * as `GenericFailure` with a descriptive message, so the message is the only evidence; this is used for the text
 * shown to the user only, never to decide what to do.
 */
export function explainKeyringFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/DBUS_SESSION_BUS_ADDRESS|Failed to connect to (socket|address)|autolaunch/i.test(message)) {
    return 'no D-Bus session bus is reachable';
  }
  if (/org\.freedesktop\.secrets/.test(message)) {
    return 'no Secret Service provider (gnome-keyring, KWallet, KeePassXC) is running';
  }
  if (/prompt was dismissed|is locked|locked/i.test(message)) return 'the keyring is locked';
  if (/no result found/i.test(message)) {
    return 'the keyring has no default collection (it may need to be created or unlocked)';
  }
  const firstLine = message.split('\n', 1)[0] ?? '';
  return firstLine.length > 200 ? `${firstLine.slice(0, 200)}…` : firstLine;
}

function toModule(loaded: unknown): NapiKeyring | undefined {
  const candidates = [loaded, (loaded as { default?: unknown } | null)?.default];
  for (const c of candidates) {
    if (c && typeof (c as NapiKeyring).AsyncEntry === 'function') return c as NapiKeyring;
  }
  return undefined;
}

/**
 * Runs `run` with an abort signal and rejects with a {@link ErrorCode.Store} timeout error after `timeoutMs`, even if
 * the native call ignores the signal.
 */
async function bounded<T>(what: string, timeoutMs: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(
        new BridgeError(ErrorCode.Store, `The OS keychain did not answer within ${timeoutMs} ms (${what})`, {
          hint: keychainHint(),
        }),
      );
    }, timeoutMs);
    timer.unref?.();
  });
  const work = run(controller.signal);
  work.catch(() => undefined); // settles after a timeout too; not an unhandled rejection
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Imports `@napi-rs/keyring` and returns a {@link SecretBackend} over it. Throws {@link ErrorCode.Store} when the
 * module is missing, fails to load its native binary, or (on Linux) cannot be pinned to the Secret Service. Does not
 * touch the keychain itself: probe it with a round trip (probe.ts) before trusting it.
 */
export async function loadKeyringBackend(options: KeyringBackendOptions = {}): Promise<SecretBackend> {
  const service = options.service ?? KEYCHAIN_SERVICE;
  const timeoutMs = options.timeoutMs ?? DEFAULT_KEYCHAIN_TIMEOUT_MS;
  const platform = options.platform ?? process.platform;
  const name = backendName(platform);
  const hint = keychainHint(platform);

  let loaded: unknown;
  try {
    loaded = await (options.loadModule ?? defaultLoadModule)();
  } catch (error) {
    throw new BridgeError(ErrorCode.Store, `The keychain module ${MODULE_NAME} could not be loaded`, {
      cause: error,
      hint: `Reinstall mcp-auth-bridge so that its optional dependency ${MODULE_NAME} is installed, ` +
        'or use --token-store file.',
    });
  }
  const mod = toModule(loaded);
  if (!mod) {
    throw new BridgeError(ErrorCode.Store, `The keychain module ${MODULE_NAME} has an unsupported interface`, {
      hint: 'Use --token-store file.',
    });
  }
  const pin = mod.LinuxStore?.SecretService;
  if (platform === 'linux' && pin === undefined) {
    throw new BridgeError(
      ErrorCode.Store,
      `The installed ${MODULE_NAME} cannot be pinned to the Secret Service (it could keep secrets in memory only)`,
      { hint: `Install ${MODULE_NAME} 2.1 or later, or use --token-store file.` },
    );
  }
  const entryOptions = pin === undefined ? undefined : { linux: { store: pin } };

  const entry = (account: string, action: string): NapiEntry => {
    try {
      return new mod.AsyncEntry(service, account, entryOptions);
    } catch (error) {
      throw fail(action, error);
    }
  };
  const fail = (action: string, error: unknown): BridgeError =>
    error instanceof BridgeError
      ? error
      : new BridgeError(ErrorCode.Store, `${name} could not ${action}: ${explainKeyringFailure(error)}`, {
          cause: error,
          hint,
        });
  const call = async <T>(action: string, account: string, run: (e: NapiEntry, signal: AbortSignal) => Promise<T>) => {
    const e = entry(account, action);
    try {
      return await bounded(action, timeoutMs, (signal) => run(e, signal));
    } catch (error) {
      throw fail(action, error);
    }
  };

  return {
    name,
    async get(account) {
      const bytes = await call('read a secret', account, (e, signal) => e.getSecret(signal));
      return bytes === null ? undefined : Buffer.from(bytes).toString('utf8');
    },
    async set(account, secret) {
      await call('store a secret', account, (e, signal) => e.setSecret(new Uint8Array(Buffer.from(secret, 'utf8')), signal));
    },
    async delete(account) {
      return call('delete a secret', account, (e, signal) => e.deleteCredential(signal));
    },
    async accounts() {
      const find = mod.findCredentialsAsync;
      if (!find) throw new BridgeError(ErrorCode.Store, `${name} cannot list its entries with this ${MODULE_NAME}`);
      try {
        const found = await bounded('list secrets', timeoutMs, (signal) => find(service, null, signal));
        return found.map((c) => c.account); // the passwords it also returns are dropped here
      } catch (error) {
        throw fail('list secrets', error);
      }
    },
  };
}
