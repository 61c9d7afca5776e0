/**
 * The trusted identity header (`X-Forwarded-User` behind Databricks Apps or an authenticating proxy): the user a
 * request is from, when the TCP peer that sent it is one of the listed proxies. From any other peer the header is
 * ignored — anyone can set a header — and logged, at most once a minute per peer, in bounded memory.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../../log.js';
import type { PeerMatcher } from './peers.js';

/** How often an ignored header from one peer is logged. */
export const IGNORED_LOG_INTERVAL_MS = 60_000;
/** How many peers the log limiter remembers at most. */
export const MAX_REMEMBERED_PEERS = 1024;

/** What {@link TrustedHeader.identify} found. */
export type HeaderOutcome =
  /** The header from a listed peer, naming `user`. */
  | { kind: 'user'; user: string }
  /** No usable header (absent, empty, given twice, or from a peer that is not listed: then ignored and logged). */
  | { kind: 'none' };

/** Options for {@link TrustedHeader}. */
export interface TrustedHeaderOptions {
  /** The header's name (any case). */
  name: string;
  peers: PeerMatcher;
  logger: Logger;
  /** The clock, ms; default `Date.now`. */
  now?: (() => number) | undefined;
  /** How many peers the log limiter remembers at most; default {@link MAX_REMEMBERED_PEERS}. */
  maxRememberedPeers?: number | undefined;
}

/** Reads the trusted header; see the module comment. */
export class TrustedHeader {
  readonly #o: TrustedHeaderOptions;
  readonly #header: string;
  /** When an ignored header from each peer was last logged; oldest first. */
  readonly #lastLogged = new Map<string, number>();

  constructor(o: TrustedHeaderOptions) {
    this.#o = o;
    this.#header = o.name.toLowerCase();
  }

  /** The user `req` is from by the header, if it may say so. */
  identify(req: IncomingMessage): HeaderOutcome {
    const values = req.headersDistinct[this.#header];
    if (values === undefined) return { kind: 'none' };
    const peer = req.socket.remoteAddress;
    if (!this.#o.peers.matches(peer)) {
      this.#noteIgnored(peer ?? 'unknown');
      return { kind: 'none' };
    }
    // Twice means a client's value was passed on beside (or before) the proxy's: which one is the proxy's is unknown.
    if (values.length !== 1) {
      this.#o.logger.warn(`inbound auth: the ${this.#o.name} header came ${values.length} times from ${peer}; ignored (the proxy should replace it, not add it)`);
      return { kind: 'none' };
    }
    const user = values[0]!.trim();
    if (user === '') return { kind: 'none' };
    return { kind: 'user', user };
  }

  #noteIgnored(peer: string): void {
    const now = this.#o.now?.() ?? Date.now();
    const max = this.#o.maxRememberedPeers ?? MAX_REMEMBERED_PEERS;
    const last = this.#lastLogged.get(peer);
    if (last !== undefined && now - last < IGNORED_LOG_INTERVAL_MS) return;
    this.#lastLogged.delete(peer);
    // Oldest first (each entry is re-inserted when logged): drop the stale ones, and the oldest while full.
    for (const [p, at] of this.#lastLogged) {
      if (this.#lastLogged.size < max && now - at < IGNORED_LOG_INTERVAL_MS) break;
      this.#lastLogged.delete(p);
    }
    this.#lastLogged.set(peer, now);
    this.#o.logger.warn(`inbound auth: ignored the ${this.#o.name} header from ${peer}, which is not a listed peer (at most one such line a minute per peer)`);
  }

  /** How many peers the log limiter remembers now (bounded by {@link TrustedHeaderOptions.maxRememberedPeers}). */
  get rememberedPeers(): number {
    return this.#lastLogged.size;
  }
}
