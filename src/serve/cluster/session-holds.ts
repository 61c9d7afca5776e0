/**
 * What this instance tells the others about its inbound sessions: each session opened here is recorded as held here
 * (with what another instance needs to take it over: its endpoint, its server and the client's `initialize`), kept
 * alive while it is open, and forgotten when it closes. Every {@link RENEW_MS} the records are renewed; one that
 * another instance took over (this one seemed gone: Redis was out of its reach longer than its heartbeat) is closed
 * here, so a session is never served by two instances.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { ServeSession, SessionTable } from '../session-table.js';
import type { ServeCluster } from './types.js';

/** How often the records of open sessions are renewed. */
const RENEW_MS = 10_000;
/** The shortest life of a record: a session of a stopped instance can be taken over for at least this long. */
const MIN_TTL_MS = 120_000;
/** The life of a record when sessions never expire. */
const NO_IDLE_TTL_MS = 24 * 3_600_000;

/** What a session's record keeps: enough to open it again elsewhere. */
export interface HeldSession {
  kind: 'streamable' | 'sse';
  endpoint: string;
  /** The server of `/servers/<name>/…`, undefined for every server. */
  target: string | undefined;
  /** The client's `initialize` (streamable sessions). */
  initialize?: JSONRPCMessage;
  /** The session's stream tags (streamable sessions): the instance taking it over answers resumptions of their streams. */
  streamTags?: readonly string[];
}

/** Options for {@link SessionHolds}. */
export interface SessionHoldsOptions {
  cluster: ServeCluster;
  sessions: SessionTable;
  /** `--session-idle` (0: never). */
  idleMs: number;
  logger: Logger;
}

/** See the module comment. */
export class SessionHolds {
  readonly #o: SessionHoldsOptions;
  readonly #ttlMs: number;
  readonly #timer: NodeJS.Timeout;
  /** What each session held here was recorded with, to record it again if Redis lost it. */
  readonly #held = new Map<string, HeldSession>();
  #warned = false;
  #handingOver = false;

  constructor(o: SessionHoldsOptions) {
    this.#o = o;
    this.#ttlMs = o.idleMs > 0 ? Math.max(MIN_TTL_MS, o.idleMs) : NO_IDLE_TTL_MS;
    this.#timer = setInterval(() => void this.#renew(), RENEW_MS);
    this.#timer.unref();
  }

  /**
   * Records `session` as held here. When Redis cannot be reached the session still works, on this instance only
   * (logged once per outage).
   */
  async hold(session: ServeSession, held: HeldSession): Promise<void> {
    this.#held.set(session.id, held);
    try {
      await this.#o.cluster.hold({ kind: 'session', id: session.id, owner: session.owner, data: JSON.stringify(held), ttlMs: this.#ttlMs });
      this.#warned = false;
    } catch (error) {
      if (!this.#warned) this.#o.logger.warn(`session ${session.serial} is not recorded in Redis (${describeError(error)}); it works on this instance only`);
      this.#warned = true;
    }
  }

  /** Forgets a closed session, unless the instance is handing its sessions over. */
  released(session: ServeSession): void {
    if (this.#held.delete(session.id) && !this.#handingOver) this.#o.cluster.release('session', session.id);
  }

  /**
   * At a drain: the sessions closed from now on keep their records, so other instances take them over when their
   * clients come back (a restart of one instance keeps every session).
   */
  handOver(): void {
    this.#handingOver = true;
    clearInterval(this.#timer);
  }

  close(): void {
    clearInterval(this.#timer);
  }

  async #renew(): Promise<void> {
    const open = this.#o.sessions.all();
    if (open.length === 0) return;
    const held = open.filter((s) => this.#held.has(s.id));
    const { lost, missing } = await this.#o.cluster.renew('session', held.map((s) => s.id), this.#ttlMs);
    const gone = new Set(lost);
    const again = new Set(missing);
    for (const session of held) {
      if (gone.has(session.id)) void this.#o.sessions.close(session, 'taken over by another instance');
      else if (again.has(session.id)) await this.hold(session, this.#held.get(session.id)!);
    }
  }
}

/** Reads a session record's data; undefined when it is not one. */
export function heldSessionOf(data: string): HeldSession | undefined {
  try {
    const held = JSON.parse(data) as HeldSession;
    return (held.kind === 'streamable' || held.kind === 'sse') && typeof held.endpoint === 'string' ? held : undefined;
  } catch {
    return undefined;
  }
}
