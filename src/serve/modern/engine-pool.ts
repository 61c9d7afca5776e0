/**
 * The warm engines of the 2026-07-28 front. A stateless request (MCP 2026-07-28, transports/streamable-http) has no
 * session, but an engine (a Bridge or an Aggregator, types.ts) needs one: it is opened with an `initialize` built
 * from the request's `_meta` (the client's capabilities and info) and kept warm for the next request of the same
 * kind. Engines are keyed by (user, endpoint, capabilities, client info) — never shared between users, and a client
 * that declares other capabilities gets an engine whose upstreams heard those — and each is lent to one request at a
 * time (an `input_required` round keeps it until the retry or the state's expiry). Bounded per key and in all (when
 * every engine of a key is lent, `reclaim` may take back the one an unanswered round holds); an engine idle for
 * `idleMs` is closed.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { BridgeError, ErrorCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { ClientIdentity } from '../../protocol/modern-meta.js';
import { ToolCatalog } from '../../upstream/http-2026/tool-catalog.js';
import type { InboundIdentity } from '../inbound-auth/types.js';
import type { ServeBackends, SessionEngine } from '../types.js';
import { EngineChannel } from './engine-channel.js';

/** Options for {@link EnginePool}. */
export interface EnginePoolOptions {
  backends: ServeBackends;
  logger: Logger;
  /** Engines per key (concurrent requests of one user and client on one endpoint). Default 4. */
  maxPerKey?: number;
  /** Engines in all. Default 64. */
  maxTotal?: number;
  /** An engine unused this long is closed. Default 5 minutes. */
  idleMs?: number;
  /**
   * Called when every engine of `key` is lent: may give one back for good (the one an abandoned request holds) by
   * discarding it, and says whether it did. Default: never.
   */
  reclaim?: (key: string) => boolean;
}

/** Who and what an engine is for. */
export interface EngineFor {
  identity: InboundIdentity;
  /** The endpoint's path (`/mcp`, `/servers/<name>/mcp`). */
  endpoint: string;
  /** The server of `/servers/<name>/mcp`, undefined for every server. */
  target: string | undefined;
  client: ClientIdentity;
}

/** One warm engine, lent to one request at a time. */
export interface PooledEngine {
  readonly key: string;
  readonly user: string;
  readonly endpoint: string;
  readonly channel: EngineChannel;
  readonly engine: SessionEngine;
  /** The engine's answer to `initialize` (what `server/discover` answers from). */
  readonly initialized: Record<string, unknown>;
  /** The tools' `x-mcp-header` parameters, once a `tools/list` was seen (undefined again after a list change). */
  tools: ToolCatalog | undefined;
  /** The level last set with `logging/setLevel` (from a request's `_meta`). */
  logLevel: string | undefined;
  busy: boolean;
  lastUsed: number;
}

/** Thrown when every engine of the key is busy, or the pool is full of busy engines. */
export class PoolFull extends BridgeError {
  constructor(what: string) {
    super(ErrorCode.ServerUnavailable, `no engine free: ${what}`, { hint: 'retry in a moment, or raise the pool bound' });
  }
}

let serial = 0;

/** The pool; see the module comment. */
export class EnginePool {
  readonly #o: Required<EnginePoolOptions>;
  readonly #engines = new Set<PooledEngine>();
  readonly #timer: NodeJS.Timeout;
  #closed = false;

  constructor(options: EnginePoolOptions) {
    this.#o = { maxPerKey: 4, maxTotal: 64, idleMs: 5 * 60_000, reclaim: () => false, ...options };
    this.#timer = setInterval(() => this.#expire(), Math.max(1000, Math.min(this.#o.idleMs, 30_000)));
    this.#timer.unref();
  }

  /** Engines open now. */
  get size(): number {
    return this.#engines.size;
  }

  /** Lends an idle engine of the key, or opens one; throws {@link PoolFull} when the bounds are reached. */
  async acquire(f: EngineFor): Promise<PooledEngine> {
    if (this.#closed) throw new PoolFull('shutting down');
    const key = keyOf(f);
    const mine = [...this.#engines].filter((e) => e.key === key);
    const idle = mine.find((e) => !e.busy && !e.channel.closed);
    if (idle) {
      idle.busy = true;
      idle.lastUsed = Date.now();
      return idle;
    }
    if (mine.length >= this.#o.maxPerKey && !(this.#o.reclaim?.(key) && this.#count(key) < this.#o.maxPerKey)) {
      throw new PoolFull(`${mine.length} requests of this client are in progress`);
    }
    if (this.#engines.size >= this.#o.maxTotal) {
      const oldest = [...this.#engines].filter((e) => !e.busy).sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (!oldest) throw new PoolFull(`${this.#engines.size} requests are in progress`);
      await this.discard(oldest);
    }
    return this.#open(key, f);
  }

  /** Gives an engine back for the next request. */
  release(e: PooledEngine): void {
    e.busy = false;
    e.lastUsed = Date.now();
    e.channel.holder = undefined;
    if (this.#closed || e.channel.closed) void this.discard(e);
  }

  /** Closes an engine for good (a request left it in an unknown state). */
  async discard(e: PooledEngine): Promise<void> {
    if (!this.#engines.delete(e)) return;
    await e.engine.close().catch(() => undefined);
    await e.channel.close();
  }

  /** Closes every engine. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await Promise.all([...this.#engines].map((e) => this.discard(e)));
  }

  async #open(key: string, f: EngineFor): Promise<PooledEngine> {
    const logger = this.#o.logger.child({ name: `modern engine ${++serial}` });
    const channel = new EngineChannel({ logger });
    const engine = this.#o.backends.open(f.target, channel, { identity: f.identity, logger });
    const placeholder = { key, user: f.identity.user, endpoint: f.endpoint, channel, engine, initialized: {}, tools: undefined, logLevel: undefined, busy: true, lastUsed: Date.now() };
    this.#engines.add(placeholder);
    try {
      await engine.start();
      const { answer } = channel.request('initialize', {
        protocolVersion: LATEST_PROTOCOL_VERSION,
        capabilities: f.client.capabilities,
        clientInfo: f.client.clientInfo ?? { name: 'mcp-auth-bridge-serve-2026-client', version: '0' },
      });
      const init = await answer;
      if ('error' in init) {
        throw new BridgeError(ErrorCode.UpstreamHttp, `the servers behind serve could not be reached: ${init.error.message}`, { cause: init.error });
      }
      channel.notify('notifications/initialized');
      const pooled: PooledEngine = { ...placeholder, initialized: init.result };
      this.#engines.delete(placeholder);
      this.#engines.add(pooled);
      channel.onAnyNotification = (m: JSONRPCMessage) => {
        if ((m as { method?: string }).method === 'notifications/tools/list_changed') pooled.tools = undefined;
      };
      logger.debug(`opened for ${f.endpoint}`);
      return pooled;
    } catch (error) {
      this.#engines.delete(placeholder);
      await engine.close().catch(() => undefined);
      await channel.close();
      throw error;
    }
  }

  #count(key: string): number {
    let n = 0;
    for (const e of this.#engines) if (e.key === key) n++;
    return n;
  }

  #expire(): void {
    const now = Date.now();
    for (const e of this.#engines) if (!e.busy && now - e.lastUsed >= this.#o.idleMs) void this.discard(e);
  }
}

/** The pool key: the user first, so nothing can make two users' keys equal. */
function keyOf(f: EngineFor): string {
  return JSON.stringify([f.identity.user, f.endpoint, f.target ?? null, stable(f.client.capabilities), stable(f.client.clientInfo ?? null)]);
}

/** JSON with sorted keys (two equal capability objects give one key). */
function stable(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`).join(',')}}`;
}
