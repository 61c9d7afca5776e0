/**
 * A bound on a plain JSON answer to a request (`Content-Type: application/json`) on the legacy SSE path, whose SDK
 * transport reads it whole with `response.json()`. A `Content-Length` over the limit is refused at once (the body is
 * cancelled, so the socket is released, whatever the server meant to send); a body without one is counted as it streams
 * and cut when it passes the limit. A body with a `Content-Length` within the limit is handed on untouched: the HTTP
 * parser never reads past it, and the hot path stays as cheap as it was.
 */
import type { Logger } from '../../log.js';
import type { RequestId } from '../../protocol/jsonrpc.js';
import { refusedAnswer } from '../../protocol/refused-answer.js';
import { answerTooLarge, SERVER_LIMIT_OPTION } from './server-message-limit.js';

/** Options for {@link boundJsonBody}. */
export interface BoundJsonBodyOptions {
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** The request the body answers. */
  id: RequestId;
  method: string | undefined;
  logger: Logger;
}

/**
 * Returns `response` when its body is known to be within the limit; an answer of the bridge's own (a JSON-RPC
 * error for `id`) when its `Content-Length` is over it; else the response with a counting body that fails with a
 * `MESSAGE_TOO_LARGE` {@link BridgeError} (which the transport's `send` rejects with) once the limit is passed.
 */
export function boundJsonBody(response: Response, options: BoundJsonBodyOptions): Response {
  const { maxBytes, logger } = options;
  const body = response.body;
  if (!body) return response;
  const declared = response.headers.get('content-length');
  const length = declared === null ? NaN : Number(declared);
  if (Number.isFinite(length)) {
    if (length <= maxBytes) return response;
    body.cancel().catch(() => undefined);
    logger.warn(`refused the server's ${length}-byte answer to ${options.method ?? 'a request'}: over the ${maxBytes}-byte limit (${SERVER_LIMIT_OPTION})`);
    const answer = refusedAnswer(options.id, answerTooLarge(maxBytes, options.method));
    return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } });
  }
  const reader = body.getReader();
  let seen = 0;
  const counted = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        seen += value.byteLength;
        if (seen > maxBytes) {
          reader.cancel().catch(() => undefined);
          logger.warn(`cut the server's answer to ${options.method ?? 'a request'} at ${seen} bytes: over the ${maxBytes}-byte limit (${SERVER_LIMIT_OPTION})`);
          controller.error(answerTooLarge(maxBytes, options.method));
          return;
        }
        controller.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
}
