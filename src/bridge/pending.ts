/**
 * The client requests the bridge has forwarded and not yet seen answered. Every entry ends exactly once: with the
 * server's response, or with an error the bridge sends on its own (send failure, lost stream, timeout), or by the
 * client cancelling it. That is how a client is never left waiting.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { RequestId } from '../protocol/jsonrpc.js';
import type { Upstream } from '../upstream/port.js';

/** One forwarded client request. */
export interface PendingRequest {
  readonly id: RequestId;
  readonly method: string;
  readonly message: JSONRPCMessage;
  readonly progressToken: RequestId | undefined;
  /** The upstream it was last sent on. */
  upstream: Upstream | undefined;
  /** The server accepted the HTTP request (so it may have acted on it). */
  delivered: boolean;
  /** Sends so far (1 after the first). */
  sends: number;
  timer: NodeJS.Timeout | undefined;
  /** An HTTP 400 on its session already led to a session check; a second one is the server's answer. */
  sessionChecked: boolean;
}

/** Map of pending requests by id, with their progress tokens and timers. */
export class PendingTable {
  readonly #byId = new Map<RequestId, PendingRequest>();
  readonly #byProgress = new Map<RequestId, PendingRequest>();
  #idle: { promise: Promise<void>; resolve: () => void } | undefined;

  get size(): number {
    return this.#byId.size;
  }

  add(entry: PendingRequest): void {
    this.#byId.set(entry.id, entry);
    if (entry.progressToken !== undefined) this.#byProgress.set(entry.progressToken, entry);
  }

  get(id: RequestId): PendingRequest | undefined {
    return this.#byId.get(id);
  }

  byProgressToken(token: RequestId): PendingRequest | undefined {
    return this.#byProgress.get(token);
  }

  /** Removes and returns the entry (stopping its timer), or undefined when it already ended. */
  take(id: RequestId): PendingRequest | undefined {
    const entry = this.#byId.get(id);
    if (!entry) return undefined;
    this.#byId.delete(id);
    if (entry.progressToken !== undefined && this.#byProgress.get(entry.progressToken) === entry) {
      this.#byProgress.delete(entry.progressToken);
    }
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    if (this.#byId.size === 0 && this.#idle) {
      this.#idle.resolve();
      this.#idle = undefined;
    }
    return entry;
  }

  /** Resolves when no entry is left (at once when none is). */
  idle(): Promise<void> {
    if (this.#byId.size === 0) return Promise.resolve();
    if (!this.#idle) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#idle = { promise, resolve };
    }
    return this.#idle.promise;
  }

  /** Entries last sent on `upstream`. */
  sentOn(upstream: Upstream): PendingRequest[] {
    return [...this.#byId.values()].filter((e) => e.upstream === upstream);
  }

  /** Removes every entry and stops every timer. */
  clear(): PendingRequest[] {
    const all = [...this.#byId.values()];
    for (const e of all) this.take(e.id);
    return all;
  }
}
