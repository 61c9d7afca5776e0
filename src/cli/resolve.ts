/**
 * Turns raw command-line options and the environment into a validated {@link BridgeConfig}. Every problem is a
 * usage {@link BridgeError} that names the option and the fix; nothing is silently ignored.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { looksLikePem, parseClientKey, type ClientKey } from '../auth/client-key.js';
import type { EnterpriseIdp } from '../auth/cross-app-access.js';
import { isLoopbackUrl } from '../auth/url-policy.js';
import type { TransportMode } from '../upstream/http/connector.js';
import { BridgeError, ErrorCode } from '../errors.js';
import type { LogLevel } from '../log.js';
import type { LoginGrant } from '../store/index.js';
import { mergeHeaders, parseHeader, parseHeaderLines, readHeaderFile } from './headers.js';
import { FLAG_ENV, ID_TOKEN_ENV, type RawOptions } from './program.js';
import { parseDuration, parseEnvFlag, parseSize } from './values.js';

/** Everything the bridge needs to run, validated. */
export interface BridgeConfig {
  url: URL;
  transport: TransportMode;
  headers: Record<string, string>;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxMessageBytes: number;
  /** Largest message accepted from the server (`--max-server-message-size`). */
  maxServerMessageBytes: number;
  useEnvProxy: boolean;
  logLevel: LogLevel;
  logFile: string | undefined;
  banner: boolean;
  /** Undefined when auth is off (a static Authorization header was given). */
  auth: AuthConfig | undefined;
}

/** The validated auth options. */
export interface AuthConfig {
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

/** Authorization request parameters the bridge sets itself; `--authorize-param` may not change them. */
const RESERVED_PARAMS = new Set([
  'response_type',
  'client_id',
  'redirect_uri',
  'code_challenge',
  'code_challenge_method',
  'state',
  'scope',
  'resource',
  'request',
  'request_uri',
  'nonce',
  'response_mode',
]);

/** Reads `--client-key`: a path, or (from `MCP_CLIENT_KEY`) the PEM itself. */
function readClientKey(raw: RawOptions, env: NodeJS.ProcessEnv): ClientKey | undefined {
  const value = raw.clientKey;
  if (value === undefined || value === '') return undefined;
  const kid = raw.clientKeyId?.trim() || undefined;
  if (looksLikePem(value)) {
    const source = env.MCP_CLIENT_KEY === value ? 'MCP_CLIENT_KEY' : '--client-key';
    return parseClientKey(value, { source, ...(kid ? { kid } : {}) });
  }
  let pem: string;
  try {
    pem = readFileSync(value, 'utf8');
  } catch (error) {
    throw new BridgeError(ErrorCode.Usage, `--client-key: cannot read ${value}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      hint: 'give the path of a PEM private key file, or put the PEM itself in MCP_CLIENT_KEY',
    });
  }
  return parseClientKey(pem, { source: value, ...(kid ? { kid } : {}) });
}

/** The grant the options ask for, refusing combinations that contradict each other. */
function chooseGrant(raw: RawOptions, env: NodeJS.ProcessEnv, clientKey: ClientKey | undefined): LoginGrant {
  const device = raw.deviceCode ?? parseEnvFlag(FLAG_ENV.deviceCode, env[FLAG_ENV.deviceCode]) ?? false;
  const machine = raw.clientCredentials ?? parseEnvFlag(FLAG_ENV.clientCredentials, env[FLAG_ENV.clientCredentials]) ?? false;
  const crossApp = raw.idpIssuer !== undefined && raw.idpIssuer !== '';
  const chosen = [device && '--device-code', machine && '--client-credentials', crossApp && '--idp-issuer'].filter((x): x is string => typeof x === 'string');
  if (chosen.length > 1) {
    throw new BridgeError(ErrorCode.Usage, `${chosen.join(' and ')} cannot be used together (check MCP_DEVICE_CODE, MCP_CLIENT_CREDENTIALS and MCP_IDP_ISSUER too)`, {
      hint: 'choose one way to log in: --device-code (a user, on another device), --client-credentials (a machine) or --idp-issuer (cross-app access)',
    });
  }
  if (!crossApp) {
    for (const [option, value] of [['--idp-client-id', raw.idpClientId], ['--idp-client-secret', raw.idpClientSecret], ['--id-token-file', raw.idTokenFile]] as const) {
      if (value) throw new BridgeError(ErrorCode.Usage, `${option} is for cross-app access and needs --idp-issuer`, { hint: 'name your enterprise identity provider with --idp-issuer <url> (env MCP_IDP_ISSUER)' });
    }
  }
  if (machine || crossApp) {
    const what = machine ? '--client-credentials' : 'cross-app access (--idp-issuer)';
    if (!raw.clientId) {
      throw new BridgeError(ErrorCode.Usage, `${what} needs --client-id`, { hint: 'give the client registered for this at the MCP server\'s authorization server (env OIDC_CLIENT_ID)' });
    }
    if (machine && !raw.clientSecret && !clientKey) {
      throw new BridgeError(ErrorCode.Usage, '--client-credentials needs the client\'s secret or key', {
        hint: 'set OIDC_CLIENT_SECRET (or --client-secret), or --client-key <pem file> (or the PEM in MCP_CLIENT_KEY) for private_key_jwt',
      });
    }
  }
  return device ? 'device_code' : machine ? 'client_credentials' : crossApp ? 'jwt_bearer' : 'authorization_code';
}

/** Cross-app access: the IdP options and where the ID token is (`--id-token-file`, else `MCP_IDP_ID_TOKEN`). */
function resolveEnterpriseIdp(raw: RawOptions, env: NodeJS.ProcessEnv, checkUrl: (option: string, value: string | undefined) => string | undefined): EnterpriseIdp {
  const issuer = checkUrl('--idp-issuer', raw.idpIssuer)!;
  if (!raw.idpClientId) {
    throw new BridgeError(ErrorCode.Usage, '--idp-issuer needs --idp-client-id', { hint: 'give this app\'s client id at your enterprise identity provider (env MCP_IDP_CLIENT_ID)' });
  }
  const envToken = env[ID_TOKEN_ENV]?.trim();
  let idToken: EnterpriseIdp['idToken'];
  if (raw.idTokenFile) {
    try {
      accessSync(raw.idTokenFile, constants.R_OK);
    } catch (error) {
      throw new BridgeError(ErrorCode.Usage, `--id-token-file: cannot read ${raw.idTokenFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
        hint: 'give the file your enterprise sign-in writes the ID token to',
      });
    }
    idToken = { kind: 'file', path: raw.idTokenFile };
  } else if (envToken) {
    idToken = { kind: 'env', name: ID_TOKEN_ENV, value: envToken };
  } else {
    throw new BridgeError(ErrorCode.Usage, `cross-app access needs your ID token from ${issuer}`, {
      hint: `give the file that holds it with --id-token-file (env MCP_IDP_ID_TOKEN_FILE), or the token itself in ${ID_TOKEN_ENV}`,
    });
  }
  return { issuer, clientId: raw.idpClientId, ...(raw.idpClientSecret ? { clientSecret: raw.idpClientSecret } : {}), idToken };
}

function resolveAuth(raw: RawOptions, allowHttp: boolean, env: NodeJS.ProcessEnv): AuthConfig {
  const allowPrivateAuthServers = raw.allowPrivateAuthServers ?? parseEnvFlag(FLAG_ENV.allowPrivateAuthServers, env[FLAG_ENV.allowPrivateAuthServers]) ?? false;
  const extraParams: Record<string, string> = {};
  for (const item of raw.authorizeParam) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new BridgeError(ErrorCode.Usage, `--authorize-param: "${item}" is not key=value`, { hint: 'for example --authorize-param access_type=offline' });
    const key = item.slice(0, eq).trim();
    if (RESERVED_PARAMS.has(key)) {
      throw new BridgeError(ErrorCode.Usage, `--authorize-param: ${key} is set by the bridge itself`, {
        hint: key === 'scope' ? 'use --scopes' : key === 'resource' ? 'use --resource' : key === 'redirect_uri' ? 'use --redirect-url' : undefined,
      });
    }
    extraParams[key] = item.slice(eq + 1);
  }
  const scopes = raw.scopes?.split(/[\s,]+/).filter(Boolean);
  const checkUrl = (option: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new BridgeError(ErrorCode.Usage, `${option}: "${value}" is not a URL`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && (isLoopback(url) || allowHttp))) {
      throw new BridgeError(ErrorCode.Usage, `${option}: ${value} must use https:`, { hint: 'http: is accepted for this machine only, or anywhere with --allow-http' });
    }
    return value;
  };
  const issuer = checkUrl('--issuer', raw.issuer);
  const redirect = checkUrl('--redirect-url', raw.redirectUrl ?? (issuer ? 'http://localhost:8080/auth/callback' : undefined));
  if (redirect && !isLoopback(new URL(redirect))) {
    throw new BridgeError(ErrorCode.Usage, `--redirect-url: ${redirect} is not on this machine`, { hint: 'the login callback is received on a loopback address such as http://127.0.0.1:8080/callback' });
  }
  const metadataUrl = raw.clientMetadataUrl;
  if (metadataUrl !== undefined && !/^https:\/\/[^/]+\/./.test(metadataUrl)) {
    throw new BridgeError(ErrorCode.Usage, `--client-metadata-url: ${metadataUrl} must be an https URL with a path`);
  }
  let callbackPort: number | undefined;
  if (raw.callbackPort !== undefined) {
    callbackPort = Number(raw.callbackPort);
    if (!Number.isInteger(callbackPort) || callbackPort < 1 || callbackPort > 65535) {
      throw new BridgeError(ErrorCode.Usage, `--callback-port: "${raw.callbackPort}" is not a port number`, { hint: 'use a number from 1024 to 65535' });
    }
  }
  if (raw.clientSecret && !raw.clientId) {
    throw new BridgeError(ErrorCode.Usage, '--client-secret needs --client-id', { hint: 'give the client id the secret belongs to' });
  }
  if (raw.clientKey && !raw.clientId) {
    throw new BridgeError(ErrorCode.Usage, '--client-key needs --client-id', { hint: 'give the client id whose registered public key matches (MCP_CLIENT_KEY may be set in the environment)' });
  }
  if (raw.clientKeyId && !raw.clientKey) {
    throw new BridgeError(ErrorCode.Usage, '--client-key-id needs --client-key', { hint: 'give the private key the key id names' });
  }
  const clientKey = readClientKey(raw, env);
  if (clientKey && raw.clientSecret) {
    throw new BridgeError(ErrorCode.Usage, '--client-key and --client-secret cannot be used together (check OIDC_CLIENT_SECRET and MCP_CLIENT_KEY)', {
      hint: 'the client authenticates either with its key (private_key_jwt) or with its secret',
    });
  }
  const grant = chooseGrant(raw, env, clientKey);
  return {
    issuer,
    clientId: raw.clientId,
    clientSecret: raw.clientSecret,
    clientMetadataUrl: metadataUrl,
    grant,
    clientKey,
    enterpriseIdp: grant === 'jwt_bearer' ? resolveEnterpriseIdp(raw, env, checkUrl) : undefined,
    scopes: scopes && scopes.length ? scopes : undefined,
    resource: typeof raw.resource === 'string' ? checkUrl('--resource', raw.resource) : undefined,
    sendResource: raw.resource !== false,
    extraParams,
    authTimeoutMs: parseDuration('--auth-timeout', raw.authTimeout) || 300_000,
    loginBackoffMs: parseDuration('--login-backoff', raw.loginBackoff),
    redirectUrl: redirect,
    callbackPort,
    callbackHost: raw.callbackHost,
    browser: raw.browser === false ? false : typeof raw.browser === 'string' && raw.browser.trim() ? raw.browser : undefined,
    tokenStore: raw.tokenStore as AuthConfig['tokenStore'],
    configDir: raw.configDir,
    allowHttp,
    allowPrivateAuthServers,
  };
}

/** Whether `url` points at this machine (where plain http cannot be intercepted on the network). */
export const isLoopback = isLoopbackUrl;

/** Parses and checks the server URL. */
export function parseServerUrl(text: string | undefined, allowHttp: boolean): URL {
  if (!text) {
    throw new BridgeError(ErrorCode.Usage, 'no server URL given', {
      hint: 'pass it as the argument (mcp-auth-bridge https://mcp.example.com/mcp) or set MCP_BACKEND_URL',
    });
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BridgeError(ErrorCode.Usage, `"${text.slice(0, 200)}" is not a URL`, { hint: 'give the full URL, with https://' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new BridgeError(ErrorCode.Usage, `the server URL must use https: (got ${url.protocol})`);
  }
  if (url.username || url.password) {
    throw new BridgeError(ErrorCode.Usage, 'the server URL must not contain a user name or password', {
      hint: 'send credentials as a header instead: -H "Authorization: ${TOKEN}"',
    });
  }
  if (url.protocol === 'http:' && !isLoopback(url) && !allowHttp) {
    throw new BridgeError(ErrorCode.Usage, `refusing plain http to ${url.host}: anyone on the network could read or change the traffic`, {
      hint: 'use https://, or pass --allow-http if this network is trusted',
    });
  }
  url.hash = '';
  return url;
}

/** Validates `raw` (from commander) with `env` (for `MCP_*` variables). */
export function resolveBridgeConfig(urlArg: string | undefined, raw: RawOptions, env: NodeJS.ProcessEnv): BridgeConfig {
  const flag = (value: boolean | undefined, name: string) => value ?? parseEnvFlag(name, env[name]) ?? false;
  const allowHttp = flag(raw.allowHttp, FLAG_ENV.allowHttp);
  const debug = flag(raw.debug, FLAG_ENV.debug);
  const silent = flag(raw.silent, FLAG_ENV.silent);
  if (debug && silent) {
    throw new BridgeError(ErrorCode.Usage, '--silent and --debug (or their variables) cannot be used together', {
      hint: `drop one of them; check ${FLAG_ENV.debug} and ${FLAG_ENV.silent} in the environment`,
    });
  }
  const banner = raw.banner && !flag(undefined, FLAG_ENV.noBanner);
  const url = parseServerUrl(urlArg ?? env.MCP_BACKEND_URL, allowHttp);
  const headers = mergeHeaders(
    env.MCP_HEADERS ? parseHeaderLines(env.MCP_HEADERS, env, 'MCP_HEADERS') : [],
    raw.headerFile ? readHeaderFile(raw.headerFile, env) : [],
    raw.header.map((h) => parseHeader(h, env, { origin: '--header' })),
  );
  return {
    url,
    transport: raw.transport as TransportMode,
    headers,
    connectTimeoutMs: parseDuration('--connect-timeout', raw.connectTimeout),
    requestTimeoutMs: parseDuration('--request-timeout', raw.requestTimeout),
    maxMessageBytes: parseSize('--max-message-size', raw.maxMessageSize),
    maxServerMessageBytes: parseSize('--max-server-message-size', raw.maxServerMessageSize),
    useEnvProxy: flag(raw.useEnvProxy, FLAG_ENV.useEnvProxy),
    logLevel: debug ? 'debug' : silent ? 'error' : 'info',
    logFile: raw.logFile,
    banner,
    auth: headers.authorization === undefined ? resolveAuth(raw, allowHttp, env) : undefined,
  };
}

/** The URL as safe to print: origin and path; a query string (which may hold a key) is elided. */
export function displayUrl(url: URL): string {
  return `${url.origin}${url.pathname}${url.search ? '?…' : ''}`;
}
