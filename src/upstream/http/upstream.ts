/**
 * The HTTP implementation of the {@link Upstream} port: one session over a {@link Wire} — our own Streamable HTTP
 * client (streamable-client.ts) or, for servers that only speak it, the legacy SSE transport (legacy-sse.ts) — on the
 * upstream fetch stack. The connector (connector.ts) makes a new one for every upstream session (first connect, and
 * each recovery), and the old one is retired: a retired upstream reports nothing more except responses.
 *
 * It also tells when the session's standalone GET event stream has been answered ({@link HttpUpstream.listening}): the
 * client opens that stream once `notifications/initialized` is accepted, and servers that write server-to-client
 * requests only there drop them while it is not open (MCP 2025-11-25, Streamable HTTP, "Listening for Messages from
 * the Server").
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { BridgeError, describeError, ErrorCode, isBridgeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { SessionVerdict, Upstream, UpstreamCloseOptions, UpstreamEvents } from '../port.js';
import { StreamableHttpClient } from './streamable-client.js';
import type { HttpSessionSettings } from './session-settings.js';
import { lazyWire, type Wire, type WireEvents } from './wire.js';

/** The two wire protocols a remote MCP server may speak. */
export type TransportKind = 'streamable-http' | 'sse';

/** Options for {@link HttpUpstream}. */
export interface HttpUpstreamOptions extends HttpSessionSettings {
  kind: TransportKind;
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
  readonly #wire: Wire;
  readonly #handlers: UpstreamEvents;
  readonly #log: Logger;
  readonly #connectTimeoutMs: number;
  #retired = false;
  /** Settles when the first standalone GET stream got its answer (open, refused, or failed). */
  readonly #listenAnswered: Promise<void>;
  #onListenAnswered!: () => void;

  constructor(options: HttpUpstreamOptions) {
    this.kind = options.kind;
    this.label = `${options.kind}#${++serial}`;
    this.#handlers = options.events;
    this.#log = options.logger;
    this.#connectTimeoutMs = options.connectTimeoutMs;
    this.#listenAnswered = new Promise((resolve) => (this.#onListenAnswered = resolve));
    const events: WireEvents = {
      // Responses still arrive once retired: their requests are waiting for them.
      onmessage: (message, raw) => this.#handlers.onmessage(message, this, raw),
      onResponseStreamEnd: (id, resumable, error) => {
        if (!this.#retired) this.#handlers.onResponseStreamEnd(id, resumable, error, this);
      },
      onEventStreamEnd: (error) => {
        if (this.#retired) return;
        if (this.kind === 'sse') {
          this.#handlers.onSessionLost(`the server's event stream ${error ? 'broke' : 'ended'}`, this);
        } else {
          this.#log.debug(`${this.label}: standalone event stream ${error ? 'broke' : 'ended'}; reconnecting`);
        }
      },
      onSessionGone: () => {
        if (!this.#retired) this.#handlers.onSessionLost('the server no longer knows the session (HTTP 404)', this);
      },
      onListenAnswered: () => this.#onListenAnswered(),
      onerror: (error) => this.#onTransportError(error),
    };
    const wire = {
      url: options.url,
      headers: options.headers,
      fetch: options.fetch,
      connectTimeoutMs: options.connectTimeoutMs,
      maxMessageBytes: options.maxMessageBytes,
      logger: options.logger,
      events,
    };
    this.#wire =
      options.kind === 'sse'
        ? lazyWire(async () =>
            (await import('./legacy-sse.js')).openLegacySse({ ...wire, ...(options.clientReady ? { clientReady: options.clientReady } : {}) }),
          )
        : streamableWire(
            new StreamableHttpClient({
              ...wire,
              clientReady: options.clientReady ?? (() => undefined),
              reconnect: { initialMs: 500, maxMs: 5_000, factor: 2, maxRetries: 3 },
            }),
          );
  }

  /** Whether this upstream was replaced or closed. */
  get retired(): boolean {
    return this.#retired;
  }

  /** Whether requests now carry a session id that the server gave out (Streamable HTTP, after initialize). */
  get hasSession(): boolean {
    return this.kind === 'streamable-http' && this.#wire.sessionId !== undefined;
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
    const started = this.#wire.start();
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
    return this.#wire.send(message);
  }

  /** Tells the wire the negotiated protocol version (sent as `MCP-Protocol-Version` from now on). */
  setProtocolVersion(version: string): void {
    this.#wire.setProtocolVersion(version);
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
    const wire = this.#wire;
    if (options.terminate && wire.terminateSession && wire.sessionId) {
      const ms = options.timeoutMs ?? 1_000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        wire.terminateSession().catch((error: unknown) => this.#log.debug(`session DELETE failed: ${describeError(error)}`)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
      ]);
      clearTimeout(timer);
    }
    await wire.close().catch(() => undefined);
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

/** The Streamable HTTP client as a {@link Wire}. */
function streamableWire(client: StreamableHttpClient): Wire {
  return {
    start: () => Promise.resolve(),
    send: (message: JSONRPCMessage) => client.send(message),
    setProtocolVersion: (version) => client.setProtocolVersion(version),
    get sessionId() {
      return client.sessionId;
    },
    terminateSession: () => client.terminateSession(),
    close: async () => client.close(),
  };
}
