/**
 * What the configuration is made of once validated: {@link ServerConfig} belongs to one remote server (the
 * aggregation issue gives each `mcpServers` entry its own), {@link ProcessConfig} to the process that serves them.
 */
import type { ClientKey } from '../auth/client-key.js';
import type { EnterpriseIdp } from '../auth/cross-app-access.js';
import type { LogLevel } from '../log.js';
import type { LoginGrant } from '../store/index.js';
import type { TransportMode } from '../upstream/http/connector.js';
import type { ProtocolChoice } from '../upstream/era/era.js';

/** Everything about one remote server: where it is, how to reach it, how long to wait, how to authorize. */
export interface ServerConfig {
  url: URL;
  transport: TransportMode;
  /** `--protocol`: the server's protocol era, or `auto` to detect it (and remember it). */
  protocol: ProtocolChoice;
  /** Static headers sent with every request (names lower-cased). */
  headers: Record<string, string>;
  /** Limit on reaching the server and opening a session; 0 = none. */
  connectTimeoutMs: number;
  /** Limit on each request; 0 = none. */
  requestTimeoutMs: number;
  /** Largest message accepted from the server (`--max-server-message-size`). */
  maxServerMessageBytes: number;
  /** `--allow-http`: plain http to hosts off this machine. */
  allowHttp: boolean;
  auth: ServerAuth;
}

/**
 * How requests to the server are authorized: `oauth` — the bridge logs in when the server asks; `static-header` —
 * the user gave an Authorization header (`-H`), sent as is; `none` — nothing (a configuration entry's `"auth": "none"`).
 */
export type ServerAuth = OAuthConfig | { kind: 'static-header' } | { kind: 'none' };

/** The validated OAuth options of one server. */
export interface OAuthConfig {
  kind: 'oauth';
  issuer: string | undefined;
  clientId: string | undefined;
  clientSecret: string | undefined;
  clientMetadataUrl: string | undefined;
  /** How to log in: the browser (default), `--device-code`, `--client-credentials`, or cross-app access (`--idp-issuer`). */
  grant: LoginGrant;
  /** `--client-key` (with `--client-key-id`), parsed. */
  clientKey: ClientKey | undefined;
  /** Cross-app access: the enterprise IdP and where the user's ID token is. */
  enterpriseIdp: EnterpriseIdp | undefined;
  scopes: string[] | undefined;
  resource: string | undefined;
  sendResource: boolean;
  extraParams: Record<string, string>;
  /** `--auth-timeout`: how long a browser or device login may take; 0 = no time limit, as for the other durations. */
  authTimeoutMs: number;
  /**
   * `--login-backoff`: after the server refused the token of a login that just finished, how long no new interactive
   * login starts (login-guard.ts); 0 = no time limit: until the user logs in again or restarts.
   */
  loginBackoffMs: number;
  redirectUrl: string | undefined;
  callbackPort: number | undefined;
  callbackHost: string | undefined;
  /** A browser command, `false` for none (print only), or undefined for the system browser. */
  browser: string | false | undefined;
  tokenStore: 'auto' | 'keychain' | 'file';
  configDir: string | undefined;
  allowHttp: boolean;
  /** `--allow-private-auth-servers`: a public MCP server may name authorization servers at non-public addresses. */
  allowPrivateAuthServers: boolean;
}

/** What belongs to the process, whatever servers it serves: logging, the banner, the client side, the network. */
export interface ProcessConfig {
  logLevel: LogLevel;
  logFile: string | undefined;
  banner: boolean;
  /** Largest message accepted from the client on stdin (`--max-message-size`). */
  maxMessageBytes: number;
  /** `--use-env-proxy`: requests go through `HTTPS_PROXY` / `HTTP_PROXY`. */
  useEnvProxy: boolean;
}

/** A validated configuration: one server and the process. */
export interface Config {
  server: ServerConfig;
  process: ProcessConfig;
}

/** The OAuth options of `server`, or undefined when the bridge does not log in for it. */
export function oauthOf(server: ServerConfig): OAuthConfig | undefined {
  return server.auth.kind === 'oauth' ? server.auth : undefined;
}
