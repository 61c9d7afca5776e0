/**
 * One Server-Sent Events response of `serve` (the HTML standard's `text/event-stream`): its headers, one `message`
 * event per JSON-RPC message (the JSON is single-line, so it fits one `data:` line), with an `id` on resumable
 * streams (stream-events.ts), and whether it is still open.
 *
 * Each costs the fewest socket writes: the headers and whatever is written in the same tick (a priming event, a
 * first event) leave together, an event whose data is bytes leaves in one write with its framing, and
 * {@link SseStream.end} after an event in the same tick sends both at once.
 */
import type { ServerResponse } from 'node:http';

const NEWLINE = Buffer.from('\n\n');

/** Options for {@link SseStream}. */
export interface SseStreamOptions {
  /**
   * Writes a comment line every this many milliseconds while nothing else is written, so proxies and load balancers
   * do not close a quiet stream as idle (the HTML standard lets a client ignore comments); 0 or absent: none.
   */
  keepAliveMs?: number;
}

/** An open SSE response; see the module comment. */
export class SseStream {
  /** Called once when the stream ends, from either side. */
  onclose?: () => void;
  readonly #res: ServerResponse;
  #open = true;
  #keepAlive: NodeJS.Timeout | undefined;
  #wrote = false;

  constructor(res: ServerResponse, headers: Record<string, string> = {}, options: SseStreamOptions = {}) {
    this.#res = res;
    const every = options.keepAliveMs ?? 0;
    if (every > 0) {
      this.#keepAlive = setInterval(() => {
        if (this.#wrote) this.#wrote = false;
        else if (this.open) this.#res.write(': keep-alive\n\n');
      }, every);
      this.#keepAlive.unref();
    }
    // Corked until the end of this tick, so the headers leave with what follows them now (ended: already uncorked).
    res.cork();
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', ...headers });
    res.flushHeaders();
    process.nextTick(() => {
      if (!res.writableEnded) res.uncork();
    });
    res.on('close', () => this.#closed());
  }

  /** Whether events can still be written. */
  get open(): boolean {
    return this.#open && !this.#res.destroyed;
  }

  /** Writes one event (with its `id` on a resumable stream); false when the stream is closed (nothing written). */
  event(data: string | Uint8Array, name = 'message', id?: string): boolean {
    if (!this.open) return false;
    this.#wrote = true;
    const head = id === undefined ? `event: ${name}\ndata: ` : `id: ${id}\nevent: ${name}\ndata: `;
    if (typeof data === 'string') this.#res.write(`${head}${data}\n\n`);
    else {
      this.#res.cork();
      this.#res.write(head);
      this.#res.write(data);
      this.#res.write(NEWLINE);
      this.#res.uncork();
    }
    return true;
  }

  /** Writes one event and ends the response, in one write; false, with nothing written, when it is closed. */
  last(data: string | Uint8Array, name = 'message', id?: string): boolean {
    if (!this.open) return false;
    this.#res.cork();
    this.event(data, name, id);
    this.end(); // ending uncorks the response fully
    return true;
  }

  /**
   * Writes the priming event of a resumable stream (MCP 2025-11-25, SEP-1699): an id and empty data, with the
   * `retry` interval a client waits before it reconnects with that id as `Last-Event-ID`.
   */
  prime(id: string, retryMs: number): boolean {
    if (!this.open) return false;
    this.#res.write(`id: ${id}\nretry: ${retryMs}\ndata: \n\n`);
    return true;
  }

  /** Ends the response. Idempotent. */
  end(): void {
    if (!this.#res.writableEnded) this.#res.end();
    this.#closed();
  }

  #closed(): void {
    if (!this.#open) return;
    this.#open = false;
    clearInterval(this.#keepAlive);
    this.onclose?.();
  }
}
