/**
 * The one `subscriptions/listen` stream of a 2026 upstream (MCP 2026-07-28, basic/patterns/subscriptions): it
 * carries the change notifications a 2025 client would get on its session — the lists the server says change, and
 * the resources the client subscribed to with `resources/subscribe`. The stream is reopened with the new filter when
 * it changes, its `notifications/subscriptions/acknowledged` is swallowed, its notifications are handed on without
 * the subscription id in `_meta`, and it is reopened with backoff when it ends or breaks (the attempt count starts
 * again once a stream is acknowledged) — not when the server refuses it (a JSON-RPC error, an HTTP 4xx): that is
 * logged once, and only a new filter asks again.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describeError, ErrorCode, isBridgeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { MetaKey } from '../../protocol/modern-meta.js';
import type { Enveloped } from './envelope.js';
import type { ModernHttp } from './modern-http.js';

/** What the stream asks for (the revision's `SubscriptionFilter`). */
export interface ListenFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

/** Options for {@link ListenStream}. */
export interface ListenStreamOptions {
  http: ModernHttp;
  /** Builds the listen request (envelope and headers) under `id`. */
  request(id: string, filter: ListenFilter): Enveloped;
  /** A notification for the client. */
  onNotification(message: JSONRPCMessage): void;
  logger: Logger;
  /** Reopening delays: from `initialMs`, doubling up to `maxMs`. */
  backoff?: { initialMs: number; maxMs: number };
}

/** What the stream asks for: the lists the server's capabilities say change, and the client's subscriptions. */
export function listenFilter(serverCapabilities: Record<string, unknown>, subscriptions: ReadonlySet<string>): ListenFilter {
  const caps = serverCapabilities as Record<string, { listChanged?: unknown } | undefined>;
  return {
    ...(caps.tools?.listChanged ? { toolsListChanged: true } : {}),
    ...(caps.prompts?.listChanged ? { promptsListChanged: true } : {}),
    ...(caps.resources?.listChanged ? { resourcesListChanged: true } : {}),
    ...(subscriptions.size ? { resourceSubscriptions: [...subscriptions] } : {}),
  };
}

const ACKNOWLEDGED = 'notifications/subscriptions/acknowledged';

/** The listen stream; see the module comment. */
export class ListenStream {
  readonly #o: ListenStreamOptions;
  #filter: ListenFilter = {};
  #current: AbortController | undefined;
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #serial = 0;
  #closed = false;
  #opens = 0;
  /** The current stream was answered with a JSON-RPC error. */
  #refused = false;

  constructor(options: ListenStreamOptions) {
    this.#o = options;
  }

  /** How many times a stream was opened (for logs and tests). */
  get opens(): number {
    return this.#opens;
  }

  /** Sets what the stream asks for; (re)opens it when that changed, closes it when nothing is asked. */
  update(filter: ListenFilter): void {
    if (this.#closed || sameFilter(filter, this.#filter)) return;
    this.#filter = filter;
    this.#attempt = 0;
    this.#restart();
  }

  /** Ends the stream for good. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#current?.abort();
    this.#current = undefined;
  }

  #restart(): void {
    clearTimeout(this.#timer);
    this.#current?.abort();
    this.#current = undefined;
    if (isEmpty(this.#filter)) return;
    void this.#open();
  }

  async #open(): Promise<void> {
    const abort = new AbortController();
    this.#current = abort;
    const id = `mcp-auth-bridge/listen/${++this.#serial}`;
    const { message, headers } = this.#o.request(id, this.#filter);
    this.#opens++;
    let error: unknown;
    try {
      const exchange = await this.#o.http.post(
        { message, id, method: 'subscriptions/listen', headers, signal: abort.signal, quick: true },
        {
          onmessage: (m) => this.#onMessage(m),
          onInvalid: (reason) => this.#o.logger.debug(`listen stream: ignored a message that is not JSON-RPC: ${reason}`),
        },
      );
      error = (await exchange.done).error;
    } catch (e) {
      error = e;
    }
    if (this.#closed || abort.signal.aborted || this.#current !== abort) return;
    this.#current = undefined;
    if (this.#refused || refusal(error)) {
      // The server said no (a JSON-RPC error, or an HTTP 4xx): asking again would get the same answer. A new filter
      // (a subscription) asks again.
      this.#o.logger.warn(`the server refused the subscriptions/listen stream${error ? ` (${describeError(error)})` : ''}: change notifications will not arrive`);
      this.#refused = false;
      return;
    }
    const delay = Math.min((this.#o.backoff?.initialMs ?? 500) * 2 ** this.#attempt, this.#o.backoff?.maxMs ?? 30_000);
    this.#attempt++;
    this.#o.logger.debug(`listen stream ${error ? `broke (${describeError(error)})` : 'ended'}; reopening in ${delay} ms`);
    this.#timer = setTimeout(() => void this.#open(), delay);
    this.#timer.unref?.();
  }

  #onMessage(message: JSONRPCMessage): void {
    const m = message as { method?: unknown; params?: Record<string, unknown> };
    if (typeof m.method !== 'string') {
      if ('error' in message) {
        this.#refused = true;
        this.#o.logger.debug(`listen stream refused: ${JSON.stringify((message as { error?: unknown }).error).slice(0, 300)}`);
      }
      return; // a result ends the stream (the server closed it): reopened when the stream ends
    }
    if (m.method === ACKNOWLEDGED) {
      this.#attempt = 0;
      return;
    }
    this.#o.onNotification(withoutSubscriptionId(message));
  }
}

/** Whether `error` (what ended a listen POST) is the server's refusal: an HTTP 4xx other than 408 and 429. */
function refusal(error: unknown): boolean {
  const status = isBridgeError(error, ErrorCode.UpstreamHttp) ? error.status : undefined;
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * `message` without the subscription id in its params' `_meta`, then without a `_meta` and `params` left empty (a
 * 2025 server sends `notifications/tools/list_changed` with no params).
 */
function withoutSubscriptionId(message: JSONRPCMessage): JSONRPCMessage {
  const params = (message as { params?: Record<string, unknown> }).params;
  const meta = params?._meta as Record<string, unknown> | undefined;
  if (!meta || !(MetaKey.subscriptionId in meta)) return message;
  const { [MetaKey.subscriptionId]: _dropped, ...rest } = meta;
  const { _meta: _old, ...others } = params!;
  const kept = Object.keys(rest).length ? { ...others, _meta: rest } : others;
  const { params: _params, ...bare } = message as { params?: unknown };
  return (Object.keys(kept).length ? { ...bare, params: kept } : bare) as JSONRPCMessage;
}

function isEmpty(filter: ListenFilter): boolean {
  return !filter.toolsListChanged && !filter.promptsListChanged && !filter.resourcesListChanged && !filter.resourceSubscriptions?.length;
}

function sameFilter(a: ListenFilter, b: ListenFilter): boolean {
  const subs = (f: ListenFilter) => [...(f.resourceSubscriptions ?? [])].sort().join('\n');
  return (
    !!a.toolsListChanged === !!b.toolsListChanged &&
    !!a.promptsListChanged === !!b.promptsListChanged &&
    !!a.resourcesListChanged === !!b.resourcesListChanged &&
    subs(a) === subs(b)
  );
}
