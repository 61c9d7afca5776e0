/**
 * A hostile OAuth server for size-limit tests: node:http on 127.0.0.1 that answers the paths it is given with a
 * JSON-looking body of `bytes` bytes, generated and streamed in 64 KiB chunks with back-pressure (never held in
 * memory), with or without a `Content-Length`. Other paths are answered by `fallback` (e.g. small, valid metadata).
 * It records how many body bytes it managed to write per request, so a test can see the client let go early.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { onTeardown } from './cleanup.js';
import { drainedOrClosed, listenLoopback } from './http-util.js';

/** Options for {@link startHugeResponseServer}. */
export interface HugeResponseOptions {
  /** Paths answered with the huge body (exact match, no query). */
  paths: readonly string[];
  /** Body size. Default 100 MB. */
  bytes?: number;
  /** Send a (truthful) `Content-Length`; default false (chunked). */
  declareLength?: boolean;
  /** Status of the huge answers. Default 200. */
  status?: number;
  /** Answers every other request; default 404. */
  fallback?: (req: IncomingMessage, res: ServerResponse, origin: string) => void;
}

/** A running hostile server. */
export interface HugeResponseServer {
  origin: string;
  /** Body bytes written per huge answer, in request order (set when the answer ended or the client went away). */
  sent: number[];
  /** Huge answers started. */
  started(): number;
}

const CHUNK = Buffer.alloc(64 * 1024, 'a');

/** Starts the server; closed after the test. */
export async function startHugeResponseServer(options: HugeResponseOptions): Promise<HugeResponseServer> {
  const total = options.bytes ?? 100_000_000;
  const sent: number[] = [];
  let started = 0;
  let origin = '';
  const listening = await listenLoopback(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (!options.paths.includes(path)) {
      if (options.fallback) options.fallback(req, res, origin);
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    req.resume();
    started++;
    const index = sent.push(0) - 1;
    res.writeHead(options.status ?? 200, { 'content-type': 'application/json', ...(options.declareLength ? { 'content-length': String(total) } : {}) });
    const head = Buffer.from('{"pad":"');
    const tail = Buffer.from('"}');
    let written = 0;
    const write = (chunk: Buffer) => {
      written += chunk.byteLength;
      sent[index] = written;
      return res.write(chunk);
    };
    let closed = false;
    res.on('close', () => (closed = true));
    write(head);
    while (!closed && written + tail.byteLength < total) {
      const n = Math.min(CHUNK.byteLength, total - tail.byteLength - written);
      if (!write(n === CHUNK.byteLength ? CHUNK : CHUNK.subarray(0, n))) await drainedOrClosed(res);
    }
    if (!closed) {
      write(tail);
      res.end();
    }
  });
  origin = `http://127.0.0.1:${listening.port}`;
  onTeardown(() => listening.close());
  return { origin, sent, started: () => started };
}
