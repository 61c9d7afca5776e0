/**
 * Reads one server-sent event stream of a Streamable HTTP session and hands on its messages: each event is parsed
 * once, and a large response to the stream's request is handed on with its original JSON text, so the client side
 * writes it as the server sent it (never re-serialized; see `npm run bench`). What it obeys:
 * - no message is held past `maxBytes`: the stream is cut into whole events of at most that size
 *   ({@link BoundedEventSplitter}); an oversize answer on a request's stream becomes a JSON-RPC error for that request
 *   and the stream is let go; an oversize message elsewhere is dropped with a warning (answered with an error when
 *   it shows itself as a response to a request) and the stream goes on;
 * - backpressure: the next chunk is read only while `clientReady` says the client can take more;
 * - the stream's end is reported once, with whether it carried event ids (so it may be resumed) and the last one.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../log.js';
import { classify, type RequestId } from '../../protocol/jsonrpc.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../protocol/json-depth.js';
import { answerTooDeep, refusedAnswer } from '../../protocol/refused-answer.js';
import { BoundedEventSplitter, type SseOversize } from './bounded-sse.js';
import { answerTooLarge, dataOfEventHead, looksLikeMethodMessage, responseIdOf, SERVER_LIMIT_OPTION } from './server-message-limit.js';
import { scanResponse } from './json-bytes.js';
import { collectYoungGenerationSoon } from './young-gc.js';
import { readEvent, readEventBytes, type SseByteFields } from './sse-events.js';

/** Responses at least this large (bytes of their event) are handed on with their original text. */
export const RELAY_THRESHOLD = 64 * 1024;

/** What the reader of one stream needs. */
export interface EventStreamOptions {
  maxBytes: number;
  clientReady: () => Promise<void> | undefined;
  logger: Logger;
  /** The request whose answer this stream carries (a POST's stream, or its resumption). */
  request?: { id: RequestId; method: string | undefined };
  /** A message; `raw` is its JSON text on one line (or its bytes) when it is a large response handed on as it is. */
  onmessage(message: JSONRPCMessage, raw?: string | Uint8Array): void;
  /** A message that is not JSON-RPC (or not JSON). */
  onInvalid(reason: string): void;
  /** An event id (for resumption with `Last-Event-ID`). */
  onEventId(id: string): void;
  /** A `retry:` field, in ms. */
  onRetry?(ms: number): void;
}

/** How a stream ended. */
export interface EventStreamEnd {
  /** The stream carried event ids. */
  resumable: boolean;
  /** The stream's request was answered on it. */
  answered: boolean;
  /** Set when reading failed. */
  error: unknown;
  /** The reader let the stream go on purpose (an oversize answer was answered): not a lost stream. */
  released: boolean;
}

/** Reads `chunks` to the end; see the module comment. Never rejects. */
export async function readEventStream(chunks: AsyncIterable<Uint8Array>, o: EventStreamOptions): Promise<EventStreamEnd> {
  const splitter = new BoundedEventSplitter({ maxEventBytes: o.maxBytes });
  const end: EventStreamEnd = { resumable: false, answered: false, error: undefined, released: false };
  const request = o.request;

  const deliver = (message: JSONRPCMessage, raw?: string | Uint8Array) => {
    const m = message as { id?: unknown; method?: unknown };
    if (request && m.method === undefined && m.id === request.id) end.answered = true;
    o.onmessage(message, raw);
  };
  const fieldsOf = (fields: { id?: string | undefined; retry?: number }) => {
    if (fields.id !== undefined) {
      end.resumable = true;
      o.onEventId(fields.id);
    }
    if (fields.retry !== undefined) o.onRetry?.(fields.retry);
  };
  /** A large result to the stream's request, checked and handed on in its bytes; false when it is not that. */
  const relayBytes = (fields: SseByteFields): boolean => {
    if (!request || request.method === 'initialize' || (fields.event ?? 'message') !== 'message') return false;
    const scanned = scanResponse(fields.data, MAX_JSON_DEPTH);
    if (scanned.kind !== 'result' || scanned.id !== request.id) return false;
    fieldsOf(fields);
    // The result stays in the bytes: this message stands for it in routing (its id, and that it is a result).
    deliver({ jsonrpc: '2.0', id: request.id, result: {} }, fields.data);
    // The socket buffers it came in are garbage now, and the heap too quiet for V8 to notice soon (young-gc.ts).
    collectYoungGenerationSoon();
    return true;
  };
  const onEvent = (bytes: Uint8Array) => {
    if (request && bytes.byteLength >= RELAY_THRESHOLD) {
      const byteFields = readEventBytes(bytes);
      if (byteFields && relayBytes(byteFields)) return;
    }
    const fields = readEvent(bytes);
    fieldsOf(fields);
    if ((fields.event ?? 'message') !== 'message' || !fields.data) return;
    let value: unknown;
    try {
      value = JSON.parse(fields.data);
    } catch (error) {
      o.onInvalid((error as Error).message);
      return;
    }
    const c = classify(value);
    if (c.kind === 'invalid') {
      o.onInvalid(c.reason);
      return;
    }
    if (!request || c.kind !== 'response' || c.id !== request.id || bytes.byteLength < RELAY_THRESHOLD) {
      deliver(c.message);
      return;
    }
    if (nestsDeeperThan(fields.data)) {
      deliver(refusedAnswer(request.id, answerTooDeep(MAX_JSON_DEPTH, request.method)));
      return;
    }
    // Valid JSON has line breaks only between tokens, where a space means the same.
    deliver(c.message, fields.data.replace(/\r\n|\r|\n/g, ' '));
  };
  /** Handles an oversize report; returns whether the stream stops here. */
  const oversize = (item: SseOversize): boolean => {
    const json = dataOfEventHead(item.head);
    const limit = o.maxBytes;
    if (request && item.phase === 'start') {
      // A request or notification of the server's own is dropped when its end comes; the stream goes on.
      if (looksLikeMethodMessage(json)) return false;
      o.logger.warn(
        `the server's answer to ${request.method ?? 'a request'} (id ${JSON.stringify(request.id)}) passed the ${limit}-byte limit (${SERVER_LIMIT_OPTION}): answered with an error, stream closed`,
      );
      deliver(refusedAnswer(request.id, answerTooLarge(limit, request.method)));
      return true;
    }
    if (item.phase === 'start') return false;
    const id = request ? undefined : responseIdOf(json, item.tail);
    o.logger.warn(
      `dropped a ${item.bytes}-byte message from the server: over the ${limit}-byte limit (${SERVER_LIMIT_OPTION})${id === undefined ? '' : `; answered request ${JSON.stringify(id)} with an error`}`,
    );
    if (id !== undefined) deliver(refusedAnswer(id, answerTooLarge(limit, undefined)));
    return false;
  };
  const handle = (item: Uint8Array | SseOversize): boolean => (item instanceof Uint8Array ? (onEvent(item), false) : oversize(item));

  const iterator = chunks[Symbol.asyncIterator]();
  try {
    for (;;) {
      const wait = o.clientReady();
      if (wait) await wait;
      const { done, value } = await iterator.next();
      if (done) {
        const rest = splitter.rest();
        if (rest) handle(rest);
        return end;
      }
      for (const item of splitter.push(value)) {
        if (handle(item)) {
          end.released = true;
          await iterator.return?.().catch(() => undefined);
          return end;
        }
      }
    }
  } catch (error) {
    end.error = error;
    return end;
  }
}
