/**
 * The `requestState` of the 2026-07-28 front's `input_required` answers (MCP 2026-07-28, basic/patterns/mrtr): the
 * client echoes it on its retry, so it is only a handle — 32 random bytes, base64url — to a row kept here, bound to
 * the user, the endpoint, the method and the name the first request carried, holding the engine whose request is
 * suspended. A row is used once (taken on the retry), expires after `ttlMs` (its engine is then discarded: its
 * upstream call waits for input that will not come), and the table is bounded (the oldest row is expired first).
 * The client's text is never trusted: an unknown, expired, or someone else's state is refused.
 */
import { randomBytes } from 'node:crypto';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { RequestId } from '../../protocol/jsonrpc.js';
import type { EndpointRequest } from '../front-context.js';
import type { EngineAnswer } from './engine-channel.js';
import type { PooledEngine } from './engine-pool.js';

/** What a suspended request is waiting for. */
export interface SuspendedCall {
  user: string;
  endpoint: string;
  method: string;
  /** Its `Mcp-Name` value (tool, prompt or resource), when it has one. */
  name: string | undefined;
  engine: PooledEngine;
  /** The engine's id of the request (for cancellation). */
  engineId: RequestId;
  /** The client capabilities the request declared in `_meta`. */
  capabilities: Record<string, unknown>;
  /** Whether the request asked for log messages (a log level in its `_meta`). */
  logs: boolean;
  /** The engine's answer, when it comes. */
  answer: Promise<EngineAnswer>;
  /** The server's requests the client was asked, by the key given to the client. */
  asked: Map<string, RequestId>;
  /**
   * Input responses the client sent with the request itself, without a requestState (MCP 2026-07-28,
   * basic/patterns/mrtr: a client may answer what it knows the server will ask): a server request whose key
   * (protocol/input-request-id.ts) is among them is answered with it, once, instead of being asked.
   */
  given?: Record<string, unknown>;
  /** Requests of the server that arrived after the answer was written: the next round asks them. */
  queued: Array<{ id: RequestId; method: string; params: Record<string, unknown> | undefined }>;
}

/**
 * The requestStates of one instance as the other instances on the same Redis see them (cluster/): each is
 * announced before its client learns it and forgotten when used or expired, and a retry whose state is not here is
 * routed to the instance that has it.
 */
export interface InputStateSharing {
  /** Records that this instance holds `state` (a failure is logged: the retry then works on this instance only). */
  announce(state: string, call: SuspendedCall): Promise<void>;
  /** Forgets `state` (used or expired here). */
  forget(state: string): void;
  /**
   * Relays a retry whose `state` this instance does not hold to the instance that holds it: true when it was
   * answered (relayed, or refused there); false when no live instance of this user holds it.
   */
  route(state: string, r: EndpointRequest, message: JSONRPCMessage): Promise<boolean>;
}

/** How long a client has to retry, by default. */
export const INPUT_STATE_TTL_MS = 5 * 60_000;

/** Options for {@link InputStates}. */
export interface InputStatesOptions {
  /** How long a client has to retry. Default 5 minutes. */
  ttlMs?: number;
  /** Rows at most. Default 1024. */
  max?: number;
  /** Called with a row that expired (or was pushed out) unused. */
  onExpire(call: SuspendedCall): void;
  /** Called with each state that leaves the table (taken or expired). */
  onForget?(state: string): void;
}

/** Why a state was refused. */
export type StateRefusal = 'unknown' | 'not-yours';

/** The table; see the module comment. */
export class InputStates {
  readonly #o: Required<Omit<InputStatesOptions, 'onExpire' | 'onForget'>> & Pick<InputStatesOptions, 'onExpire' | 'onForget'>;
  readonly #rows = new Map<string, { call: SuspendedCall; expires: number; timer: NodeJS.Timeout }>();

  constructor(options: InputStatesOptions) {
    this.#o = { ttlMs: INPUT_STATE_TTL_MS, max: 1024, ...options };
  }

  /** Rows held now. */
  get size(): number {
    return this.#rows.size;
  }

  /** Keeps `call` and returns the handle the client echoes. */
  put(call: SuspendedCall): string {
    while (this.#rows.size >= this.#o.max) {
      const [oldest] = this.#rows.keys();
      this.#expire(oldest!);
    }
    const state = randomBytes(32).toString('base64url');
    const timer = setTimeout(() => this.#expire(state), this.#o.ttlMs);
    timer.unref();
    this.#rows.set(state, { call, expires: Date.now() + this.#o.ttlMs, timer });
    return state;
  }

  /**
   * Takes the row of `state` for the retry of `method` (`name`) by `user` at `endpoint`; a refusal when there is
   * none, or it was made for another user, endpoint, method or name (then the row stays for its owner).
   */
  take(state: string, who: { user: string; endpoint: string; method: string; name: string | undefined }): SuspendedCall | StateRefusal {
    const row = this.#rows.get(state);
    if (!row || row.expires <= Date.now()) return 'unknown';
    const c = row.call;
    if (c.user !== who.user || c.endpoint !== who.endpoint || c.method !== who.method || c.name !== who.name) return 'not-yours';
    clearTimeout(row.timer);
    this.#rows.delete(state);
    this.#o.onForget?.(state);
    return c;
  }

  /** Expires the oldest row whose call `which` picks (its engine handed to `onExpire`); whether there was one. */
  expireOldest(which: (call: SuspendedCall) => boolean): boolean {
    for (const [state, row] of this.#rows) {
      if (!which(row.call)) continue;
      this.#expire(state);
      return true;
    }
    return false;
  }

  /** Expires every row. */
  clear(): void {
    for (const state of [...this.#rows.keys()]) this.#expire(state);
  }

  #expire(state: string): void {
    const row = this.#rows.get(state);
    if (!row) return;
    clearTimeout(row.timer);
    this.#rows.delete(state);
    this.#o.onForget?.(state);
    this.#o.onExpire(row.call);
  }
}
