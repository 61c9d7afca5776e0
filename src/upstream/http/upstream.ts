/**
 * The HTTP implementation of the {@link Upstream} port: one session over an SDK client transport (Streamable HTTP
 * or legacy SSE) wired to the {@link createUpstreamFetch} seam. The connector (connector.ts) makes a new one for every
 * upstream session (first connect, and each recovery), and the old one is retired: a retired upstream reports
 * nothing more except responses.
 *
 * It also tells when the session's standalone GET event stream has been answered ({@link HttpUpstream.listening}): the
 * SDK transport opens that stream by itself once `notifications/initialized` is accepted, and servers that write
 * server-to-client requests only there drop them while it is not open (MCP 2025-11-25, Streamable HTTP, "Listening
 * for Messages from the Server").
 */
import { randomUUID } from 'node:crypto';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike, Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { BridgeError, describeError, ErrorCode, isBridgeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { SessionVerdict, Upstream, UpstreamCloseOptions, UpstreamEvents } from '../port.js';
import { createUpstreamFetch, RELAY_STUB_KEY, type UpstreamFetchOptions } from './upstream-fetch.js';

/** The two wire protocols a remote MCP server may speak. */
export type TransportKind = 'streamable-http' | 'sse';

/** Options for {@link HttpUpstream}. */
export interface HttpUpstreamOptions {
  url: URL;
  kind: TransportKind;
  /** Static headers sent on every request (from `--header`). */
  headers: Record<string, string>;
  /** The fetch below the upstream seam (global fetch, proxy-aware fetch, or auth). */
  fetch: FetchLike;
  connectTimeoutMs: number;
  /** Largest message accepted from the server, in bytes. */
  maxMessageBytes: number;
  /** Backpressure from the client side (see {@link UpstreamFetchOptions.clientReady}). */
  clientReady?: () => Promise<void> | undefined;
  logger: Logger;
  /**
   * Where it reports: a response stream that ended early (`onResponseStreamEnd`), a 404 on a request that carried
   * the session id, or the end of the legacy SSE stream (`onSessionLost`).
   */
  events: UpstreamEvents;
}

let serial = 0;

/** A single upstream session over HTTP. See the module comment. */
export class HttpUpstream implements Upstream {
  readonly kind: TransportKind;
  /** Short name for logs: kind and a serial number, never the session id. */
  readonly label: string;
  readonly #transport: Transport & { terminateSession?: () => Promise<void> };
  readonly #handlers: UpstreamEvents;
  readonly #log: Logger;
  readonly #connectTimeoutMs: number;
  #retired = false;
  /** Relayed large responses waiting for their stub to come out of the transport, by stub token. */
  readonly #relayed = new Map<string, { message: JSONRPCMessage; raw: string }>();
  /** Settles when the first standalone GET stream got its answer (open, refused, or failed). */
  readonly #listenAnswered: Promise<void>;
  #onListenAnswered!: () => void;

  constructor(options: HttpUpstreamOptions) {
    this.kind = options.kind;
    this.label = `${options.kind}#${++serial}`;
    this.#handlers = options.events;
    this.#log = options.logger;
    this.#connectTimeoutMs = options.connectTimeoutMs;
    const fetch = createUpstreamFetch({
      fetch: options.fetch,
      connectTimeoutMs: options.connectTimeoutMs,
      maxMessageBytes: options.maxMessageBytes,
      ...(options.clientReady ? { clientReady: options.clientReady } : {}),
      logger: options.logger,
      events: {
        onResponseStreamEnd: (id, resumable, error) => {
          if (!this.#retired) this.#handlers.onResponseStreamEnd(id, resumable, error, this);
        },
        onEventStreamEnd: (error) => {
          if (this.#retired) return;
          if (this.kind === 'sse') {
            this.#handlers.onSessionLost(`the server's event stream ${error ? 'broke' : 'ended'}`, this);
          } else {
            this.#log.debug(`${this.label}: standalone event stream ${error ? 'broke' : 'ended'}; the transport reconnects`);
          }
        },
        onSessionGone: () => {
          if (!this.#retired) this.#handlers.onSessionLost('the server no longer knows the session (HTTP 404)', this);
        },
        onLargeResponse: (message, raw) => {
          const token = randomUUID();
          this.#relayed.set(token, { message, raw });
          return token;
        },
      },
    });
    this.#listenAnswered = new Promise((resolve) => (this.#onListenAnswered = resolve));
    const requestInit: RequestInit = { headers: options.headers };
    this.#transport =
      options.kind === 'sse'
        ? new SSEClientTransport(options.url, { fetch, requestInit })
        : new StreamableHTTPClientTransport(options.url, {
            fetch: this.#watchListen(fetch),
            requestInit,
            reconnectionOptions: { initialReconnectionDelay: 500, maxReconnectionDelay: 5_000, reconnectionDelayGrowFactor: 2, maxRetries: 3 },
          });
    this.#transport.onmessage = (message) => {
      const token = (message as { result?: Record<string, unknown> }).result?.[RELAY_STUB_KEY];
      const relayed = typeof token === 'string' ? this.#relayed.get(token) : undefined;
      if (relayed) {
        this.#relayed.delete(token as string);
        this.#handlers.onmessage(relayed.message, this, relayed.raw);
        return;
      }
      this.#handlers.onmessage(message, this);
    };
    this.#transport.onerror = (error) => this.#onTransportError(error);
  }

  /** Whether this upstream was replaced or closed. */
  get retired(): boolean {
    return this.#retired;
  }

  /** Whether requests now carry a session id that the server gave out (Streamable HTTP, after initialize). */
  get hasSession(): boolean {
    return this.kind === 'streamable-http' && this.#transport.sessionId !== undefined;
  }

  /**
   * Resolves once the server has answered the standalone GET stream that the transport opens after
   * `notifications/initialized` (with the stream, or 405 when it offers none, or an error), or after `timeoutMs`,
   * whichever comes first; at once for legacy SSE, whose stream is open from {@link HttpUpstream.start}. Never rejects.
   */
  listening(timeoutMs: number): Promise<void> {
    if (this.kind === 'sse') return Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([this.#listenAnswered, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]).finally(() =>
      clearTimeout(timer),
    );
  }

  /** Opens the transport; for legacy SSE, waits (up to the connect timeout) for the server's `endpoint` event. */
  async start(): Promise<void> {
    const started = this.#transport.start();
    if (this.kind !== 'sse' || this.#connectTimeoutMs <= 0) return started;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BridgeError(ErrorCode.Connect, `the SSE server sent no endpoint within ${this.#connectTimeoutMs} ms`, {
              hint: 'check that the URL is the server\'s SSE endpoint (often ending in /sse), or raise --connect-timeout',
            }),
          ),
        this.#connectTimeoutMs,
      );
    });
    try {
      await Promise.race([started, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends one message; rejects with a {@link BridgeError} when the server could not take it. */
  send(message: JSONRPCMessage): Promise<void> {
    return this.#transport.send(message);
  }

  /** Tells the transport the negotiated protocol version (sent as `MCP-Protocol-Version` from now on). */
  setProtocolVersion(version: string): void {
    this.#transport.setProtocolVersion?.(version);
  }

  /**
   * A 404 to a request that carried the session id, or (legacy SSE) to a POST: the session is lost. A 400 to a
   * request that carried the session id the server gave out: some servers answer a session they no longer know
   * that way, so it is in doubt until checked.
   */
  sessionVerdict(error: unknown): SessionVerdict {
    if (!isBridgeError(error)) return 'unrelated';
    if (error.code === ErrorCode.SessionLost || (this.kind === 'sse' && error.status === 404)) return 'lost';
    if (error.code === ErrorCode.UpstreamHttp && error.status === 400 && this.hasSession) return 'in-doubt';
    return 'unrelated';
  }

  /** Retires the upstream: no more events; a DELETE ends the session first when `terminate` is set. */
  async close(options: UpstreamCloseOptions = {}): Promise<void> {
    if (this.#retired) return;
    this.#retired = true;
    if (options.terminate && this.#transport.terminateSession && this.#transport.sessionId) {
      const ms = options.timeoutMs ?? 1_000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.#transport.terminateSession().catch((error: unknown) => this.#log.debug(`session DELETE failed: ${describeError(error)}`)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
      ]);
      clearTimeout(timer);
    }
    await this.#transport.close().catch(() => undefined);
  }

  /** Wraps the transport's fetch to notice the answer to its first standalone GET (no `Last-Event-ID`). */
  #watchListen(fetch: FetchLike): FetchLike {
    return async (input, init) => {
      const listen = (init?.method ?? 'GET').toUpperCase() === 'GET' && !new Headers(init?.headers).has('last-event-id');
      try {
        return await fetch(input, init);
      } finally {
        if (listen) this.#onListenAnswered();
      }
    };
  }

  #onTransportError(error: Error): void {
    if (this.#retired) return;
    // Send failures also reject send() and are handled there; what only arrives here is what the server sent that
    // could not be read (garbage on an event stream), and the transport's own reconnect attempts.
    if (error.name === 'ZodError' || error instanceof SyntaxError) {
      this.#log.warn(`${this.label}: ignored a message from the server that is not valid JSON-RPC: ${error.message.slice(0, 200)}`);
    } else {
      this.#log.debug(`${this.label}: ${describeError(error)}`);
    }
  }
}
