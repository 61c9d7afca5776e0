/**
 * The inbound sessions of `serve`, by id: who owns each (the identity that created it), the session limit, idle
 * expiry, and the log lines of sessions opened and closed. A session id is a bearer capability: it is never logged
 * (lines name a serial number), and a request that names another identity's session is answered as if the session
 * did not exist.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import type { InboundIdentity } from './inbound-auth/types.js';
import type { LegacyChannel } from './legacy-channel.js';
import type { StreamableChannel } from './streamable-channel.js';
import type { SessionEngine } from './types.js';

/** One inbound session: Streamable HTTP, or legacy SSE, with its channel. */
export type ServeSession = SessionBase & ({ kind: 'streamable'; channel: StreamableChannel } | { kind: 'sse'; channel: LegacyChannel });

/** What every inbound session has. */
export interface SessionBase {
  /** The `Mcp-Session-Id` (or legacy `sessionId`): 256 random bits. Never logged. */
  readonly id: string;
  /** For log lines, in place of the id. */
  readonly serial: number;
  readonly owner: InboundIdentity;
  /** The endpoint's path (a session is valid only there). */
  readonly endpoint: string;
  readonly engine: SessionEngine;
  /** Requests still waiting for their answers (idle sessions have none). */
  inFlight(): number;
  /** Last time the client sent anything (ms since the epoch). */
  lastSeen: number;
}

/** Options for {@link SessionTable}. */
export interface SessionTableOptions {
  /** At most this many sessions at once. */
  max: number;
  /** A session with no request for this long is closed; 0: never. */
  idleMs: number;
  logger: Logger;
  now?: () => number;
  /** Told of each session closed (the cluster forgets it held it). */
  onClose?: (session: ServeSession) => void;
}

/** The sessions; see the module comment. */
export class SessionTable {
  readonly #o: SessionTableOptions;
  readonly #sessions = new Map<string, ServeSession>();
  #serial = 0;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: SessionTableOptions) {
    this.#o = options;
    if (options.idleMs > 0) {
      this.#sweeper = setInterval(() => this.#sweep(), Math.max(250, Math.min(60_000, Math.floor(options.idleMs / 4))));
      this.#sweeper.unref();
    }
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Whether another session may be opened. */
  get full(): boolean {
    return this.#sessions.size >= this.#o.max;
  }

  /** Whether the session `id` is open here (whoever owns it). */
  has(id: string): boolean {
    return this.#sessions.has(id);
  }

  /** A serial for a session about to be added under an id it already has (taken over from another instance). */
  nextSerial(): number {
    return ++this.#serial;
  }

  /** A fresh session id and serial, for a session about to be added. */
  nextId(): { id: string; serial: number } {
    return { id: randomBytes(32).toString('base64url'), serial: ++this.#serial };
  }

  add(session: ServeSession): void {
    this.#sessions.set(session.id, session);
    this.#o.logger.info(`session ${session.serial} opened (${session.kind} ${session.endpoint}) for ${describeUser(session.owner)}; ${this.#sessions.size} open`);
  }

  /**
   * The session `id` if `identity` owns it; undefined when there is none, or it is another identity's (logged:
   * someone holds a session id that is not theirs).
   */
  find(id: string | undefined, identity: InboundIdentity): ServeSession | undefined {
    if (id === undefined) return undefined;
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    if (session.owner.user !== identity.user || session.owner.method !== identity.method) {
      this.#o.logger.warn(`refused ${describeUser(identity)} the session ${session.serial} of another user (answered 404 as for an unknown session)`);
      return undefined;
    }
    if (session.engine.retired) {
      void this.close(session, 'retired by a configuration reload');
      return undefined;
    }
    session.lastSeen = this.#now();
    return session;
  }

  /** Closes one session (its engine ends its upstream sessions). Idempotent. */
  async close(session: ServeSession, why: string): Promise<void> {
    if (this.#sessions.get(session.id) !== session) return;
    this.#sessions.delete(session.id);
    this.#o.logger.info(`session ${session.serial} closed (${why}) for ${describeUser(session.owner)}; ${this.#sessions.size} open`);
    this.#o.onClose?.(session);
    await session.engine.close();
  }

  /** Every session, for the drain. */
  all(): ServeSession[] {
    return [...this.#sessions.values()];
  }

  /** Stops the idle sweeper; closes every session. */
  async closeAll(why: string): Promise<void> {
    clearInterval(this.#sweeper);
    await Promise.all(this.all().map((s) => this.close(s, why)));
  }

  #sweep(): void {
    const now = this.#now();
    for (const session of this.#sessions.values()) {
      // A session waiting for answers is busy: its idle time starts when the last one is in (to a sweep's precision).
      if (session.inFlight() > 0) session.lastSeen = now;
      else if (session.lastSeen <= now - this.#o.idleMs) void this.close(session, 'idle');
    }
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }
}

/** A user for log lines: the name and how it was established. */
export function describeUser(identity: InboundIdentity): string {
  return `user ${JSON.stringify(identity.user)} (${identity.method})`;
}
