/**
 * The HTTP side of a stateless 2026-07-28 server (MCP 2026-07-28, transports/streamable-http): every message is one
 * POST on the upstream fetch stack (net/fetch-stack.ts: the auth layer — a 401 logs in or refreshes as on the 2025
 * path —, the connect timeout, the network), marked for a lean answer, answered with JSON or with an event stream
 * scoped to that request. What it keeps:
 * - the answer is read with the bounded readers of the 2025 path: event streams by `readEventStream` (size bound,
 *   backpressure, large results handed on in their bytes), JSON bodies counted against `--max-server-message-size`
 *   and, when large, checked in their bytes (json-bytes.ts) and handed on in them too;
 * - an HTTP error whose body is a JSON-RPC error (a modern server's 400, 404) is that request's answer, delivered
 *   like any other; any other HTTP error rejects with a `BridgeError` carrying the status and the evidence
 *   ({@link HttpErrorAnswer});
 * - each POST has its own abort signal: aborting it closes the request's response stream, which is the revision's
 *   cancellation;
 * - redirects only within the server's origin, as on the 2025 path.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { BridgeError, ErrorCode, isBridgeError } from '../../errors.js';
import { redact } from '../../log.js';
import { readBodyStart } from '../../net/body-start.js';
import { CONNECT_TIMEOUT } from '../../net/bounded-fetch.js';
import { connectError } from '../../net/connect-error.js';
import { bodyChunks, discardBody, LEAN_RESPONSE } from '../../net/lean-response.js';
import { HttpErrorAnswer, rpcErrorOfBody } from '../../protocol/era-signals.js';
import { classify, type RequestId } from '../../protocol/jsonrpc.js';
import { refusedAnswer } from '../../protocol/refused-answer.js';
import { MAX_JSON_DEPTH } from '../../protocol/json-depth.js';
import { readEventStream, RELAY_THRESHOLD } from '../http/event-stream-reader.js';
import { scanResponse } from '../http/json-bytes.js';
import { collectYoungGenerationSoon } from '../http/young-gc.js';
import { MAX_REDIRECTS, redirectTarget } from '../http/redirects.js';
import { answerTooLarge, SERVER_LIMIT_OPTION } from '../http/server-message-limit.js';
import type { HttpSessionSettings } from '../http/session-settings.js';
import { httpStatusHint } from '../http/status-hint.js';

/** How much of an error answer's body is read. */
const ERROR_BODY_BYTES = 16 * 1024;

/** Where one exchange's messages go. */
export interface ExchangeHandlers {
  /** A message on the request's answer; `raw` is its JSON text (or bytes) when a large result is handed on as it is. */
  onmessage(message: JSONRPCMessage, raw?: string | Uint8Array): void;
  /** Something the server sent that is not JSON-RPC. */
  onInvalid(reason: string): void;
}

/** How an exchange's answer ended. */
export interface ExchangeEnd {
  /** The request's answer arrived. */
  answered: boolean;
  /** Set when reading broke. */
  error: unknown;
}

/** A POST the server took: `done` settles when its answer has been read. */
export interface Exchange {
  done: Promise<ExchangeEnd>;
}

/** One POST to send. */
export interface ModernPost {
  /** The request (its `id` is what the answer is matched by). */
  message: JSONRPCMessage;
  id: RequestId;
  method: string;
  /** The request metadata headers (`MCP-Protocol-Version`, `Mcp-Method`, …). */
  headers: Record<string, string>;
  /** Aborts the POST and closes its answer (cancellation). */
  signal: AbortSignal;
  /** Bound the wait for the answer's head by the connect timeout (answers that should come at once). */
  quick: boolean;
}

/** The POST client of one modern server; see the module comment. */
export class ModernHttp {
  readonly #o: HttpSessionSettings;
  readonly #static: Record<string, string> = {};

  constructor(options: HttpSessionSettings) {
    this.#o = options;
    for (const [name, value] of Object.entries(options.headers)) this.#static[name.toLowerCase()] = value;
  }

  /**
   * Sends one request; resolves once the server took it, with the exchange whose `done` settles at the answer's
   * end (its messages go to `handlers` meanwhile). Rejects with a `BridgeError` when the server refused it without a
   * JSON-RPC answer.
   */
  async post(post: ModernPost, handlers: ExchangeHandlers): Promise<Exchange> {
    const headers = {
      ...this.#static,
      ...post.headers,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    const response = await this.#fetch(headers, post.quick, JSON.stringify(post.message), post.signal);
    if (!response.ok) return this.#errorAnswer(response, post, handlers);
    const type = (response.headers.get('content-type') ?? '').toLowerCase();
    if (type.startsWith('text/event-stream')) return { done: this.#readStream(response, post, handlers) };
    if (type.startsWith('application/json')) return { done: this.#readJson(response, post, handlers) };
    discardBody(response, true);
    throw new BridgeError(ErrorCode.UpstreamHttp, `the server answered ${post.method} with content type ${JSON.stringify(type || 'none')}`, {
      status: response.status,
    });
  }

  async #fetch(headers: Record<string, string>, quick: boolean, body: string, signal: AbortSignal): Promise<Response> {
    const init: RequestInit & { [LEAN_RESPONSE]?: boolean; [CONNECT_TIMEOUT]?: number } = {
      method: 'POST',
      headers,
      body,
      signal,
      [LEAN_RESPONSE]: true,
    };
    if (quick && this.#o.connectTimeoutMs > 0) init[CONNECT_TIMEOUT] = this.#o.connectTimeoutMs;
    let url = this.#o.url;
    for (let hops = 0; ; hops++) {
      let response: Response;
      try {
        response = await this.#o.fetch(url, init);
      } catch (error) {
        if (isBridgeError(error) || signal.aborted) throw error;
        throw connectError(url, error);
      }
      const target = hops < MAX_REDIRECTS ? redirectTarget(url, 'POST', response.status, response.headers.get('location')) : undefined;
      if (!target) return response;
      discardBody(response, true);
      url = target;
    }
  }

  /** An HTTP error: the request's JSON-RPC answer when its body is one, else a rejection with the evidence. */
  async #errorAnswer(response: Response, post: ModernPost, handlers: ExchangeHandlers): Promise<Exchange> {
    const text = await readBodyStart(response, ERROR_BODY_BYTES).catch(() => '');
    const rpc = rpcErrorOfBody(text);
    if (rpc && response.status >= 400 && response.status < 500) {
      handlers.onmessage({ jsonrpc: '2.0', id: post.id, error: rpc } as JSONRPCMessage);
      return { done: Promise.resolve({ answered: true, error: undefined }) };
    }
    const snippet = redact(text.replace(/\s+/g, ' ').trim().slice(0, 300));
    throw new BridgeError(ErrorCode.UpstreamHttp, `server answered HTTP ${response.status} to ${post.method}${snippet ? `: ${snippet}` : ''}`, {
      status: response.status,
      hint: httpStatusHint(response.status),
      cause: new HttpErrorAnswer(response.status, rpc),
    });
  }

  async #readStream(response: Response, post: ModernPost, handlers: ExchangeHandlers): Promise<ExchangeEnd> {
    const o = this.#o;
    const end = await readEventStream(bodyChunks(response), {
      maxBytes: o.maxMessageBytes,
      clientReady: o.clientReady ?? (() => undefined),
      logger: o.logger,
      request: { id: post.id, method: post.method },
      onmessage: (message, raw) => handlers.onmessage(message, raw),
      onInvalid: (reason) => handlers.onInvalid(reason),
      onEventId: () => undefined, // streams are not resumable in this revision
    });
    // A stream let go after an oversize answer was answered with an error: it is answered.
    return { answered: end.answered || end.released, error: end.error };
  }

  /** A plain JSON answer, bounded by the size limit; a large result keeps its text. */
  async #readJson(response: Response, post: ModernPost, handlers: ExchangeHandlers): Promise<ExchangeEnd> {
    const max = this.#o.maxMessageBytes;
    const log = this.#o.logger;
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > max) {
      discardBody(response, true);
      log.warn(`refused the server's ${declared}-byte answer to ${post.method}: over the ${max}-byte limit (${SERVER_LIMIT_OPTION})`);
      handlers.onmessage(refusedAnswer(post.id, answerTooLarge(max, post.method)));
      return { answered: true, error: undefined };
    }
    const parts: Uint8Array[] = [];
    let seen = 0;
    try {
      for await (const chunk of bodyChunks(response)) {
        seen += chunk.byteLength;
        if (seen > max) {
          discardBody(response, true);
          log.warn(`cut the server's answer to ${post.method} at ${seen} bytes: over the ${max}-byte limit (${SERVER_LIMIT_OPTION})`);
          handlers.onmessage(refusedAnswer(post.id, answerTooLarge(max, post.method)));
          return { answered: true, error: undefined };
        }
        parts.push(chunk);
      }
    } catch (error) {
      return { answered: false, error };
    }
    const bytes = Buffer.concat(parts, seen);
    // A large result to this request is checked in its bytes and handed on in them (as the event-stream reader
    // does), unless it spans lines (pretty-printed JSON), which one stdout line cannot carry as it is.
    if (seen >= RELAY_THRESHOLD && bytes.indexOf(0x0a) === -1 && bytes.indexOf(0x0d) === -1) {
      const scanned = scanResponse(bytes, MAX_JSON_DEPTH);
      if (scanned.kind === 'result' && scanned.id === post.id) {
        handlers.onmessage({ jsonrpc: '2.0', id: post.id, result: {} } as JSONRPCMessage, bytes);
        // The socket buffers and the joined copy are garbage now, outside a heap too quiet to notice (young-gc.ts).
        collectYoungGenerationSoon();
        return { answered: true, error: undefined };
      }
    }
    const text = bytes.toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      handlers.onInvalid((error as Error).message);
      return { answered: false, error };
    }
    const c = classify(value);
    if (c.kind === 'invalid') {
      handlers.onInvalid(c.reason);
      return { answered: false, error: new SyntaxError(c.reason) };
    }
    handlers.onmessage(c.message, seen >= RELAY_THRESHOLD && c.kind === 'response' ? text.replace(/\r\n|\r|\n/g, ' ') : undefined);
    return { answered: c.kind === 'response', error: undefined };
  }
}
