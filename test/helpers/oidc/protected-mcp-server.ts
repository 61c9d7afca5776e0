/**
 * The one MCP test server (test/helpers/streamable-server.ts) with OAuth in front of it: it requires tokens and it validates JWT access tokens from the provider fixture and, in `advertise` mode, tells clients where to
 * log in — RFC 9728 protected-resource metadata plus `WWW-Authenticate` challenges carrying `resource_metadata` and
 * `scope`, as the MCP authorization spec describes. Options make it misbehave for negative tests.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { closeAfterTest, type TeardownMode } from '../cleanup.js';
import { sendJsonRpcError, type ListenOptions } from '../http-util.js';
import { startServer2026, type Server2026 } from '../server-2026.js';
import { startStreamableServer, type ServerLayer, type StreamableServer } from '../streamable-server.js';
import { bearerToken, createTokenValidator, formatBearerChallenge, type BearerChallenge, type ValidToken } from './bearer-auth.js';
import { createProtectedMcpServer } from './protected-tools.js';
import { configureAudience } from './provider.js';

/** Where the protected-resource metadata is served (RFC 9728 §3.1). */
export type MetadataLocation = 'path' | 'root';

/** Options for {@link startProtectedMcpServer}. */
export interface ProtectedMcpServerOptions extends ListenOptions {
  /** When it is closed: after the test (default) or by the caller. */
  teardown?: TeardownMode;
  /** The issuer whose tokens are accepted (checked against `iss`), e.g. `provider.issuer`. */
  issuer: string;
  /** Where the signing keys are. Default `<issuer>/jwks` (oidc-provider's). */
  jwksUri?: string;
  /** Path of the MCP endpoint. Default `/mcp`. */
  path?: string;
  /** `2026-07-28`: the MCP server behind the OAuth is the 2026 one (test/helpers/server-2026.ts, modern-only). */
  era?: '2026-07-28';
  /** A new server with its tools for each session. Default: `whoami`, `echo`, `admin` ({@link createProtectedMcpServer}). */
  createServer?: () => McpServer;
  /**
   * true (default): spec-compliant discovery — protected-resource metadata, and 401/403 challenges with
   * `resource_metadata` and `scope`. false: validate tokens only — a bare `WWW-Authenticate: Bearer` 401 and no
   * metadata (clients must be told the issuer: "issuer mode").
   */
  advertise?: boolean;
  /** Scopes every MCP request needs (else 403 `insufficient_scope`); the `scope` of 401 challenges. Default `['mcp:read']`. */
  requiredScopes?: readonly string[];
  /** Extra scopes per tool, checked on `tools/call` before the call is dispatched. Default `{ admin: ['mcp:write'] }`. */
  toolScopes?: Readonly<Record<string, readonly string[]>>;
  /** `scopes_supported` in the metadata. Default `['mcp:read', 'mcp:write']`. */
  scopesSupported?: readonly string[];
  /** Required `aud` of access tokens. Default: this server's resource URL ({@link ProtectedMcpServer.resource}). */
  audience?: string;
  /** Make the protected-resource metadata wrong (negative tests). */
  metadata?: {
    /** `resource` value served instead of the real one (a mismatch clients must reject). */
    resource?: string;
    /** `authorization_servers` served instead of `[issuer]`. */
    authorizationServers?: readonly string[];
    /** Where it is served. Default both: `/.well-known/oauth-protected-resource<path>` and the root one. */
    locations?: readonly MetadataLocation[];
    /** HTTP status to answer metadata requests with (the document is still sent). Default 200. */
    status?: number;
    /** Fields merged into the document (override or add). */
    extra?: Readonly<Record<string, unknown>>;
  };
  /**
   * Refuse a request although its token is valid (a server that refuses every token, a plain 403), decided per
   * request from the raw token and the JSON-RPC methods (`rpc`, empty for GET/DELETE); undefined lets it through.
   * 401 and 403 with an `error` carry a Bearer challenge; `body` replaces the JSON error body.
   */
  refuseToken?: (token: string, rpc: readonly string[]) => TokenRefusalAnswer | undefined;
  /** Make the challenges wrong (negative tests). */
  challenge?: {
    /** `resource_metadata` to send instead of the real URL, or false to leave it out. */
    resourceMetadata?: string | false;
    /** `scope` to send on 401 instead of `requiredScopes`, or false to leave it out. */
    scope?: string | false;
  };
}

/** How {@link ProtectedMcpServerOptions.refuseToken} refuses a request. */
export interface TokenRefusalAnswer {
  status: 401 | 403;
  error?: string;
  errorDescription?: string;
  body?: string;
}

/** One request the fixture received (never the token). */
export interface ProtectedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Whether an `Authorization` header was present. */
  authorization: boolean;
  /** Status sent (set when the head goes out). */
  status?: number;
  /** JSON-RPC methods of a POST body, in order (`tools/call:<name>` for tool calls; responses as `response:<id>`). */
  rpc: string[];
  /** The token's subject and scopes, once validated. */
  sub?: string;
  scopes?: string[];
  /** Why the token was refused (jose error code), for 401 `invalid_token`. */
  tokenError?: string;
}

/** Counts of what the fixture answered. */
export interface ProtectedServerCounters {
  /** 401 responses. */
  readonly unauthorized: number;
  /** 403 responses. */
  readonly forbidden: number;
  /** Requests for protected-resource metadata (either location, any status). */
  readonly metadataRequests: number;
  /** Requests that reached the MCP transport (authorized). */
  readonly authorized: number;
}

/** A running protected MCP server. */
export interface ProtectedMcpServer {
  /** MCP endpoint, e.g. `http://127.0.0.1:40123/mcp`; also the resource identifier (tokens' `aud`). */
  url: string;
  /** Same as {@link url}: the RFC 8707 / RFC 9728 resource identifier. */
  resource: string;
  port: number;
  /** `http://127.0.0.1:<port>/.well-known/oauth-protected-resource<path>` (served only in `advertise` mode). */
  resourceMetadataUrl: string;
  /** Every request, in arrival order (clear with `requests.length = 0`). */
  requests: ProtectedRequest[];
  counters: ProtectedServerCounters;
  /** Ids of the live MCP sessions. */
  sessionIds(): string[];
  /** Forgets every session (the next request with an old id gets 404). */
  dropSessions(): Promise<void>;
  /**
   * Switches to another authorization server (as a server that moved, or a hostile one, does): its metadata then
   * names `issuer` (unless `metadata.authorizationServers` fixed the list) and only that issuer's tokens are accepted.
   */
  trust(issuer: string, jwksUri?: string): void;
  /** Closes every session, stops listening and drops every connection. */
  close(): Promise<void>;
}

const PRM_PREFIX = '/.well-known/oauth-protected-resource';

/** Starts the protected MCP server on 127.0.0.1 (`port` or a free one); see {@link ProtectedMcpServerOptions}. */
export async function startProtectedMcpServer(options: ProtectedMcpServerOptions): Promise<ProtectedMcpServer> {
  const path = options.path ?? '/mcp';
  const advertise = options.advertise ?? true;
  const requiredScopes = options.requiredScopes ?? ['mcp:read'];
  const toolScopes = options.toolScopes ?? { admin: ['mcp:write'] };
  const locations = new Set(options.metadata?.locations ?? ['path', 'root']);
  const requests: ProtectedRequest[] = [];
  const entries = new WeakMap<IncomingMessage, ProtectedRequest>();

  // The port (hence the resource URL and audience) is known only after listening; requests cannot arrive before.
  let state: { resource: string; metadataUrl: string; validate: ReturnType<typeof createTokenValidator> } | undefined;

  let trusted = options.issuer;
  const metadataDocument = () => ({
    resource: options.metadata?.resource ?? state!.resource,
    authorization_servers: [...(options.metadata?.authorizationServers ?? [trusted])],
    scopes_supported: [...(options.scopesSupported ?? ['mcp:read', 'mcp:write'])],
    bearer_methods_supported: ['header'],
    resource_name: 'mcp-auth-bridge protected test server',
    ...options.metadata?.extra,
  });

  /** The `WWW-Authenticate` value for a refusal; `scope` is what the request needed. */
  const challenge = (parameters: BearerChallenge, scope: string): string => {
    const insufficient = parameters.error === 'insufficient_scope';
    if (!advertise) return formatBearerChallenge(insufficient ? { ...parameters, scope } : parameters);
    const configured = options.challenge ?? {};
    const announced = insufficient || configured.scope === undefined ? scope : configured.scope || undefined;
    const resourceMetadata =
      configured.resourceMetadata === undefined ? state!.metadataUrl : configured.resourceMetadata || undefined;
    return formatBearerChallenge({
      ...parameters,
      ...(announced ? { scope: announced } : {}),
      ...(resourceMetadata ? { resourceMetadata } : {}),
    });
  };

  const refuse = (res: ServerResponse, status: 401 | 403, parameters: BearerChallenge, scope: string) => {
    res.writeHead(status, { 'content-type': 'application/json', 'www-authenticate': challenge(parameters, scope) });
    const body = parameters.error
      ? { error: parameters.error, error_description: parameters.errorDescription ?? '' }
      : { error: 'unauthorized', error_description: 'access token required' };
    res.end(JSON.stringify(body));
  };

  /** Lets a request through to the MCP transport (true, `req.auth` set) or answers the refusal (false). */
  const admit = async (req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse, body: unknown): Promise<boolean> => {
    const entry = entries.get(req)!;
    const token = bearerToken(req.headers.authorization);
    const neededScope = requiredScopes.join(' ');
    if (!token) {
      const malformed = req.headers.authorization !== undefined;
      refuse(res, 401, malformed ? { error: 'invalid_request', errorDescription: 'malformed Authorization header' } : {}, neededScope);
      return false;
    }
    const result = await state!.validate.validate(token);
    if (!result.ok) {
      entry.tokenError = result.refusal.code;
      refuse(res, 401, { error: 'invalid_token', errorDescription: result.refusal.description }, neededScope);
      return false;
    }
    entry.sub = result.token.sub;
    entry.scopes = result.token.scopes;
    if (!hasAll(result.token, requiredScopes)) {
      refuse(res, 403, { error: 'insufficient_scope', errorDescription: 'token lacks a required scope' }, neededScope);
      return false;
    }

    if (req.method === 'POST') {
      if (body === undefined) {
        sendJsonRpcError(res, 400, -32700, 'Parse error');
        return false;
      }
      entry.rpc = describeRpc(body);
      const tools = toolCalls(body);
      const needed = [...new Set([...requiredScopes, ...tools.flatMap((tool) => toolScopes[tool] ?? [])])];
      if (!hasAll(result.token, needed)) {
        refuse(res, 403, { error: 'insufficient_scope', errorDescription: `tool needs scope ${needed.join(' ')}` }, needed.join(' '));
        return false;
      }
    }
    const refusal = options.refuseToken?.(token, entry.rpc);
    if (refusal) {
      if (refusal.body !== undefined) {
        const parameters: BearerChallenge = refusal.error ? { error: refusal.error, ...(refusal.errorDescription ? { errorDescription: refusal.errorDescription } : {}) } : {};
        res.writeHead(refusal.status, {
          'content-type': 'text/plain',
          ...(refusal.error || refusal.status === 401 ? { 'www-authenticate': challenge(parameters, neededScope) } : {}),
        });
        res.end(refusal.body);
      } else {
        refuse(res, refusal.status, { error: refusal.error ?? 'invalid_token', ...(refusal.errorDescription ? { errorDescription: refusal.errorDescription } : {}) }, neededScope);
      }
      return false;
    }
    req.auth = {
      token,
      clientId: result.token.clientId ?? '',
      scopes: result.token.scopes,
      expiresAt: result.token.expiresAt,
      resource: new URL(state!.resource),
      extra: { sub: result.token.sub },
    };
    return true;
  };

  const layer: ServerLayer = {
      onRequest(req, res) {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const entry: ProtectedRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          authorization: req.headers.authorization !== undefined,
          rpc: [],
        };
        requests.push(entry);
        entries.set(req, entry);
        const writeHead = res.writeHead;
        res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
          entry.status = args[0];
          return writeHead.apply(this, args);
        } as ServerResponse['writeHead'];
      },
      route(req, res, pathname) {
        const location = metadataLocation(pathname, path);
        if (location === undefined || !advertise || !locations.has(location) || req.method !== 'GET') return false;
        res.writeHead(options.metadata?.status ?? 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(metadataDocument()));
        return true;
      },
      admit,
  };
  const mcp =
    options.era === '2026-07-28'
      ? sessionless(await startServer2026({ ...(options.port !== undefined && { port: options.port }), path, layer }))
      : await startStreamableServer({
          ...(options.port !== undefined && { port: options.port }),
          path,
          createServer: options.createServer ?? createProtectedMcpServer,
          layer,
          teardown: 'manual', // closed with this server, below
        });

  const origin = `http://127.0.0.1:${mcp.port}`;
  const resource = `${origin}${path}`;
  state = {
    resource,
    metadataUrl: `${origin}${PRM_PREFIX}${path === '/' ? '' : path}`,
    validate: createTokenValidator({
      issuer: options.issuer,
      jwksUri: options.jwksUri ?? `${options.issuer}/jwks`,
      audience: options.audience ?? resource,
    }),
  };

  // A token-validating server's provider issues tokens for it without being told (no RFC 8707 resource needed).
  if (!advertise) configureAudience(options.issuer, options.audience ?? resource);

  const countStatus = (status: number) => requests.filter((r) => r.status === status).length;

  return {
    url: resource,
    resource,
    port: mcp.port,
    resourceMetadataUrl: state.metadataUrl,
    requests,
    counters: {
      get unauthorized() {
        return countStatus(401);
      },
      get forbidden() {
        return countStatus(403);
      },
      get metadataRequests() {
        return requests.filter((r) => metadataLocation(r.path, path) !== undefined).length;
      },
      get authorized() {
        return requests.filter((r) => r.path === path && r.sub !== undefined && r.status !== 403).length;
      },
    },
    sessionIds: () => mcp.sessions.ids,
    dropSessions: () => mcp.dropSessions(),
    trust(issuer, jwksUri) {
      trusted = issuer;
      state!.validate = createTokenValidator({ issuer, jwksUri: jwksUri ?? `${issuer}/jwks`, audience: options.audience ?? resource });
    },
    close: closeAfterTest(() => mcp.close(), options.teardown),
  };
}

/** A 2026 server as the session-keeping fixture's shape: it has no sessions. */
function sessionless(server: Server2026): Pick<StreamableServer, 'port' | 'close' | 'dropSessions'> & { sessions: { ids: string[] } } {
  return { port: server.port, close: () => server.close(), dropSessions: async () => undefined, sessions: { ids: [] } };
}

/** Which metadata location `pathname` is, for a resource served at `resourcePath`. */
function metadataLocation(pathname: string, resourcePath: string): MetadataLocation | undefined {
  if (pathname === PRM_PREFIX || pathname === `${PRM_PREFIX}/`) return 'root';
  if (resourcePath !== '/' && pathname === `${PRM_PREFIX}${resourcePath}`) return 'path';
  return undefined;
}

function hasAll(token: ValidToken, scopes: readonly string[]): boolean {
  return scopes.every((scope) => token.scopes.includes(scope));
}

function messagesOf(body: unknown): Record<string, unknown>[] {
  const list = Array.isArray(body) ? body : [body];
  return list.filter((m): m is Record<string, unknown> => typeof m === 'object' && m !== null);
}

function toolCalls(body: unknown): string[] {
  return messagesOf(body)
    .filter((m) => m.method === 'tools/call')
    .map((m) => String((m.params as { name?: unknown } | undefined)?.name ?? ''));
}

function describeRpc(body: unknown): string[] {
  return messagesOf(body).map((m) => {
    if (m.method === 'tools/call') return `tools/call:${String((m.params as { name?: unknown } | undefined)?.name ?? '')}`;
    if (typeof m.method === 'string') return m.method;
    return `response:${String(m.id)}`;
  });
}
