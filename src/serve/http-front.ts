/**
 * The HTTP front of `serve`: one `node:http` server whose every request passes, in order, the process's own pages
 * (`/healthz`, `/readyz`: no secret, no credentials needed, for probes), the Host and Origin checks (403), a CORS
 * preflight for listed origins, the authenticators' own documents (`route`), the authenticator (its refusal
 * answered as it says), and then the endpoints: `/mcp` and `/servers/<name>/mcp` (Streamable HTTP), `/sse` and
 * `/messages` (legacy SSE, also under `/servers/<name>/`), and `/`. The drain stops new sessions, lets requests in
 * flight be answered (bounded), then closes every session.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { EndpointRequest, FrontContext } from './front-context.js';
import { answerHealth, answerHome, answerReadiness } from './health.js';
import { CALLBACK_PATH } from './users/callback-route.js';
import { answerJson, answerRpcError, TransportError } from './http-answers.js';
import type { InboundAuthenticator } from './inbound-auth/types.js';
import { openLegacy, postLegacy } from './legacy-endpoint.js';
import { createRequestGuard, PREFLIGHT_HEADERS, type RequestGuard } from './request-guard.js';
import { SessionTable } from './session-table.js';
import { handleStreamable } from './streamable-endpoint.js';
import { ModernRoom, type ModernRoomOptions } from './modern/modern-endpoint.js';
import type { ServeBackends, StoreState } from './types.js';
import { SessionHolds } from './cluster/session-holds.js';
import { SessionRoutes } from './cluster/session-routes.js';
import { clusterInputStates } from './cluster/input-state-sharing.js';
import { relayLogin } from './cluster/login-relay.js';
import { INPUT_STATE_TTL_MS } from './modern/input-states.js';
import { NOT_HELD_STATUS, type ServeCluster } from './cluster/types.js';

/** Options for {@link startHttpFront}. */
export interface HttpFrontOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  publicUrl?: URL;
  corsOrigins: readonly string[];
  authenticator: InboundAuthenticator;
  backends: ServeBackends;
  maxMessageBytes: number;
  maxSessions: number;
  /** 0: sessions never expire. */
  sessionIdleMs: number;
  /** The comment interval of long-lived event streams; default 15 s, 0: none. */
  sseKeepAliveMs?: number;
  logger: Logger;
  /** Bounds of the 2026-07-28 side (tests shorten them; defaults in modern/). */
  modern?: Pick<ModernRoomOptions, 'engines' | 'statesTtlMs'>;
  /** The other instances on the same Redis (`--store redis://…`); undefined: this process alone. */
  cluster?: ServeCluster;
  /** Whether the shared store answers, for `/readyz` (undefined: no shared store). */
  storeState?: () => StoreState;
}

/** A listening front. */
export interface HttpFront {
  /** The port actually bound. */
  readonly port: number;
  /** Whether the Host header is checked (not on a wildcard address without `--public-url`). */
  readonly checksHost: boolean;
  /** Stops new sessions and connections, waits up to `timeoutMs` for answers in flight, closes every session. */
  drain(timeoutMs: number): Promise<void>;
}

/** Listens and serves; see the module comment. */
export async function startHttpFront(o: HttpFrontOptions): Promise<HttpFront> {
  const log = o.logger;
  let holds: SessionHolds | undefined;
  const sessions = new SessionTable({ max: o.maxSessions, idleMs: o.sessionIdleMs, logger: log, onClose: (s) => holds?.released(s) });
  let draining = false;
  const sseKeepAliveMs = o.sseKeepAliveMs ?? 15_000;
  const sharing = o.cluster ? clusterInputStates({ cluster: o.cluster, ttlMs: o.modern?.statesTtlMs ?? INPUT_STATE_TTL_MS, logger: log }) : undefined;
  const modern = new ModernRoom({ ...o.modern, backends: o.backends, logger: log, draining: () => draining, sseKeepAliveMs, ...(sharing ? { sharing } : {}) });
  const ctx: FrontContext = { sessions, backends: o.backends, maxMessageBytes: o.maxMessageBytes, logger: log, draining: () => draining, modern, sseKeepAliveMs };
  if (o.cluster) {
    holds = new SessionHolds({ cluster: o.cluster, sessions, idleMs: o.sessionIdleMs, logger: log });
    ctx.cluster = { link: o.cluster, sessions: holds, routes: new SessionRoutes() };
    // Requests other instances relay here: answered by the endpoints as if they had come in (inbound auth done there).
    o.cluster.onRelayed(async (relayed, req, res) => {
      const url = new URL(relayed.url, 'http://serve.invalid');
      if (relayed.kind === 'login') return o.backends.web ? o.backends.web.callback(res, url.searchParams, relayed.identity.user || undefined) : answerJson(res, 404, { error: 'not_found' });
      const target = targetOf(url.pathname, () => o.backends.servers);
      if (target === 'unknown' || target.kind === 'home' || target.kind === 'sse') return answerJson(res, 404, { error: 'not_found' });
      // A session this instance does not hold (closed, or taken over elsewhere): the relaying instance routes again.
      const id = target.kind === 'mcp' ? relayed.headers['mcp-session-id'] : url.searchParams.get('sessionId');
      if (typeof id === 'string' && id !== '' && !sessions.has(id)) return answerRpcError(res, NOT_HELD_STATUS, TransportError.Session, 'Misdirected Request: this instance does not hold the session', relayed.cors);
      const r: EndpointRequest = { req, res, identity: relayed.identity, target: target.server, path: url.pathname, cors: relayed.cors, relayed: true };
      return target.kind === 'mcp' ? handleStreamable(ctx, r) : postLegacy(ctx, r, url);
    });
  }
  let guard: RequestGuard | undefined;
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      log.error(`${req.method} ${pathOf(req)}: ${describeError(error)}`);
      if (!res.headersSent) answerJson(res, 500, { error: 'internal error' });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://serve.invalid');
    const path = url.pathname;
    if (log.enabled('debug')) res.on('finish', () => log.debug(`${req.method} ${path} → ${res.statusCode}`));
    if (path === '/healthz') return answerHealth(res);
    if (path === '/readyz') return answerReadiness(res, o.backends.readiness(), o.storeState?.());
    const verdict = guard!.check(req);
    if (!verdict.ok) {
      log.warn(`refused ${req.method} ${path} from ${req.socket.remoteAddress ?? 'an unknown peer'}: ${verdict.why}`);
      return answerJson(res, 403, { error: 'forbidden', error_description: verdict.why });
    }
    if (req.method === 'OPTIONS' && verdict.cors['access-control-allow-origin']) return void res.writeHead(204, { ...verdict.cors, ...PREFLIGHT_HEADERS }).end();
    if (o.authenticator.route(req, res, path)) return;
    const web = o.backends.web;
    // A browser carries no bearer token: it is known by the authenticator (a trusted header; no inbound auth) or by
    // its sign-in session (browser-session/), which counts for the browser pages only, never for the endpoints.
    const browserUser = async () => {
      const who = await o.authenticator.authenticate(req);
      return who.ok ? who.identity.user : web?.browser?.identify(req);
    };
    if (web?.browser && (await web.browser.route(req, res, url, browserUser))) return;
    if (web && path === CALLBACK_PATH && req.method === 'GET') {
      // The login's `state` routes the answer (hub.ts); where browsers can sign in, the browser must say who it is,
      // so the hub refuses another user's browser finishing someone's login.
      let caller: string | undefined;
      try {
        caller = await browserUser();
      } catch (error) {
        if (web.browser?.answerUnavailable(res, error)) return;
        throw error;
      }
      if (caller === undefined && web.browser?.canSignIn()) return web.browser.sendToSignIn(res, `${path}${url.search}`);
      const state = url.searchParams.get('state');
      // A login another instance started waits there (cluster/login-sharing.ts): the answer goes to it.
      if (o.cluster && state && !web.waitsFor(state) && (await relayLogin(o.cluster, { req, res, url, caller, cors: verdict.cors }))) return;
      return web.callback(res, url.searchParams, caller);
    }
    const outcome = await o.authenticator.authenticate(req);
    if (!outcome.ok) {
      const page = web && (path === '/' || path.startsWith('/status'));
      let signedIn: string | undefined;
      try {
        signedIn = page ? await web.browser?.identify(req) : undefined;
      } catch (error) {
        // The browser session's state is shared and cannot be reached now: a 503 page (logged once by the store).
        if (web?.browser?.answerUnavailable(res, error)) return;
        throw error;
      }
      if (signedIn !== undefined && (await web!.page(req, res, path, signedIn))) return;
      if (page && path === '/' && (req.method === 'GET' || req.method === 'HEAD') && web.browser?.canSignIn()) return web.browser.sendToSignIn(res, '/');
      return answerJson(res, outcome.status, outcome.body, { ...outcome.headers, ...verdict.cors });
    }
    if (web && (path === '/' || path.startsWith('/status')) && (await web.page(req, res, path, outcome.identity.user))) return;
    const target = targetOf(path, () => o.backends.servers);
    if (target === 'unknown') return answerJson(res, 404, { error: 'not_found', error_description: `no endpoint at ${path}` }, verdict.cors);
    const r: EndpointRequest = { req, res, identity: outcome.identity, target: target.server, path, cors: verdict.cors };
    if (target.kind === 'mcp') return handleStreamable(ctx, r);
    if (target.kind === 'sse') return openLegacy(ctx, r);
    if (target.kind === 'messages') return postLegacy(ctx, r, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') return answerJson(res, 405, { error: 'method_not_allowed', error_description: 'the page at / is read with GET' }, { allow: 'GET, HEAD' });
    return answerHome(res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  guard = createRequestGuard({ host: o.host, port, ...(o.publicUrl ? { publicUrl: o.publicUrl } : {}), corsOrigins: o.corsOrigins });
  return {
    port,
    checksHost: guard.checksHost,
    drain: async (timeoutMs) => {
      // Other instances take this one's sessions over from now on (their records stay; cluster/).
      holds?.handOver();
      await o.cluster?.retire();
      await drain({ server, sessions, modern, holds }, timeoutMs, () => (draining = true), log);
    },
  };
}

type Target = { kind: 'mcp' | 'sse' | 'messages' | 'home'; server: string | undefined } | 'unknown';

const ENDPOINTS: ReadonlySet<string> = new Set(['mcp', 'sse', 'messages']);
const SERVERS_PREFIX = '/servers/';

/** Which endpoint `path` is, and for which server (`servers` is asked only for a `/servers/<name>/` path). */
function targetOf(path: string, servers: () => readonly string[]): Target {
  if (path === '/') return { kind: 'home', server: undefined };
  const slash = path.lastIndexOf('/');
  const kind = path.slice(slash + 1);
  if (!ENDPOINTS.has(kind)) return 'unknown';
  if (slash === 0) return { kind: kind as 'mcp' | 'sse' | 'messages', server: undefined };
  const encoded = path.slice(SERVERS_PREFIX.length, slash);
  if (!path.startsWith(SERVERS_PREFIX) || encoded === '' || encoded.includes('/')) return 'unknown';
  const name = encoded.includes('%') ? safeDecode(encoded) : encoded;
  if (name === undefined || !servers().includes(name)) return 'unknown';
  return { kind: kind as 'mcp' | 'sse' | 'messages', server: name };
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0]!;
}

async function drain(parts: { server: Server; sessions: SessionTable; modern: ModernRoom; holds: SessionHolds | undefined }, timeoutMs: number, start: () => void, log: Logger): Promise<void> {
  const { server, sessions, modern, holds } = parts;
  start();
  server.close();
  const open = sessions.all();
  const busy = open.filter((s) => s.inFlight() > 0).length;
  if (busy > 0) log.info(`draining: waiting up to ${timeoutMs} ms for the answers of ${busy} session(s)`);
  await Promise.all(open.map((s) => s.engine.drain(timeoutMs)));
  await sessions.closeAll('shutting down');
  await modern.close();
  holds?.close();
  server.closeAllConnections();
}

