/**
 * The client side of one Streamable HTTP session (MCP 2025-11-25, "Streamable HTTP"), on the upstream fetch stack
 * (net/fetch-stack.ts: the auth layer, the connect timeout, the network) but without the SDK's client transport:
 * requests are marked for a {@link LeanResponse}, so no platform `Response`, `Headers` or web stream is built per
 * message, and event streams are read as the node:http streams they are ({@link readEventStream}). The SDK's
 * transport validated every message with its schema and re-serialized large results; here every message is parsed
 * once and a large response is handed on with its original text. See `npm run bench`.
 *
 * What it keeps of the protocol:
 * - `Mcp-Session-Id` from the server's answer to initialize on every later request, `MCP-Protocol-Version` once set;
 * - a POST answered with JSON or with an event stream; 202 for notifications and responses; after
 *   `notifications/initialized`, the standalone GET stream (405: the server offers none), reconnected with
 *   `Last-Event-ID` when it ends, within {@link ReconnectPolicy};
 * - a request's stream that ends before its answer but carried event ids is resumed with a GET and `Last-Event-ID`;
 * - a failed POST rejects with a {@link BridgeError} carrying the HTTP status (404 on a request that carried the
 *   session id: `SESSION_LOST`), a network failure with a `CONNECT` error; every 404 to a request with the session id
 *   is reported (`onSessionGone`);
 * - a `connectTimeoutMs` mark on everything that should answer at once (session set-up, notifications, responses,
 *   event streams, DELETE), enforced below the auth layer (net/bounded-fetch.ts);
 * - `terminateSession()`: DELETE with the session id (405 accepted).
 * Redirects are followed only within the server's origin (redirects.ts); any other is an HTTP error like any other.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { BridgeError, ErrorCode, isBridgeError } from '../../errors.js';
import { redact } from '../../log.js';
import { readBodyStart } from '../../net/body-start.js';
import { CONNECT_TIMEOUT } from '../../net/bounded-fetch.js';
import { connectError } from '../../net/connect-error.js';
import { bodyChunks, discardBody, LEAN_RESPONSE } from '../../net/lean-response.js';
import { classify, type RequestId } from '../../protocol/jsonrpc.js';
import { HttpErrorAnswer, rpcErrorOfBody } from '../../protocol/era-signals.js';
import { refusedAnswer } from '../../protocol/refused-answer.js';
import { readEventStream } from './event-stream-reader.js';
import { MAX_REDIRECTS, redirectTarget } from './redirects.js';
import { answerTooLarge, SERVER_LIMIT_OPTION } from './server-message-limit.js';
import type { HttpSessionSettings } from './session-settings.js';
import type { WireEvents } from './wire.js';
import { httpStatusHint } from './status-hint.js';

/** How the standalone stream (and a resumed one) is reconnected: delays grow from `initialMs` by `factor` up to `maxMs`. */
export interface ReconnectPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** Attempts after one ended or failed, before giving up. */
  maxRetries: number;
}

/** What the client reports to its owner: what every wire reports (wire.ts). */
export type StreamableClientEvents = WireEvents;

/** Options for {@link StreamableHttpClient}. */
export interface StreamableClientOptions extends HttpSessionSettings {
  /** Backpressure: undefined while the client can take more, else a promise that settles when it can. */
  clientReady: () => Promise<void> | undefined;
  reconnect: ReconnectPolicy;
  events: StreamableClientEvents;
}

/** How much of an error answer's body is read (for the message); the rest is not. */
const ERROR_BODY_BYTES = 4096;

/** What a stream being read is for. */
interface StreamRole {
  /** The request it answers (a POST's stream, or its resumption). */
  request?: { id: RequestId; method: string | undefined };
  /** A GET stream: reconnected when it ends. */
  reconnects: boolean;
}

/** One Streamable HTTP session; see the module comment. */
export class StreamableHttpClient {
  readonly #o: StreamableClientOptions;
  readonly #abort = new AbortController();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #static: Record<string, string>;
  #sessionId: string | undefined;
  #protocolVersion: string | undefined;
  #serverRetryMs: number | undefined;
  #closed = false;

  constructor(options: StreamableClientOptions) {
    this.#o = options;
    this.#static = {};
    for (const [name, value] of Object.entries(options.headers)) this.#static[name.toLowerCase()] = value;
  }

  /** The session id the server gave out, once it did. */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  /** Sent as `MCP-Protocol-Version` from now on. */
  setProtocolVersion(version: string): void {
    this.#protocolVersion = version;
  }

  /** Sends one message; resolves once the server took it (a request's answer arrives as a message). */
  async send(message: JSONRPCMessage): Promise<void> {
    const m = message as { id?: unknown; method?: unknown };
    const method = typeof m.method === 'string' ? m.method : undefined;
    const id = method !== undefined && (typeof m.id === 'string' || typeof m.id === 'number') ? m.id : undefined;
    // Requests (other than initialize) may legitimately take long to answer; everything else should be quick.
    const quick = id === undefined || method === 'initialize';
    const headers = this.#headers({ 'content-type': 'application/json', accept: 'application/json, text/event-stream' });
    // A dual-era server, and a 2026-07-28 one refusing it, read the method from this header (ignored by 2025 servers).
    if (method === 'initialize') headers['mcp-method'] = method;
    const response = await this.#fetch('POST', headers, quick, JSON.stringify(message));
    const sessionId = response.headers.get('mcp-session-id');
    if (sessionId) this.#sessionId = sessionId;
    if (!response.ok && response.status !== 202) throw await this.#httpError(response, headers);
    if (response.status === 202 || id === undefined) {
      discardBody(response, response.status !== 202);
      if (response.status === 202 && method === 'notifications/initialized') void this.#listen(undefined, 0, true);
      return;
    }
    const type = (response.headers.get('content-type') ?? '').toLowerCase();
    if (type.startsWith('text/event-stream')) {
      void this.#readStream(response, { request: { id, method }, reconnects: false });
    } else if (type.startsWith('application/json')) {
      await this.#readJson(response, id, method);
    } else {
      discardBody(response, true);
      throw new BridgeError(ErrorCode.UpstreamHttp, `the server answered a request with content type ${JSON.stringify(type || 'none')}`, {
        status: response.status,
        hint: 'the server does not speak Streamable HTTP as expected; try --transport sse',
      });
    }
  }

  /** Ends the session on the server (DELETE with the session id); a 405 means it cannot be ended that way. */
  async terminateSession(): Promise<void> {
    if (!this.#sessionId) return;
    const headers = this.#headers({});
    const response = await this.#fetch('DELETE', headers, true);
    discardBody(response);
    if (!response.ok && response.status !== 405) {
      throw new BridgeError(ErrorCode.UpstreamHttp, `the server answered HTTP ${response.status} to the session's DELETE`, { status: response.status });
    }
    this.#sessionId = undefined;
  }

  /** Stops everything: requests in flight, streams, reconnections. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#abort.abort();
  }

  #headers(extra: Record<string, string>): Record<string, string> {
    const session: Record<string, string> = {};
    if (this.#sessionId) session['mcp-session-id'] = this.#sessionId;
    if (this.#protocolVersion) session['mcp-protocol-version'] = this.#protocolVersion;
    return { ...session, ...this.#static, ...extra };
  }

  async #fetch(method: string, headers: Record<string, string>, quick: boolean, body?: string): Promise<Response> {
    const init: RequestInit & { [LEAN_RESPONSE]?: boolean; [CONNECT_TIMEOUT]?: number } = {
      method,
      headers,
      signal: this.#abort.signal,
      [LEAN_RESPONSE]: true,
    };
    if (body !== undefined) init.body = body;
    if (quick && this.#o.connectTimeoutMs > 0) init[CONNECT_TIMEOUT] = this.#o.connectTimeoutMs;
    let url = this.#o.url;
    let response: Response;
    for (let hops = 0; ; hops++) {
      try {
        response = await this.#o.fetch(url, init);
      } catch (error) {
        if (isBridgeError(error) || this.#abort.signal.aborted) throw error;
        throw connectError(url, error);
      }
      const target = hops < MAX_REDIRECTS ? redirectTarget(url, method, response.status, response.headers.get('location')) : undefined;
      if (!target) break;
      discardBody(response, true);
      url = target;
    }
    if (response.status === 404 && headers['mcp-session-id'] && method !== 'DELETE') this.#o.events.onSessionGone();
    return response;
  }

  /** The error for a refused POST, quoting the start of the server's answer. */
  async #httpError(response: Response, sent: Record<string, string>): Promise<BridgeError> {
    const text = await readBodyStart(response, ERROR_BODY_BYTES).catch(() => '');
    const snippet = redact(text.replace(/\s+/g, ' ').trim().slice(0, 300));
    const code = response.status === 404 && sent['mcp-session-id'] ? ErrorCode.SessionLost : ErrorCode.UpstreamHttp;
    return new BridgeError(code, `server answered HTTP ${response.status}${snippet ? `: ${snippet}` : ''}`, {
      status: response.status,
      hint: httpStatusHint(response.status),
      // The evidence era detection decides on (a modern server's JSON-RPC error), never the message.
      cause: new HttpErrorAnswer(response.status, rpcErrorOfBody(text)),
    });
  }

  /** A plain JSON answer to request `id`, bounded by the size limit. */
  async #readJson(response: Response, id: RequestId, method: string | undefined): Promise<void> {
    const max = this.#o.maxMessageBytes;
    const log = this.#o.logger;
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > max) {
      discardBody(response, true);
      log.warn(`refused the server's ${declared}-byte answer to ${method ?? 'a request'}: over the ${max}-byte limit (${SERVER_LIMIT_OPTION})`);
      this.#o.events.onmessage(refusedAnswer(id, answerTooLarge(max, method)));
      return;
    }
    const parts: Uint8Array[] = [];
    let seen = 0;
    const iterator = bodyChunks(response)[Symbol.asyncIterator]();
    for (;;) {
      const { done, value } = await iterator.next();
      if (done) break;
      seen += value.byteLength;
      if (seen > max) {
        await iterator.return?.().catch(() => undefined);
        log.warn(`cut the server's answer to ${method ?? 'a request'} at ${seen} bytes: over the ${max}-byte limit (${SERVER_LIMIT_OPTION})`);
        throw answerTooLarge(max, method);
      }
      parts.push(value);
    }
    const data: unknown = JSON.parse(Buffer.concat(parts, seen).toString('utf8'));
    for (const item of Array.isArray(data) ? data : [data]) {
      const c = classify(item);
      if (c.kind === 'invalid') throw new BridgeError(ErrorCode.UpstreamHttp, `the server answered with a message that is not JSON-RPC: ${c.reason}`);
      this.#o.events.onmessage(c.message);
    }
  }

  /** Opens a GET stream (the standalone one, or a resumption after `lastEventId`); retries within the policy. */
  async #listen(lastEventId: string | undefined, attempt: number, first: boolean, request?: StreamRole['request']): Promise<void> {
    if (this.#closed) return;
    try {
      const headers = this.#headers({ accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) });
      let response: Response;
      try {
        response = await this.#fetch('GET', headers, true);
      } finally {
        if (first) this.#o.events.onListenAnswered();
      }
      if (!response.ok) {
        discardBody(response, true);
        if (response.status === 405) return; // the server offers no standalone stream
        throw new BridgeError(ErrorCode.UpstreamHttp, `the server answered HTTP ${response.status} to the event stream's GET`, { status: response.status });
      }
      void this.#readStream(response, { ...(request ? { request } : {}), reconnects: true }, lastEventId);
    } catch (error) {
      if (this.#closed) return;
      this.#o.events.onerror(error as Error);
      if (!first || lastEventId !== undefined) this.#reconnect(lastEventId, attempt + 1, request);
    }
  }

  #reconnect(lastEventId: string | undefined, attempt: number, request: StreamRole['request']): void {
    const p = this.#o.reconnect;
    if (this.#closed) return;
    if (attempt > p.maxRetries) {
      this.#o.events.onerror(new Error(`the server's event stream could not be reopened after ${p.maxRetries} attempts`));
      return;
    }
    const delay = this.#serverRetryMs ?? Math.min(p.initialMs * p.factor ** Math.max(0, attempt - 1), p.maxMs);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#listen(lastEventId, attempt, false, request);
    }, delay);
    this.#timers.add(timer);
  }

  /** Reads an event stream to its end, then reports it and, where it can, resumes or reopens it. */
  async #readStream(response: Response, role: StreamRole, lastEventId?: string): Promise<void> {
    let lastId = lastEventId;
    const o = this.#o;
    const end = await readEventStream(bodyChunks(response), {
      maxBytes: o.maxMessageBytes,
      clientReady: o.clientReady,
      logger: o.logger,
      ...(role.request ? { request: role.request } : {}),
      onmessage: (message, raw) => o.events.onmessage(message, raw),
      onInvalid: (reason) => o.events.onerror(new SyntaxError(reason)),
      onEventId: (id) => (lastId = id),
      onRetry: (ms) => (this.#serverRetryMs = ms),
    });
    if (this.#closed || end.released) return;
    if (role.request && !role.reconnects) {
      if (!end.answered) o.events.onResponseStreamEnd(role.request.id, end.resumable && lastId !== undefined, end.error);
    } else {
      o.events.onEventStreamEnd(end.error);
    }
    if (role.request && end.answered) return;
    // A GET stream is reopened; a request's stream is resumed when its events had ids.
    if (role.reconnects || (end.resumable && lastId !== undefined)) this.#reconnect(lastId, 1, role.request);
  }
}
