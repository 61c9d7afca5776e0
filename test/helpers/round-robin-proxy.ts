/**
 * A small, real HTTP load balancer for the tests and the bench: a node:http server on 127.0.0.1 sending each request
 * (every POST of one MCP session, every GET stream) to the next of N backends in turn, as a round-robin HAProxy or
 * nginx does. Bodies flow both ways as they come, chunk by chunk (an SSE event reaches the client when the backend
 * writes it); a client that goes away ends the backend request, and a backend that goes away ends the client's
 * response. Headers pass unchanged, `Host` included (hop-by-hop ones aside: `Connection`, `Keep-Alive`, …), with
 * `X-Forwarded-For` added. A backend that refuses or resets the connection before answering a byte is skipped and
 * the request tried on the next, once per backend (HAProxy `retry-on conn-failure`, nginx `proxy_next_upstream
 * error`); the request body is kept while it is short enough to send again. Backends can be marked down (skipped as
 * a failed health check would) or replaced; every request is recorded with the backend that answered it.
 * `hashHeader` stands for header affinity (HAProxy `balance hdr(mcp-session-id)`): a request carrying that header
 * goes to the backend its value hashes to (the next one up when that one is down); others go round robin.
 */
import { createHash } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { closeAfterTest, type TeardownMode } from './cleanup.js';

/** Options for {@link startRoundRobinProxy}. */
export interface RoundRobinProxyOptions {
  /** Backend base URLs (`http://127.0.0.1:<port>`), in turn order; more can be set later with `setBackend`. */
  backends?: readonly string[];
  /** Header affinity: a request with this header goes to the backend its value hashes to (case-insensitive name). */
  hashHeader?: string;
  /** Largest request body kept for a retry on another backend (default 1 MiB); a longer body is not retried. */
  retryBodyLimit?: number;
  /** When the proxy is closed: with the current test's teardown (default) or by the caller. */
  teardown?: TeardownMode;
}

/** One request the proxy handled. */
export interface ProxiedRequest {
  /** 0, 1, 2, … in arrival order. */
  seq: number;
  method: string;
  /** Path and query. */
  path: string;
  /** The value of the affinity header, if the request had one. */
  hashValue?: string;
  /** The backends tried, in order (the last one answered, unless `status` is 502 from the proxy itself). */
  tried: number[];
  /** The backend that answered; undefined when none did. */
  backend?: number;
  /** The status the client got (the backend's, or 502 when no backend could be reached). */
  status?: number;
}

/** A running proxy. */
export interface RoundRobinProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Every request so far, in arrival order. */
  readonly requests: readonly ProxiedRequest[];
  /** Sets (or replaces, e.g. after a restart on another port) backend `i`, marking it up. Returns `i`. */
  setBackend(i: number, url: string): number;
  /** Adds a backend at the end of the turn order; returns its index. */
  addBackend(url: string): number;
  /** Skips backend `i` (as a failed health check would) until {@link RoundRobinProxy.markUp}. */
  markDown(i: number): void;
  markUp(i: number): void;
  /** Removes backend `i` for good (its index stays taken; the others keep theirs). */
  remove(i: number): void;
  /** The backends' URLs (undefined where removed). */
  backends(): Array<string | undefined>;
  /** Stops listening and ends every open connection, both sides. Idempotent. */
  close(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1): a proxy does not pass them on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);
/** Connection failures worth another backend when no response byte came yet. */
const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'EHOSTUNREACH']);

interface Backend {
  url: URL;
  up: boolean;
}

/** Raw header pairs without hop-by-hop ones (nor those `Connection` lists). */
function endToEnd(raw: readonly string[]): string[] {
  const listed = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'connection') for (const name of raw[i + 1]!.split(',')) listed.add(name.trim().toLowerCase());
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!HOP_BY_HOP.has(name) && !listed.has(name)) out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

/** The request's headers for the backend: end-to-end ones as they came, plus `X-Forwarded-For`. */
function forwardHeaders(req: IncomingMessage): string[] {
  const headers = endToEnd(req.rawHeaders);
  const peer = req.socket.remoteAddress ?? '';
  const at = headers.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === 'x-forwarded-for');
  if (at >= 0) headers[at + 1] = `${headers[at + 1]}, ${peer}`;
  else headers.push('X-Forwarded-For', peer);
  return headers;
}

/**
 * Starts the proxy on 127.0.0.1 at a free port (see the module comment). Closed after the test unless
 * `teardown: 'manual'`.
 */
export async function startRoundRobinProxy(options: RoundRobinProxyOptions = {}): Promise<RoundRobinProxy> {
  const slots: Array<Backend | undefined> = (options.backends ?? []).map((u) => ({ url: new URL(u), up: true }));
  const hashHeader = options.hashHeader?.toLowerCase();
  const bodyLimit = options.retryBodyLimit ?? 1_048_576;
  const requests: ProxiedRequest[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const sockets = new Set<Socket>();
  let turn = 0;

  const upIndexes = () => slots.flatMap((s, i) => (s?.up ? [i] : []));

  /** The backends to try for one request, first choice first: each up backend once. */
  const plan = (hashValue: string | undefined): number[] => {
    const up = upIndexes();
    if (up.length === 0) return [];
    let first: number;
    if (hashValue !== undefined) {
      // Hash over every slot (not only the up ones), so one backend going down moves only its own share.
      const h = createHash('sha256').update(hashValue).digest().readUInt32BE(0) % slots.length;
      first = up.find((i) => i >= h) ?? up[0]!;
    } else {
      first = up[turn % up.length]!;
      turn++;
    }
    const at = up.indexOf(first);
    return [...up.slice(at), ...up.slice(0, at)];
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const raw = hashHeader ? req.headers[hashHeader] : undefined;
    const hashValue = Array.isArray(raw) ? raw[0] : raw;
    const record: ProxiedRequest = { seq: requests.length, method: req.method ?? 'GET', path: req.url ?? '/', tried: [], ...(hashValue !== undefined ? { hashValue } : {}) };
    requests.push(record);
    const order = plan(hashValue);
    const headers = forwardHeaders(req);

    // The body as it came so far, kept (while short enough) to send again to another backend.
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let keepable = true;
    let ended = false;
    let current: ClientRequest | undefined;
    let answered = false;
    let finished = false;
    let clientGone = false;

    const fail = (status: number, text: string) => {
      if (finished) return;
      finished = true;
      record.status = status;
      if (res.headersSent) res.destroy();
      else res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
    };

    const attempt = (k: number) => {
      const index = order[k];
      const backend = index === undefined ? undefined : slots[index];
      if (index === undefined || !backend) return fail(502, 'no backend could be reached\n');
      record.tried.push(index);
      const upstream = httpRequest({
        agent,
        host: backend.url.hostname,
        port: backend.url.port,
        method: req.method,
        path: req.url,
        headers,
        setHost: false,
      });
      current = upstream;
      upstream.on('response', (answer: IncomingMessage) => {
        answered = true;
        record.backend = index;
        record.status = answer.statusCode;
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.rawHeaders));
        res.flushHeaders();
        answer.on('data', (chunk: Buffer) => {
          if (!res.write(chunk)) {
            answer.pause();
            res.once('drain', () => answer.resume());
          }
        });
        answer.on('end', () => {
          finished = true;
          res.end();
        });
        // The backend went away mid-answer: so does the client's response.
        answer.on('aborted', () => res.destroy());
        answer.on('error', () => res.destroy());
      });
      upstream.on('error', (error: NodeJS.ErrnoException) => {
        if (finished || clientGone || upstream !== current) return;
        if (!answered && keepable && RETRYABLE.has(error.code ?? '')) {
          req.resume();
          return attempt(k + 1);
        }
        if (answered) res.destroy();
        else fail(502, `backend ${index} failed: ${error.code ?? error.message}\n`);
      });
      for (const chunk of kept) upstream.write(chunk);
      if (ended) upstream.end();
    };

    req.on('data', (chunk: Buffer) => {
      if (keepable) {
        keptBytes += chunk.length;
        if (keptBytes <= bodyLimit) kept.push(chunk);
        else {
          keepable = false;
          kept.length = 0;
        }
      }
      if (current && !current.write(chunk)) {
        req.pause();
        current.once('drain', () => req.resume());
      }
    });
    req.on('end', () => {
      ended = true;
      current?.end();
    });
    // The client went away before its answer ended: so does the backend request (an SSE stream among them).
    res.on('close', () => {
      if (res.writableFinished) return;
      clientGone = true;
      current?.destroy();
    });
    attempt(0);
  };

  const server = createServer(handle);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const close = closeAfterTest(async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    agent.destroy();
    await closed;
  }, options.teardown);

  const slot = (i: number): Backend => {
    const s = slots[i];
    if (!s) throw new Error(`the proxy has no backend ${i}`);
    return s;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    setBackend(i, url) {
      slots[i] = { url: new URL(url), up: true };
      return i;
    },
    addBackend(url) {
      slots.push({ url: new URL(url), up: true });
      return slots.length - 1;
    },
    markDown: (i) => void (slot(i).up = false),
    markUp: (i) => void (slot(i).up = true),
    remove(i) {
      slot(i);
      slots[i] = undefined;
    },
    backends: () => slots.map((s) => s?.url.origin),
    close,
  };
}
