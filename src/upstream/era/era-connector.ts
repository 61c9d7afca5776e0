/**
 * The {@link UpstreamConnector} that picks a server's protocol era (MCP 2026-07-28, basic/versioning "Backward
 * Compatibility"; transports/streamable-http "Backward Compatibility"), over the 2025 connector (upstream/http/) and
 * the 2026 one (upstream/http-2026/, loaded only when a server needs it).
 *
 * With `auto`:
 * - a server remembered as 2026-07-28 is opened as one at once (no `initialize` is sent);
 * - otherwise the client's `initialize` goes out as it always did — a 2025 server costs no extra round trip (the
 *   POST names its method in `Mcp-Method`, which 2026 servers read and 2025 servers ignore; it carries no
 *   `MCP-Protocol-Version`, so a 2026 server refuses it with a header error, which is a modern error) — and
 *   only a recognized modern refusal of it (protocol/era-signals.ts: `UnsupportedProtocolVersion` listing
 *   2026-07-28, `404` with `Method not found`, `HeaderMismatch`), or an answer that says the same with HTTP 200
 *   (`Method not found`, or a result naming a 2026 version), switches to the 2026 upstream. A dual-era server
 *   answers the `initialize`, and stays on 2025-11-25: the client's own era, with nothing to translate;
 * - when a remembered 2026 server no longer opens as one (its `server/discover` is refused without a modern error,
 *   or lists no 2026 version), the era is detected again from the `initialize`;
 * - a 2026-07-28 server is remembered ({@link EraMemory}); a server found to speak 2025-11-25 again is forgotten.
 *   2025-11-25 is what an unknown server gets anyway, so a 2025 server never costs a write.
 * A forced era (`2025-11-25`, `2026-07-28`) is used as it is and not remembered.
 */
import type { Logger } from '../../log.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { isModernInitializeAnswer, modernRefusalOf } from '../../protocol/era-signals.js';
import type { RequestId } from '../../protocol/jsonrpc.js';
import { describeError, isBridgeError, ErrorCode } from '../../errors.js';
import type { OpenRequest, Upstream, UpstreamConnector, UpstreamEvents } from '../port.js';
import type { ProtocolChoice, ProtocolEra } from './era.js';

/** Where a server's era is remembered between starts (the store's per-server record). */
export interface EraMemory {
  recall(): Promise<ProtocolEra | undefined>;
  remember(era: ProtocolEra): Promise<void>;
  forget(): Promise<void>;
}

/** Options for {@link createEraConnector}. */
export interface EraConnectorOptions {
  choice: ProtocolChoice;
  /** The 2025-11-25 connector (Streamable HTTP with the legacy SSE fallback). */
  legacy: UpstreamConnector;
  /** Makes the 2026-07-28 connector (loads its code); called at most once. */
  modern: () => Promise<UpstreamConnector>;
  /** Absent: nothing is remembered. */
  memory?: EraMemory;
  /**
   * How long a 2025 open waits for the server's answer to `initialize` (to read the era in it) before passing on
   * what the server said; default 30 s.
   */
  answerWaitMs?: number;
  /** Told the era of each session opened (for logs, `status`). */
  onEra?: (era: ProtocolEra) => void;
  logger: Logger;
}

/** Creates the connector; see the module comment. */
export function createEraConnector(options: EraConnectorOptions): UpstreamConnector {
  return new EraConnector(options);
}

class EraConnector implements UpstreamConnector {
  readonly #o: EraConnectorOptions;
  readonly #recalled: Promise<ProtocolEra | undefined>;
  #modern: Promise<UpstreamConnector> | undefined;
  #era: ProtocolEra | undefined;

  constructor(options: EraConnectorOptions) {
    this.#o = options;
    // Read at once, so the record is in hand when the client's initialize arrives.
    this.#recalled = options.choice === 'auto' && options.memory ? options.memory.recall().catch(() => undefined) : Promise.resolve(undefined);
  }

  async open(request: OpenRequest): Promise<Upstream> {
    const { choice, logger } = this.#o;
    if (choice !== 'auto') return this.#openAs(choice, request, 'open');
    const remembered = await this.#recalled;
    // What the server says waits until the era is written down, so that a client that stops at once (after its
    // initialize is answered) cannot end the process in the middle of the write.
    const gate = gateEvents(request);
    request = gate.request;
    if (remembered === '2026-07-28') {
      try {
        const up = await this.#openAs('2026-07-28', request, 'open');
        gate.release();
        return up;
      } catch (error) {
        if (!notModern(error)) throw error;
        logger.info(`the server no longer answers as a 2026-07-28 server (${describeError(error)}); detecting its protocol again`);
      }
    }
    let up: Upstream;
    try {
      up = await this.#openAs('2025-11-25', request, 'open');
      // The answer comes no later than it would without the bridge; a 2026 one (HTTP 200 carrying "initialize is
      // unknown" or a 2026 protocol version) is kept from the client, and the server is spoken to as a 2026 one.
      const answer = await gate.answerTo((request.initialize as { id?: RequestId }).id, this.#o.answerWaitMs ?? 30_000);
      if (answer && isModernInitializeAnswer(answer)) {
        logger.info('the server speaks MCP 2026-07-28 (its answer to the 2025 initialize says so): switching to the 2026-07-28 protocol');
        gate.discard(up);
        await up.close();
        up = await this.#openAs('2026-07-28', request, 'open');
      }
    } catch (error) {
      if (!modernRefusalOf(error)) throw error;
      logger.info('the server speaks MCP 2026-07-28 (it refused the 2025 initialize with a 2026 error): switching to the 2026-07-28 protocol');
      up = await this.#openAs('2026-07-28', request, 'open');
    }
    await this.#remember(remembered);
    gate.release();
    return up;
  }

  reopen(request: OpenRequest): Promise<Upstream> {
    return this.#openAs(this.#era ?? (this.#o.choice === 'auto' ? '2025-11-25' : this.#o.choice), request, 'reopen');
  }

  async #openAs(era: ProtocolEra, request: OpenRequest, how: 'open' | 'reopen'): Promise<Upstream> {
    const connector = era === '2026-07-28' ? await this.#modernConnector() : this.#o.legacy;
    const up = await connector[how](request);
    this.#era = era;
    this.#o.onEra?.(era);
    return up;
  }

  #modernConnector(): Promise<UpstreamConnector> {
    this.#modern ??= this.#o.modern();
    return this.#modern;
  }

  async #remember(remembered: ProtocolEra | undefined): Promise<void> {
    const era = this.#era;
    const memory = this.#o.memory;
    if (!era || !memory || era === remembered || (era === '2025-11-25' && remembered === undefined)) return;
    await (era === '2025-11-25' ? memory.forget() : memory.remember(era)).catch((error: unknown) => this.#o.logger.debug(`could not remember the server's protocol era: ${describeError(error)}`));
  }
}

/** What {@link gateEvents} gives: the gated request, and the held events' controls. */
interface EventGate {
  request: OpenRequest;
  /** The held answer to request `id` (once it arrives, at most `waitMs`; undefined when it does not). */
  answerTo(id: RequestId | undefined, waitMs: number): Promise<JSONRPCMessage | undefined>;
  /** Drops what `from` said and is still held. */
  discard(from: Upstream): void;
  /** Passes on what is held, in order, and everything from now on directly. */
  release(): void;
}

/** `request` with its events held back until `release()`. */
function gateEvents(request: OpenRequest): EventGate {
  const target = request.events;
  let held: { from: Upstream; deliver: () => void }[] | undefined = [];
  const answers = new Map<RequestId, JSONRPCMessage>();
  const waiters = new Map<RequestId, (message: JSONRPCMessage) => void>();
  const hold = (from: Upstream, deliver: () => void) => {
    if (held) held.push({ from, deliver });
    else deliver();
  };
  const events: UpstreamEvents = {
    onmessage: (message, from, raw) => {
      const id = (message as { id?: RequestId }).id;
      if (held && id !== undefined && !('method' in message)) {
        answers.set(id, message);
        waiters.get(id)?.(message);
      }
      hold(from, () => target.onmessage(message, from, raw));
    },
    onResponseStreamEnd: (id, resumable, error, from) => hold(from, () => target.onResponseStreamEnd(id, resumable, error, from)),
    onSessionLost: (reason, from) => hold(from, () => target.onSessionLost(reason, from)),
  };
  return {
    request: { ...request, events },
    answerTo(id, waitMs) {
      if (id === undefined) return Promise.resolve(undefined);
      const known = answers.get(id);
      if (known) return Promise.resolve(known);
      let timer: NodeJS.Timeout | undefined;
      return new Promise<JSONRPCMessage | undefined>((resolve) => {
        waiters.set(id, resolve);
        timer = setTimeout(() => resolve(undefined), waitMs);
      }).finally(() => {
        clearTimeout(timer);
        waiters.delete(id);
      });
    },
    discard(from) {
      if (held) held = held.filter((item) => item.from !== from);
      answers.clear();
    },
    release() {
      const queue = held ?? [];
      held = undefined;
      answers.clear();
      for (const item of queue) item.deliver();
    },
  };
}

/**
 * Whether a failed 2026 open says the server is not (or no longer) a 2026 server: an HTTP answer without a modern
 * JSON-RPC error, or a `server/discover` that lists no 2026 version. Network and authorization failures say nothing.
 */
function notModern(error: unknown): boolean {
  if (!isBridgeError(error, ErrorCode.UpstreamHttp)) return false;
  return modernRefusalOf(error) === undefined;
}
