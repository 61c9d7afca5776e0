/**
 * The keys an entry may have, in one table: a remote entry's options under the command line's names (`client-id`
 * for `--client-id`, camelCase `clientId` accepted too), each mapped once to its {@link ConfigInput} field with the
 * JSON type it takes; the keys of a local entry; the keys every entry may have; and the process-wide options an
 * entry cannot set.
 */
import type { ConfigInput } from '../input.js';

/**
 * The JSON value a key takes: `text` a string; `path` a string naming a file, relative to the config file's directory;
 * `flag` a boolean; `amount` a string or a number (durations, sizes, ports); `list` strings; `text-or-false` a string
 * or `false` (`--no-resource`, `--no-browser`); `auth` `"oauth"` or `"none"`.
 */
export type KeyKind = 'text' | 'path' | 'flag' | 'amount' | 'list' | 'text-or-false' | 'auth';

/** One remote option: its field in {@link ConfigInput} and its kind. */
export interface RemoteKey {
  field: keyof ConfigInput;
  kind: KeyKind;
}

/** A remote entry's options by their command-line name (no dashes in front). `url` and `headers` are read apart. */
export const REMOTE_KEYS: Readonly<Record<string, RemoteKey>> = {
  transport: { field: 'transport', kind: 'text' },
  protocol: { field: 'protocol', kind: 'text' },
  'header-file': { field: 'headerFile', kind: 'path' },
  'allow-http': { field: 'allowHttp', kind: 'flag' },
  'allow-private-auth-servers': { field: 'allowPrivateAuthServers', kind: 'flag' },
  'connect-timeout': { field: 'connectTimeout', kind: 'amount' },
  'request-timeout': { field: 'requestTimeout', kind: 'amount' },
  'max-server-message-size': { field: 'maxServerMessageSize', kind: 'amount' },
  auth: { field: 'auth', kind: 'auth' },
  issuer: { field: 'issuer', kind: 'text' },
  'client-id': { field: 'clientId', kind: 'text' },
  'client-secret': { field: 'clientSecret', kind: 'text' },
  'client-metadata-url': { field: 'clientMetadataUrl', kind: 'text' },
  'device-code': { field: 'deviceCode', kind: 'flag' },
  'client-credentials': { field: 'clientCredentials', kind: 'flag' },
  'client-key': { field: 'clientKey', kind: 'path' },
  'client-key-id': { field: 'clientKeyId', kind: 'text' },
  'idp-issuer': { field: 'idpIssuer', kind: 'text' },
  'idp-client-id': { field: 'idpClientId', kind: 'text' },
  'idp-client-secret': { field: 'idpClientSecret', kind: 'text' },
  'id-token-file': { field: 'idTokenFile', kind: 'path' },
  dpop: { field: 'dpop', kind: 'text' },
  'workload-token-file': { field: 'workloadTokenFile', kind: 'path' },
  scopes: { field: 'scopes', kind: 'text' },
  resource: { field: 'resource', kind: 'text-or-false' },
  'authorize-param': { field: 'authorizeParam', kind: 'list' },
  'auth-timeout': { field: 'authTimeout', kind: 'amount' },
  'login-backoff': { field: 'loginBackoff', kind: 'amount' },
  'redirect-url': { field: 'redirectUrl', kind: 'text' },
  'callback-port': { field: 'callbackPort', kind: 'amount' },
  'callback-host': { field: 'callbackHost', kind: 'text' },
  browser: { field: 'browser', kind: 'text-or-false' },
};

/** Options of the whole bridge, given once on the command line, never per server. */
export const PROCESS_KEYS: ReadonlySet<string> = new Set([
  'debug',
  'silent',
  'log-file',
  'banner',
  'no-banner',
  'max-message-size',
  'use-env-proxy',
  'token-store',
  'config-dir',
]);

/** Keys of a remote entry read apart from the table. */
export const REMOTE_OWN_KEYS = ['url', 'headers'] as const;

/** Keys of a local entry (`sessions`: whether `serve` shares the server's process among a user's sessions). */
export const LOCAL_KEYS = ['command', 'args', 'env', 'cwd', 'sessions'] as const;

/** Keys every entry may have. */
export const COMMON_KEYS = ['type', 'tools', 'readOnly', 'disabled'] as const;

/** Keys of a `tools` object. */
export const TOOLS_KEYS = ['allow', 'block'] as const;

/** Top-level keys of the file. */
export const TOP_KEYS = ['mcpServers', 'servers', 'separator', 'listTimeout', 'inputs', 'serve'] as const;

/** `clientId` → `client-id`: the camelCase spelling of a key, turned into the command line's. */
export function kebabOf(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Every key an entry may have, for suggestions. */
export function entryKeys(): string[] {
  return [...Object.keys(REMOTE_KEYS), ...REMOTE_OWN_KEYS, ...LOCAL_KEYS, ...COMMON_KEYS];
}
