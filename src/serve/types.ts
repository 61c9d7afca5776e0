/**
 * What the HTTP front of `serve` is given: per inbound session, the engine that carries it to the upstream servers
 * (a Bridge for one server, an Aggregator for many), and what `/readyz` reports. The wiring of servers, logins and
 * processes stays in `cli/run-serve.ts`, so this room knows nothing of them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClientChannel } from '../bridge/bridge.js';
import type { Logger } from '../log.js';
import type { InboundIdentity } from './inbound-auth/types.js';

/** One inbound session's engine: a {@link Bridge} or an {@link Aggregator} over the session's own channel. */
export interface SessionEngine {
  /** Starts reading the channel (the channel's `onmessage` is set here). */
  start(): Promise<void>;
  /** Waits (bounded) until every request forwarded so far is answered; true when none is left. */
  drain(timeoutMs: number): Promise<boolean>;
  /** Answers what is still pending with an error, ends the upstream sessions and closes the channel. Idempotent. */
  close(): Promise<void>;
  /**
   * Whether a reload retired the engine (its server changed or went): the session then answers like an unknown one
   * (404), so the client opens a new session, as MCP 2025-11-25 asks of a client that gets 404.
   */
  readonly retired?: boolean;
}

/** An upstream's state as `/readyz` shows it: a fixed word, never a reason text (which may quote a server). */
export type UpstreamState = 'ready' | 'connecting' | 'waiting for login' | 'failed' | 'closed';

/** What `/readyz` answers. */
export interface Readiness {
  /** Whether every upstream is ready. */
  ready: boolean;
  /** Each upstream by name (a config entry's name, or the host of the one URL). */
  servers: Record<string, UpstreamState>;
}

/**
 * Whether a shared store (Redis) answers, for `/readyz`: told, never counted in readiness. An instance without Redis
 * still serves what needs none (sessions it holds, 2026-07-28 requests); taking every instance out of the balancer
 * on a Redis blip would stop those too.
 */
export type StoreState = 'reachable' | 'unreachable';

/** Who an engine is for: the session's user (per-user logins and tool access will key on it) and its logger. */
export interface SessionContext {
  identity: InboundIdentity;
  /** The session's logger (its lines name the session's serial, never its id). */
  logger: Logger;
}

/** The pages of `serve` for people in a browser: the shared login callback and the status page. */
export interface WebRoutes {
  /**
   * The shared login callback (`/oauth/callback`), reached without inbound auth (the browser carries no bearer
   * token); `caller` is the user the request shows when it shows one (a trusted header), else undefined.
   */
  callback(res: ServerResponse, query: URLSearchParams, caller: string | undefined): Promise<void>;
  /** Whether a login of this process waits for the answer that names `state` (else another instance's may). */
  waitsFor(state: string): boolean;
  /** The status page's routes (`/`, `/status.css`, `/status/…`) for the signed-in `user`; false when `path` is none. */
  page(req: IncomingMessage, res: ServerResponse, path: string, user: string): Promise<boolean>;
  /**
   * Browser sign-in (browser-session/): its routes (`/auth/…`, the login links `/login/<id>`), and the user of a
   * browser session — read by the front for the status page, its forms, the login links and the callback only.
   */
  browser?: BrowserEntrance;
}

/** What the front asks of browser sign-in (serve/browser-session/browser-door.ts). */
export interface BrowserEntrance {
  /** Answers `req` when `url` is one of its routes; `who` tells the user the front can establish otherwise. */
  route(req: IncomingMessage, res: ServerResponse, url: URL, who: () => Promise<string | undefined>): Promise<boolean>;
  /**
   * The user of `req`'s browser session, if it has one.
   * @throws BridgeError `STORE` when a shared browser state cannot be reached now ({@link answerUnavailable})
   */
  identify(req: IncomingMessage): Promise<string | undefined>;
  /** Answers `res` with a 503 page when `error` says the browser state cannot be reached now; whether it did. */
  answerUnavailable(res: ServerResponse, error: unknown): boolean;
  /** Whether a browser can sign in here. */
  canSignIn(): boolean;
  /** Sends the browser to sign in, then back to `next`. */
  sendToSignIn(res: ServerResponse, next: string): void;
}

/** The endpoints' backends, made by the CLI. */
export interface ServeBackends {
  /** The browser pages, when the backends have them. */
  readonly web?: WebRoutes;
  /** The config's server names, each served alone at `/servers/<name>/mcp`; empty for one URL. */
  readonly servers: readonly string[];
  /** A new engine over `channel`: every server (`target` undefined, `/mcp`) or one server of the config alone. */
  open(target: string | undefined, channel: ClientChannel, session: SessionContext): SessionEngine;
  /** The upstreams' states for `/readyz`. */
  readiness(): Readiness;
  /** Releases what the backends hold across sessions (the readiness monitor's sessions, process guards). */
  close(): Promise<void>;
}
