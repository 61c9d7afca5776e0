/**
 * Inbound auth from the command line of `serve <url>` (no config file): `--token-file`, `--jwt-*`,
 * `--trusted-header` and `--trusted-peer`, checked where they enter and turned into the same
 * {@link InboundAuthConfig} the file's `"serve": { "auth": … }` gives. The token file holds one `user token` (or
 * `user:token`) a line; blank lines and `#` comments are skipped; `${VAR}` is expanded from the environment.
 */
import { readFileSync } from 'node:fs';
import { expandVariables } from '../../config/headers.js';
import { MIN_STATIC_TOKEN_LENGTH, staticTokenProblem } from '../../config/file/serve-section.js';
import { BridgeError, ErrorCode } from '../../errors.js';
import type { InboundAuthConfig, JwtAuthConfig, StaticTokenConfig } from './config.js';
import { PeerListError, PeerMatcher } from './peers.js';

/** The `serve` options for inbound auth, as the command line gives them. */
export interface InboundAuthFlags {
  /** `--token-file <path>`: static tokens, one `user token` a line. */
  tokenFile?: string | undefined;
  /** `--jwt-issuer <url>`: accept JWT access tokens of this issuer. */
  jwtIssuer?: string | undefined;
  /** `--jwt-audience <value>`: the `aud` required; default the public URL's `/mcp`. */
  jwtAudience?: string | undefined;
  /** `--jwt-user-claim <claim>`: the claim naming the user; default `sub`. */
  jwtUserClaim?: string | undefined;
  /** `--jwt-scopes <scopes>`: scopes every token must carry, separated by spaces or commas. */
  jwtScopes?: string | undefined;
  /** `--jwt-jwks-uri <url>`: the signing keys' URL, instead of the issuer metadata's. */
  jwtJwksUri?: string | undefined;
  /** `--browser-client-id <id>`: sign browsers in with the JWT issuer as this client. */
  browserClientId?: string | undefined;
  /** `--browser-client-secret-file <path>`: that client's secret (else `MCP_SERVE_BROWSER_CLIENT_SECRET`, if set). */
  browserClientSecretFile?: string | undefined;
  /** `--trusted-header <name>`: the identity header a proxy sets. */
  trustedHeader?: string | undefined;
  /** `--trusted-peer <address|cidr>` (repeatable, or comma-separated): the proxies allowed to set it. */
  trustedPeers?: string | readonly string[] | undefined;
  /** `--trusted-proxy <address|cidr>` (repeatable, or comma-separated): balancers whose X-Forwarded-For is believed. */
  trustedProxies?: string | readonly string[] | undefined;
}

/** Options for {@link inboundAuthFromFlags}. */
export interface FromFlagsOptions {
  /** Reads the token file; default `fs.readFileSync(path, 'utf8')`. */
  readFile?: (path: string) => string;
}

/**
 * The inbound auth the flags configure (`{}` for none).
 * @throws BridgeError `USAGE` for a flag without its partner, a bad URL or peer; `CONFIG` for an unreadable token
 *   file or a bad line in it (naming the line, never the token)
 */
export function inboundAuthFromFlags(flags: InboundAuthFlags, env: NodeJS.ProcessEnv, o: FromFlagsOptions = {}): InboundAuthConfig {
  const out: InboundAuthConfig = {};
  if (flags.tokenFile !== undefined) out.tokens = readTokenFile(flags.tokenFile, env, o.readFile ?? ((p) => readFileSync(p, 'utf8')));
  const jwt = jwtFromFlags(flags);
  if (jwt !== undefined) out.jwt = jwt;
  if (flags.browserClientId === undefined && flags.browserClientSecretFile !== undefined) {
    throw usage('--browser-client-secret-file needs --browser-client-id', 'name the client serve is at the issuer, e.g. --browser-client-id mcp-status-page');
  }
  if (flags.browserClientId !== undefined) {
    if (jwt === undefined) throw usage('--browser-client-id needs --jwt-issuer', 'browsers sign in with the issuer whose tokens serve accepts: add --jwt-issuer');
    jwt.browserClientId = flags.browserClientId;
    const secret = flags.browserClientSecretFile !== undefined ? readSecretFile(flags.browserClientSecretFile, o.readFile ?? ((p) => readFileSync(p, 'utf8'))) : env.MCP_SERVE_BROWSER_CLIENT_SECRET;
    if (secret !== undefined && secret !== '') jwt.browserClientSecret = secret;
  }
  const peers = listOf(flags.trustedPeers);
  if (flags.trustedHeader !== undefined || peers.length > 0) {
    if (flags.trustedHeader === undefined) throw usage('--trusted-peer needs --trusted-header', 'name the header the proxy sets, e.g. --trusted-header X-Forwarded-User');
    if (peers.length === 0) throw usage('--trusted-header needs --trusted-peer', 'list the proxies allowed to set it, e.g. --trusted-peer 10.0.0.0/8');
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(flags.trustedHeader)) throw usage('--trusted-header: not an HTTP header name', 'e.g. --trusted-header X-Forwarded-User');
    try {
      new PeerMatcher(peers);
    } catch (error) {
      if (error instanceof PeerListError) throw usage(`--trusted-peer: ${error.message}`, 'give an address (127.0.0.1, ::1) or a CIDR range (10.0.0.0/8, fd00::/8)');
      throw error;
    }
    out.trustedHeader = { name: flags.trustedHeader, peers };
  }
  const proxies = listOf(flags.trustedProxies);
  if (proxies.length > 0) {
    try {
      new PeerMatcher(proxies);
    } catch (error) {
      if (error instanceof PeerListError) throw usage(`--trusted-proxy: ${error.message}`, 'give an address (10.0.0.5, ::1) or a CIDR range (10.0.0.0/8, fd00::/8) of your load balancer');
      throw error;
    }
    out.trustedProxies = proxies;
  }
  return out;
}

function jwtFromFlags(flags: InboundAuthFlags): JwtAuthConfig | undefined {
  const dependents = ([['--jwt-audience', flags.jwtAudience], ['--jwt-user-claim', flags.jwtUserClaim], ['--jwt-scopes', flags.jwtScopes], ['--jwt-jwks-uri', flags.jwtJwksUri]] as const).filter(([, v]) => v !== undefined);
  if (flags.jwtIssuer === undefined) {
    if (dependents.length > 0) throw usage(`${dependents[0]![0]} needs --jwt-issuer`, 'name the authorization server whose tokens serve accepts, e.g. --jwt-issuer https://login.example.com');
    return undefined;
  }
  const jwt: JwtAuthConfig = { issuer: checkUrl('--jwt-issuer', flags.jwtIssuer) };
  if (flags.jwtAudience !== undefined) jwt.audience = flags.jwtAudience;
  if (flags.jwtUserClaim !== undefined) jwt.userClaim = flags.jwtUserClaim;
  if (flags.jwtScopes !== undefined) jwt.requiredScopes = flags.jwtScopes.split(/[\s,]+/).filter((s) => s !== '');
  if (flags.jwtJwksUri !== undefined) jwt.jwksUri = checkUrl('--jwt-jwks-uri', flags.jwtJwksUri);
  return jwt;
}

function checkUrl(flag: string, text: string): string {
  const url = parseUrl(text);
  const loopback = url !== null && /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/.test(url.hostname);
  if (url === null || !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) {
    throw usage(`${flag}: not an https URL`, 'e.g. https://login.example.com (plain http only on this machine)');
  }
  return text;
}

function readTokenFile(path: string, env: NodeJS.ProcessEnv, read: (path: string) => string): StaticTokenConfig[] {
  let text: string;
  try {
    text = read(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BridgeError(ErrorCode.Config, `--token-file: cannot read ${path}${code ? ` (${code})` : ''}`, { cause: error, hint: 'check the path given to --token-file' });
  }
  const tokens: StaticTokenConfig[] = [];
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `--token-file ${path} line ${i + 1}`;
    const match = /^([^\s:]+)(?:\s+|:)(\S+)$/.exec(line);
    if (!match) throw new BridgeError(ErrorCode.Config, `${where}: is not "user token"`, { hint: 'write one user and their token a line, separated by a space or a colon: alice 3f9c…' });
    const token = expandVariables(match[2]!, env, { origin: where });
    const problem = staticTokenProblem(token, tokens.map((t) => t.token));
    if (problem?.kind === 'short') {
      throw new BridgeError(ErrorCode.Config, `${where}: the token is shorter than ${MIN_STATIC_TOKEN_LENGTH} characters`, { hint: 'use a long random token, e.g. the output of `openssl rand -hex 32`' });
    }
    if (problem?.kind === 'duplicate') {
      throw new BridgeError(ErrorCode.Config, `${where}: the same token as line ${lines[problem.index]}`, { hint: 'give every user a token of their own: a shared token cannot tell users apart' });
    }
    tokens.push({ user: match[1]!, token });
    lines.push(i + 1);
  });
  if (tokens.length === 0) throw new BridgeError(ErrorCode.Config, `--token-file ${path}: names no token`, { hint: 'write one user and their token a line: alice 3f9c…' });
  return tokens;
}

function readSecretFile(path: string, read: (path: string) => string): string {
  let text: string;
  try {
    text = read(path).trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BridgeError(ErrorCode.Config, `--browser-client-secret-file: cannot read ${path}${code ? ` (${code})` : ''}`, { cause: error, hint: 'check the path given to --browser-client-secret-file' });
  }
  if (text === '') throw new BridgeError(ErrorCode.Config, `--browser-client-secret-file ${path}: is empty`, { hint: 'write the client secret the issuer gave, alone in the file' });
  return text;
}

function listOf(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const items = typeof value === 'string' ? [value] : value;
  return items.flatMap((item) => item.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

function usage(message: string, hint: string): BridgeError {
  return new BridgeError(ErrorCode.Usage, message, { hint });
}

/** `new URL(text)`, or null (URL.parse needs Node 20.18). */
function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
