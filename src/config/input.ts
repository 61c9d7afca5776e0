/**
 * The validator's input: plain option values named as the command line names them (`authTimeout` for
 * `--auth-timeout`), whether they came from argv (commander's output) or from a JSON `mcpServers` entry. Values are
 * as people write them: durations and sizes as text (`30s`, `16mb`) or numbers (seconds, bytes).
 */

/** Option values before validation; a missing value takes the documented default ({@link DEFAULTS}). */
export interface ConfigInput {
  /** The server URL (the argument); else `MCP_BACKEND_URL`. */
  url?: string;
  transport?: string;
  /** `--protocol`: `auto`, an era (`2025-11-25`, `2026-07-28`) or its synonym (`legacy`, `modern`). */
  protocol?: string;
  header?: string[];
  headerFile?: string;
  allowHttp?: boolean;
  allowPrivateAuthServers?: boolean;
  connectTimeout?: string | number;
  requestTimeout?: string | number;
  maxMessageSize?: string | number;
  maxServerMessageSize?: string | number;
  useEnvProxy?: boolean;
  debug?: boolean;
  logFile?: string;
  silent?: boolean;
  banner?: boolean;
  /** `none` turns authorization off (a configuration entry's `"auth": "none"`); there is no flag for it. */
  auth?: 'oauth' | 'none';
  issuer?: string;
  clientId?: string;
  clientSecret?: string;
  clientMetadataUrl?: string;
  deviceCode?: boolean;
  clientCredentials?: boolean;
  /** A PEM path, or (from `MCP_CLIENT_KEY`) the PEM itself. */
  clientKey?: string;
  clientKeyId?: string;
  idpIssuer?: string;
  idpClientId?: string;
  idpClientSecret?: string;
  idTokenFile?: string;
  scopes?: string;
  /** A resource URI, or `false` for `--no-resource`. */
  resource?: string | boolean;
  authorizeParam?: string[];
  authTimeout?: string | number;
  loginBackoff?: string | number;
  redirectUrl?: string;
  callbackPort?: string | number;
  callbackHost?: string;
  /** A browser command, or `false` for `--no-browser`. */
  browser?: string | boolean;
  tokenStore?: string;
  configDir?: string;
}

/** The defaults, as the user would write them (`--help` shows the same). */
export const DEFAULTS = {
  transport: 'auto',
  protocol: 'auto',
  connectTimeout: '30s',
  requestTimeout: '5m',
  maxMessageSize: '16mb',
  maxServerMessageSize: '16mb',
  authTimeout: '300s',
  loginBackoff: '5m',
  tokenStore: 'auto',
} as const;

/** The allowed values of the options that take one of a few words. */
export const CHOICES = {
  transport: ['auto', 'streamable-http', 'sse'],
  protocol: ['auto', '2025-11-25', '2026-07-28', 'legacy', 'modern'],
  tokenStore: ['auto', 'keychain', 'file'],
  callbackHost: ['127.0.0.1', 'localhost'],
} as const;
