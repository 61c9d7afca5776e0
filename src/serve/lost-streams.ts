/**
 * Resumptions of POST streams a session does not have (MCP 2025-11-25, "Resumability and Redelivery"): the instance
 * that carried the stream stopped and another took the session over, or the stream expired. When the stream's id
 * names its request (stream-events.ts), the client is told on the resuming GET that this request's answer is lost —
 * a JSON-RPC error for that id, then the end of the stream — so that it sends the request again at once instead of
 * waiting for its own time-out. Once per stream: a client that resumes the same stream again is treated as any GET
 * with an unknown `Last-Event-ID` (the caller's fallback), which ends its retries instead of looping on the answer.
 */
import { BridgeError, ErrorCode } from '../errors.js';
import { refusedAnswer } from '../protocol/refused-answer.js';
import type { SseStream } from './sse-stream.js';
import { lostRequestOfEventId, streamOfEventId } from './stream-events.js';

/** Streams remembered per session as settled (delivered, or told lost); beyond, the oldest are forgotten. */
const MAX_SETTLED = 128;

/** One session's answers to resumptions of streams it does not have; see the module comment. */
export class LostStreams {
  /** Streams whose answer the client got, or was told is lost: a resumption of one is not answered again. */
  readonly #settled = new Set<string>();
  readonly #tags: () => readonly string[];

  /** `tags`: the stream tags of this session (its own, and those of the instances it was taken over from). */
  constructor(tags: () => readonly string[]) {
    this.#tags = tags;
  }

  /** Notes that the client got every answer of `streamId`: its request's answer was not lost. */
  delivered(streamId: string): void {
    this.#settle(streamId);
  }

  /**
   * Answers a resumption from `lastEventId` on the stream `open` makes, when that id names a request and this is the
   * first resumption of its stream; false, with nothing opened, otherwise.
   */
  answer(lastEventId: string, open: () => SseStream): boolean {
    const stream = streamOfEventId(lastEventId);
    const request = lostRequestOfEventId(lastEventId);
    if (stream === undefined || request === undefined || this.#settled.has(stream)) return false;
    // Another session's event id says nothing about this one.
    if (!this.#tags().some((tag) => stream.startsWith(`${tag}.`))) return false;
    this.#settle(stream);
    const error = new BridgeError(ErrorCode.StreamLost, 'the answer to this request was lost: the instance serving it stopped, or its stream expired', {
      hint: 'send the request again',
    });
    open().last(JSON.stringify(refusedAnswer(request, error)));
    return true;
  }

  #settle(streamId: string): void {
    this.#settled.add(streamId);
    if (this.#settled.size > MAX_SETTLED) this.#settled.delete(this.#settled.values().next().value!);
  }
}
