/**
 * The `"serve"` part of the configuration file, read for `mcp-auth-bridge serve --config`: today its `"auth"`, the
 * inbound auth methods (static tokens, JWT access tokens, a trusted identity header), and its `"users"`, who may use
 * which server and tool (serve/access/). Values are `${VAR}` expanded
 * like the rest of the file; problems name the key and never quote a value (a token is a secret).
 */
import { closestKey } from './closest.js';
import { isObject, readFlag, readText, readTextList, wrongType, type ReadContext } from './json-values.js';
import { fileProblem, type Place } from './problem.js';
import type { AccessRules } from '../../serve/access/policy.js';
import { readUsersSection } from './users-section.js';
import type { InboundAuthConfig, JwtAuthConfig, StaticTokenConfig, TrustedHeaderConfig } from '../../serve/inbound-auth/config.js';

/** The shortest static token accepted: 32 characters, e.g. 16 random bytes in hex (RFC 6750 §5.2: unguessable). */
export const MIN_STATIC_TOKEN_LENGTH = 32;

/** What the `"serve"` key loads to. */
export interface ServeSection {
  /** The inbound auth methods; `{}` when the section names none. */
  auth: InboundAuthConfig;
  /** Who may use which server and tool (serve/access/users-section.ts); undefined: everyone everything. */
  users: AccessRules;
}

const SERVE_KEYS = ['auth', 'users'] as const;
const AUTH_KEYS = ['tokens', 'jwt', 'trustedHeader', 'trustedProxies'] as const;
const TOKEN_KEYS = ['user', 'token'] as const;
const JWT_KEYS = ['issuer', 'audience', 'userClaim', 'requiredScopes', 'jwksUri', 'allowHttp', 'browserClientId', 'browserClientSecret'] as const;
const HEADER_KEYS = ['name', 'peers'] as const;
/** An HTTP field name (RFC 9110 §5.1). */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Options for {@link readServeSection}. */
export interface ServeSectionOptions {
  /** The configuration file, for messages. */
  path: string;
  ctx: ReadContext;
  /** The names of the file's servers (users' rules may name only these). */
  servers: readonly string[];
}

/**
 * Reads the `"serve"` value of the file.
 * @throws BridgeError `CONFIG` naming the key and the fix: an unknown key, a wrong type, a static token shorter than
 *   {@link MIN_STATIC_TOKEN_LENGTH} characters or given twice, an issuer that is not an https URL
 */
export function readServeSection(value: unknown, options: ServeSectionOptions): ServeSection {
  const place: Place = { path: options.path, key: 'serve' };
  const serve = objectAt(value, place, SERVE_KEYS, '"serve": { "auth": { "tokens": [ { "user": "alice", "token": "${ALICE_TOKEN}" } ] } }');
  const users = readUsersSection(serve.users, { path: options.path, servers: options.servers });
  if (serve.auth === undefined) return { auth: {}, users };
  return { auth: readAuth(serve.auth, { ...place, key: 'serve.auth' }, options.ctx), users };
}

function readAuth(value: unknown, place: Place, ctx: ReadContext): InboundAuthConfig {
  const auth = objectAt(value, place, AUTH_KEYS, '"auth": { "tokens": [ … ], "jwt": { "issuer": "https://…" } }');
  const out: InboundAuthConfig = {};
  if (auth.tokens !== undefined) out.tokens = readTokens(auth.tokens, at(place, 'tokens'), ctx);
  if (auth.jwt !== undefined) out.jwt = readJwt(auth.jwt, at(place, 'jwt'), ctx);
  if (auth.trustedHeader !== undefined) out.trustedHeader = readTrustedHeader(auth.trustedHeader, at(place, 'trustedHeader'), ctx);
  if (auth.trustedProxies !== undefined) {
    const proxies = readTextList(auth.trustedProxies, at(place, 'trustedProxies'), ctx, '"trustedProxies": ["10.0.0.0/8"]');
    if (proxies.length > 0) out.trustedProxies = proxies;
  }
  return out;
}

function readTokens(value: unknown, place: Place, ctx: ReadContext): StaticTokenConfig[] {
  const example = '"tokens": [ { "user": "alice", "token": "${ALICE_TOKEN}" } ]';
  if (!Array.isArray(value)) throw wrongType(place, value, 'a list of { "user", "token" } objects', example);
  const tokens: StaticTokenConfig[] = [];
  value.forEach((item, i) => {
    const itemPlace = { ...place, key: `${place.key}[${i}]` };
    const entry = objectAt(item, itemPlace, TOKEN_KEYS, '{ "user": "alice", "token": "${ALICE_TOKEN}" }');
    for (const key of TOKEN_KEYS) {
      if (entry[key] === undefined) throw fileProblem(itemPlace, `has no "${key}"`, `each token names its user: ${example}`);
    }
    const user = readText(entry.user, at(itemPlace, 'user'), ctx);
    if (user.trim() === '') throw fileProblem(at(itemPlace, 'user'), 'is empty', 'name the user the token stands for');
    const tokenPlace = at(itemPlace, 'token');
    const token = readText(entry.token, tokenPlace, ctx);
    tokens.push({ user, token: checkStaticToken(token, tokens, tokenPlace) });
  });
  return tokens;
}

/** Refuses a token that is too short or already listed; the message names the place, never the value. */
function checkStaticToken(token: string, before: readonly StaticTokenConfig[], place: Place): string {
  const problem = staticTokenProblem(token, before.map((t) => t.token));
  if (problem === undefined) return token;
  if (problem.kind === 'short') {
    throw fileProblem(place, `is shorter than ${MIN_STATIC_TOKEN_LENGTH} characters`, 'use a long random token, e.g. the output of `openssl rand -hex 32`, from an environment variable');
  }
  throw fileProblem(place, `is the same token as tokens[${problem.index}]`, 'give every user a token of their own: a shared token cannot tell users apart');
}

/** What is wrong with a static token: too short, or the same as an earlier one (its index). Undefined when fine. */
export type StaticTokenProblem = { kind: 'short' } | { kind: 'duplicate'; index: number };

/** The rules every static token follows, wherever it is configured (the file or `--token-file`). */
export function staticTokenProblem(token: string, earlier: readonly string[]): StaticTokenProblem | undefined {
  if (token.length < MIN_STATIC_TOKEN_LENGTH) return { kind: 'short' };
  const index = earlier.indexOf(token);
  return index === -1 ? undefined : { kind: 'duplicate', index };
}

function readJwt(value: unknown, place: Place, ctx: ReadContext): JwtAuthConfig {
  const jwt = objectAt(value, place, JWT_KEYS, '"jwt": { "issuer": "https://login.example.com", "requiredScopes": ["mcp"] }');
  if (jwt.issuer === undefined) throw fileProblem(place, 'has no "issuer"', 'name the authorization server whose tokens serve accepts: "issuer": "https://login.example.com"');
  const allowHttp = jwt.allowHttp === undefined ? false : readFlag(jwt.allowHttp, at(place, 'allowHttp'));
  const out: JwtAuthConfig = { issuer: readUrl(jwt.issuer, at(place, 'issuer'), ctx, allowHttp) };
  if (jwt.audience !== undefined) out.audience = readText(jwt.audience, at(place, 'audience'), ctx);
  if (jwt.userClaim !== undefined) out.userClaim = readText(jwt.userClaim, at(place, 'userClaim'), ctx);
  if (jwt.requiredScopes !== undefined) out.requiredScopes = readTextList(jwt.requiredScopes, at(place, 'requiredScopes'), ctx, '"requiredScopes": ["mcp"]');
  if (jwt.jwksUri !== undefined) out.jwksUri = readUrl(jwt.jwksUri, at(place, 'jwksUri'), ctx, allowHttp);
  if (jwt.browserClientId !== undefined) out.browserClientId = readText(jwt.browserClientId, at(place, 'browserClientId'), ctx);
  if (jwt.browserClientSecret !== undefined) {
    if (out.browserClientId === undefined) throw fileProblem(place, 'has "browserClientSecret" without "browserClientId"', 'name the client serve is at the issuer: "browserClientId": "mcp-status-page"');
    out.browserClientSecret = readText(jwt.browserClientSecret, at(place, 'browserClientSecret'), ctx);
  }
  if (allowHttp) out.allowHttp = true;
  return out;
}

function readTrustedHeader(value: unknown, place: Place, ctx: ReadContext): TrustedHeaderConfig {
  const header = objectAt(value, place, HEADER_KEYS, '"trustedHeader": { "name": "X-Forwarded-User", "peers": ["10.0.0.0/8"] }');
  if (header.name === undefined) throw fileProblem(place, 'has no "name"', 'name the header your proxy sets, e.g. "name": "X-Forwarded-User"');
  const name = readText(header.name, at(place, 'name'), ctx);
  if (!FIELD_NAME.test(name)) throw fileProblem(at(place, 'name'), 'is not an HTTP header name', 'e.g. "X-Forwarded-User"');
  if (header.peers === undefined) throw fileProblem(place, 'has no "peers"', 'list the addresses of the proxies allowed to set the header, e.g. "peers": ["10.0.0.0/8"]');
  const peers = readTextList(header.peers, at(place, 'peers'), ctx, '"peers": ["10.0.0.0/8", "127.0.0.1"]');
  if (peers.length === 0) throw fileProblem(at(place, 'peers'), 'is empty', 'list the addresses of the proxies allowed to set the header; with none, no request could use it');
  return { name, peers };
}

/** An absolute https URL (http on loopback, or anywhere with `allowHttp`). */
function readUrl(value: unknown, place: Place, ctx: ReadContext, allowHttp: boolean): string {
  const text = readText(value, place, ctx, '"https://login.example.com"');
  const url = parseUrl(text);
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw fileProblem(place, 'is not an https URL', 'e.g. "https://login.example.com"');
  const loopback = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/.test(url.hostname);
  if (url.protocol === 'http:' && !loopback && !allowHttp) {
    throw fileProblem(place, 'is a plain http URL', 'use https; for a network you trust, add "allowHttp": true to "jwt"');
  }
  return text;
}

/** `value` as an object whose keys are all in `keys`; an unknown key is refused with the closest known one. */
function objectAt(value: unknown, place: Place, keys: readonly string[], example: string): Record<string, unknown> {
  if (!isObject(value)) throw wrongType(place, value, 'an object', example);
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) {
      const meant = closestKey(key, keys);
      throw fileProblem(at(place, key), `is not a key of "${place.key}"`, meant === undefined ? `it takes ${keys.map((k) => `"${k}"`).join(', ')}` : `did you mean "${meant}"?`);
    }
  }
  return value;
}

function at(place: Place, key: string): Place {
  return { ...place, key: `${place.key}.${key}` };
}

/** `new URL(text)`, or null (URL.parse needs Node 20.18). */
function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
