/**
 * The `fetch` handed to the SDK's legacy SSE client transport (legacy-sse.ts; Streamable HTTP sessions use our own
 * client, streamable-client.ts, which does the same itself). It sits between the transport and the network (or, once
 * auth is on, the auth layer's fetch) and adds what a pipe must know and the SDK does not tell:
 * - a failed POST rejects with a {@link BridgeError} that carries the HTTP status (so transport fallback and
 *   session recovery branch on numbers, never on message text), and a network failure with a `CONNECT` error;
 * - a `connectTimeoutMs` mark on everything that should answer at once (session set-up, notifications,
 *   responses, event streams, DELETE), enforced at the bottom of the stack by {@link createBoundedFetch} so that
 *   time spent in the auth layer (a browser login) is not counted — requests that may run long are bounded by the
 *   bridge's request timeout instead;
 * - the end of every server-sent event stream is reported, with the request it belonged to, so a request whose
 *   stream dies before its response still gets an answer;
 * - a large response on a request's event stream (over {@link RELAY_THRESHOLD} bytes) is validated once and relayed
 *   to the client as the server wrote it: the transport gets a small stub in its place (so its own bookkeeping of
 *   the stream stays as it was), and the bridge swaps the original back in, in stream order. This spares a
 *   megabyte result the transport's decoding, schema validation and re-serialization (see `npm run bench`);
 * - no message from the server is held past `maxMessageBytes`: an event stream is cut into whole events of at most
 *   that size ({@link BoundedEventSplitter}), and a plain JSON answer is bounded by {@link boundJsonBody}. An
 *   oversize answer on a request's stream becomes a JSON-RPC error for that request and the stream is cancelled
 *   (its socket released); an oversize message on the standalone stream is dropped with a warning (answered with
 *   an error when it shows itself as a response to a request) and the stream goes on;
 * - backpressure: an event stream is read only while `clientReady` says the client can take more, so a flood of
 *   notifications waits in the server's socket, not in the bridge's memory.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { BridgeError, ErrorCode, isBridgeError } from '../../errors.js';
import { readBodyStart } from '../../net/body-start.js';
import { CONNECT_TIMEOUT, type MarkedInit } from '../../net/bounded-fetch.js';
import { connectError } from '../../net/connect-error.js';
import { redact, type Logger } from '../../log.js';
import { boundJsonBody } from './bounded-json-body.js';
import { BoundedEventSplitter, type SseOversize } from './bounded-sse.js';
import type { RequestId } from '../../protocol/jsonrpc.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../protocol/json-depth.js';
import { answerTooDeep } from '../../protocol/refused-answer.js';
import {
  answerTooLarge,
  dataOfEventHead,
  looksLikeMethodMessage,
  refusedAnswerEvent,
  responseIdOf,
  SERVER_LIMIT_OPTION,
} from './server-message-limit.js';
import { hasIdField, readEvent } from './sse-events.js';
import { httpStatusHint } from './status-hint.js';

/** What the upstream fetch reports to its owner. */
export interface UpstreamFetchEvents {
  /**
   * The event stream answering request `id` ended (`error` set when it broke). `resumable` when the stream
   * carried event ids, so the transport may resume it with `Last-Event-ID` and the response can still come.
   */
  onResponseStreamEnd(id: RequestId, resumable: boolean, error: unknown): void;
  /** A standalone (GET) event stream ended or broke. */
  onEventStreamEnd(error: unknown): void;
  /** The server answered 404 to a request that carried `Mcp-Session-Id`: it no longer knows the session. */
  onSessionGone(): void;
  /**
   * A large response (`raw`, validated JSON on one line, and its parse `message`) was taken out of a response
   * stream to be relayed as it is; returns the token of the stub that stands in its place in the stream.
   */
  onLargeResponse(message: JSONRPCMessage, raw: string): string;
}

/** Options for {@link createUpstreamFetch}. */
export interface UpstreamFetchOptions {
  /** The fetch below this one (the auth layer, or the bounded network fetch). */
  fetch: FetchLike;
  /** Bound on answers that should come at once (marked for the bounded fetch below); 0 disables. */
  connectTimeoutMs: number;
  /** Largest message accepted from the server, in bytes (see the module comment). */
  maxMessageBytes: number;
  /**
   * Backpressure: undefined while the client can take more messages, else a promise that settles when it can.
   * Event streams are not read while it is pending. Default: never wait.
   */
  clientReady?: () => Promise<void> | undefined;
  events: UpstreamFetchEvents;
  logger: Logger;
}

interface PostInfo {
  id: RequestId | undefined;
  method: string | undefined;
}

function peekPost(body: unknown): PostInfo {
  if (typeof body !== 'string') return { id: undefined, method: undefined };
  try {
    const msg = JSON.parse(body) as { id?: unknown; method?: unknown };
    const id = typeof msg.id === 'string' || typeof msg.id === 'number' ? msg.id : undefined;
    return { id, method: typeof msg.method === 'string' ? msg.method : undefined };
  } catch {
    return { id: undefined, method: undefined };
  }
}

function headerOf(init: RequestInit | undefined, name: string): string | null {
  const h = init?.headers;
  if (!h) return null;
  if (h instanceof Headers) return h.get(name);
  if (Array.isArray(h)) return h.find(([k]) => k.toLowerCase() === name)?.[1] ?? null;
  for (const [k, v] of Object.entries(h)) if (k.toLowerCase() === name) return v;
  return null;
}

/** Creates the upstream fetch. See the module comment. */
export function createUpstreamFetch(options: UpstreamFetchOptions): FetchLike {
  const { fetch: inner, connectTimeoutMs, events, maxMessageBytes, logger } = options;
  const clientReady = options.clientReady ?? (() => undefined);

  return async (input, init) => {
    const url = typeof input === 'string' ? new URL(input) : input;
    const method = (init?.method ?? 'GET').toUpperCase();
    const post = method === 'POST' ? peekPost(init?.body) : undefined;
    // Requests (other than initialize) may legitimately take long to answer; everything else should be quick.
    const quick = !post || post.id === undefined || post.method === 'initialize';
    const marked: MarkedInit | undefined = quick && connectTimeoutMs > 0 ? { ...init, [CONNECT_TIMEOUT]: connectTimeoutMs } : init;
    let response: Response;
    try {
      response = await inner(input, marked);
    } catch (error) {
      if (isBridgeError(error) || init?.signal?.aborted) throw error;
      throw connectError(url, error);
    }

    const sessionHeader = headerOf(init, 'mcp-session-id');
    if (response.status === 404 && sessionHeader && method !== 'DELETE') events.onSessionGone();

    if (method === 'POST' && !response.ok && response.status !== 202) {
      const text = await readBodyStart(response, ERROR_BODY_BYTES).catch(() => '');
      const snippet = redact(text.replace(/\s+/g, ' ').trim().slice(0, 300));
      const code = response.status === 404 && sessionHeader ? ErrorCode.SessionLost : ErrorCode.UpstreamHttp;
      throw new BridgeError(code, `server answered HTTP ${response.status}${snippet ? `: ${snippet}` : ''}`, {
        status: response.status,
        hint: httpStatusHint(response.status),
      });
    }

    const type = (response.headers.get('content-type') ?? '').toLowerCase();
    if (!response.ok || !response.body) return response;
    const id = post?.id;
    if (!type.startsWith('text/event-stream')) {
      if (id === undefined || response.status === 202 || !type.startsWith('application/json')) return response;
      return boundJsonBody(response, { maxBytes: maxMessageBytes, id, method: post?.method, logger });
    }
    const flow: Flow = { maxBytes: maxMessageBytes, clientReady, logger };
    if (method === 'GET') {
      return trackStream(response, (_resumable, error) => events.onEventStreamEnd(error), flow);
    }
    if (id === undefined) return response;
    return trackStream(response, (resumable, error) => events.onResponseStreamEnd(id, resumable, error), flow, {
      id,
      method: post?.method,
      onLarge: (message, raw) => events.onLargeResponse(message, raw),
    });
  };
}

/** How much of an error answer's body is read (for the message); the rest is not. */
const ERROR_BODY_BYTES = 4096;

/** Events at least this large on a request's stream are relayed as they are. */
export const RELAY_THRESHOLD = 64 * 1024;

interface Relay {
  /** The request the stream answers. */
  id: RequestId;
  method: string | undefined;
  onLarge(message: JSONRPCMessage, raw: string): string;
}

function isResponseTo(value: unknown, id: RequestId): value is JSONRPCMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const m = value as Record<string, unknown>;
  return m.jsonrpc === '2.0' && !('method' in m) && m.id === id && 'result' in m !== 'error' in m;
}

/** The bytes to hand the transport for one complete event: the event itself, or a stub for a relayed response. */
function relayOrPass(event: Uint8Array, relay: Relay): Uint8Array {
  const fields = readEvent(event);
  if ((fields.event ?? 'message') !== 'message' || fields.data === undefined) return event;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fields.data);
  } catch {
    return event; // the transport reports what it cannot read
  }
  if (!isResponseTo(parsed, relay.id)) return event;
  if (nestsDeeperThan(fields.data)) return refusedAnswerEvent(relay.id, answerTooDeep(MAX_JSON_DEPTH, relay.method));
  // Valid JSON has line breaks only between tokens, where a space means the same.
  const raw = /[\r\n]/.test(fields.data) ? fields.data.replace(/\r\n|\r|\n/g, ' ') : fields.data;
  const token = relay.onLarge(parsed, raw);
  const stub = JSON.stringify({ jsonrpc: '2.0', id: relay.id, result: { [RELAY_STUB_KEY]: token } });
  return Buffer.from(`${fields.id !== undefined ? `id: ${fields.id}\n` : ''}data: ${stub}\n\n`);
}

/** The result member of a stub that stands in for a relayed response. */
export const RELAY_STUB_KEY = 'mcp-auth-bridge/relayed';

/** What every event stream obeys: the size bound and the client's pace. */
interface Flow {
  maxBytes: number;
  clientReady: () => Promise<void> | undefined;
  logger: Logger;
}

/**
 * Re-wraps an event-stream response so its end is reported once (not when the consumer cancelled it), events are
 * handed on whole and within the size bound, the stream is read at the client's pace, and, with `relay` (a
 * request's stream), large responses are replaced by stubs and an oversize answer by an error for the request.
 */
function trackStream(response: Response, onEnd: (resumable: boolean, error: unknown) => void, flow: Flow, relay?: Relay): Response {
  const reader = response.body!.getReader();
  const splitter = new BoundedEventSplitter({ maxEventBytes: flow.maxBytes });
  let resumable = false;
  let ended = false;
  const end = (error: unknown) => {
    if (ended) return;
    ended = true;
    onEnd(resumable, error);
  };
  /** Handles an oversize report; returns bytes to put in its place, and whether the stream stops here. */
  const oversize = (item: SseOversize): { put?: Uint8Array; stop: boolean } => {
    const json = dataOfEventHead(item.head);
    const limit = flow.maxBytes;
    if (relay && item.phase === 'start') {
      // A request or notification of the server's own is dropped when its end comes; the stream goes on.
      if (looksLikeMethodMessage(json)) return { stop: false };
      flow.logger.warn(
        `the server's answer to ${relay.method ?? 'a request'} (id ${JSON.stringify(relay.id)}) passed the ${limit}-byte limit (${SERVER_LIMIT_OPTION}): answered with an error, stream closed`,
      );
      return { put: refusedAnswerEvent(relay.id, answerTooLarge(limit, relay.method)), stop: true };
    }
    if (item.phase === 'start') return { stop: false };
    const id = relay ? undefined : responseIdOf(json, item.tail);
    flow.logger.warn(
      `dropped a ${item.bytes}-byte message from the server: over the ${limit}-byte limit (${SERVER_LIMIT_OPTION})${id === undefined ? '' : `; answered request ${JSON.stringify(id)} with an error`}`,
    );
    return id === undefined ? { stop: false } : { put: refusedAnswerEvent(id, answerTooLarge(limit, undefined)), stop: false };
  };
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          // Read until something can be handed on: a pull that enqueues nothing is not called again by itself.
          for (;;) {
            const wait = flow.clientReady();
            if (wait) await wait;
            if (ended) return;
            const { done, value } = await reader.read();
            if (done) {
              const rest = splitter.rest();
              if (rest instanceof Uint8Array) controller.enqueue(rest);
              else if (rest) {
                const { put } = oversize(rest);
                if (put) controller.enqueue(put);
              }
              controller.close();
              end(undefined);
              return;
            }
            const items = splitter.push(value);
            // Consecutive small events that lie side by side in one chunk are handed on as one view.
            let run: Uint8Array | undefined;
            let handed = false;
            const flush = () => {
              if (run) controller.enqueue(run);
              run = undefined;
            };
            for (const item of items) {
              if (!(item instanceof Uint8Array)) {
                const { put, stop } = oversize(item);
                flush();
                if (put) {
                  controller.enqueue(put);
                  handed = true;
                }
                if (stop) {
                  // The request has its answer: let the stream go, without reporting it as lost.
                  ended = true;
                  controller.close();
                  await reader.cancel().catch(() => undefined);
                  return;
                }
                continue;
              }
              handed = true;
              if (!resumable && hasIdField(item)) resumable = true;
              if (relay && item.byteLength >= RELAY_THRESHOLD) {
                flush();
                controller.enqueue(relayOrPass(item, relay));
              } else if (run && run.buffer === item.buffer && run.byteOffset + run.byteLength === item.byteOffset) {
                run = new Uint8Array(run.buffer, run.byteOffset, run.byteLength + item.byteLength);
              } else {
                flush();
                run = item;
              }
            }
            flush();
            if (handed) return;
          }
        } catch (error) {
          controller.error(error);
          end(error);
        }
      },
      cancel(reason) {
        ended = true; // the consumer let go on purpose: not a lost stream
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
