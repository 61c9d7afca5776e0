/**
 * The answer to one 2026-07-28 POST (MCP 2026-07-28, transports/streamable-http "Sending Messages to the Server"):
 * plain JSON, unless notifications of the request (progress, log messages) come before its answer and the client
 * accepts an event stream — then a stream scoped to the request, which carries them and ends with the answer.
 */
import type { ServerResponse } from 'node:http';
import { answerJson } from '../http-answers.js';
import { SseStream } from '../sse-stream.js';

/** One POST's answer; see the module comment. */
export class ModernReply {
  /** Called once if the client goes away before the answer is written. */
  onabandon?: () => void;
  readonly #res: ServerResponse;
  readonly #headers: Record<string, string>;
  readonly #streams: boolean;
  #stream: SseStream | undefined;
  #done = false;

  constructor(res: ServerResponse, options: { accept: string; headers: Record<string, string> }) {
    this.#res = res;
    this.#headers = options.headers;
    this.#streams = options.accept.includes('text/event-stream');
    res.on('close', () => {
      if (!this.#done) {
        this.#done = true;
        this.onabandon?.();
      }
    });
  }

  /** Whether the answer was written (or the client left). */
  get done(): boolean {
    return this.#done;
  }

  /** A notification of the request: on the stream (opened now if need be), dropped when the client takes JSON only. */
  notify(message: unknown): void {
    if (this.#done || !this.#streams) return;
    this.#stream ??= new SseStream(this.#res, this.#headers);
    this.#stream.event(JSON.stringify(message));
  }

  /** Writes the answer and ends. */
  answer(message: unknown, status = 200): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#stream) {
      this.#stream.event(JSON.stringify(message));
      this.#stream.end();
      return;
    }
    answerJson(this.#res, status, message, this.#headers);
  }
}
