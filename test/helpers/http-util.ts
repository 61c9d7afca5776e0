/**
 * Small node:http pieces shared by the server fixtures: request recording, body reading, listening on loopback,
 * and a close that never waits for long-lived streams.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One HTTP request as a fixture saw it. */
export interface RecordedRequest {
  /** HTTP method, e.g. `POST`. */
  method: string;
  /** Path without the query string, e.g. `/mcp`. */
  path: string;
  /** Query parameters. */
  query: Record<string, string>;
  /** All request headers, names lower-cased (as node:http gives them). */
  headers: IncomingHttpHeaders;
  /** Raw body text of a POST (empty for other methods). */
  body: string;
  /**
   * JSON-RPC methods in a POST body, in order; a response (no method) shows as `response:<id>`.
   * Empty when the body is not JSON-RPC.
   */
  rpc: string[];
  /** Status code sent, once the response head was written (`undefined` before). */
  status?: number;
  /** True once the response ended or its connection closed. */
  done: boolean;
}

/** Options every fixture server accepts. */
export interface ListenOptions {
  /** Port to listen on; 0 (default) picks a free one. Pass a previous fixture's port to restart "the same" server. */
  port?: number;
}

/** A listening node:http server on 127.0.0.1 with a bounded close. */
export interface Listening {
  server: Server;
  port: number;
  /** Closes the listener and destroys every open connection (streams included), so close never hangs. */
  close(): Promise<void>;
}

/**
 * Creates a node:http server on 127.0.0.1 (`port` or 0) for `handler`, tracking sockets so that `close()` can
 * destroy them. Handler errors answer 500 instead of crashing the test worker.
 */
export async function listenLoopback(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void,
  options: ListenOptions = {},
): Promise<Listening> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fixture error: ${String(error)}`);
      } else {
        res.destroy();
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/**
 * Starts recording `req`: returns the entry (already appended to `log`) and fills in `status` and `done` as the
 * response progresses. The body is not read here; see {@link readBody}.
 */
export function recordRequest(req: IncomingMessage, res: ServerResponse, log: RecordedRequest[]): RecordedRequest {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const entry: RecordedRequest = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { ...req.headers },
    body: '',
    rpc: [],
    done: false,
  };
  log.push(entry);
  const original = res.writeHead;
  // Capture the status as soon as the head goes out (long-lived streams never "finish").
  res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
    entry.status = args[0];
    return original.apply(this, args);
  } as ServerResponse['writeHead'];
  const finish = () => {
    entry.status ??= res.statusCode;
    entry.done = true;
  };
  res.on('finish', finish);
  res.on('close', finish);
  return entry;
}

/** Reads the whole request body as UTF-8 (bounded by the request itself; fixtures only see test traffic). */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a POST body, fills `entry.body` and `entry.rpc`, and returns the parsed JSON (undefined if not JSON). */
export function noteBody(entry: RecordedRequest, raw: string): unknown {
  entry.body = raw;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const messages = Array.isArray(parsed) ? parsed : [parsed];
  for (const message of messages) {
    if (message && typeof message === 'object') {
      const m = message as { method?: unknown; id?: unknown };
      if (typeof m.method === 'string') entry.rpc.push(m.method);
      else if ('id' in m) entry.rpc.push(`response:${String(m.id)}`);
    }
  }
  return parsed;
}

/** True when `body` is (or is a batch containing) a JSON-RPC `initialize` request. */
export function isInitializeBody(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((m) => m && typeof m === 'object' && (m as { method?: unknown }).method === 'initialize');
}

/** Answers a JSON-RPC error object with HTTP `status` (as real servers do for session and protocol errors). */
export function sendJsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

/** Resolves when `res` can take more (its 'drain'), or when the connection closed: the writer's backpressure. */
export function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
