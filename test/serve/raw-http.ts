/**
 * Raw HTTP for the tests that speak to `serve` as an attacker or a careless client would: any method, path and
 * headers (`Host` and `Origin` included, which fetch will not let one set), the status and headers of the answer,
 * and its body — or, for an event stream, the first events, read up to a bound, then the connection closed.
 */
import { request, type IncomingHttpHeaders } from 'node:http';
import { onTeardown } from '../helpers/cleanup.js';

/** One raw exchange. */
export interface RawExchange {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body (for an event stream: what arrived before the stream was closed). */
  text: string;
}

/** Options for {@link rawHttp}. */
export interface RawHttpOptions {
  port: number;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** For event streams: stop reading once the body matches this (or after `streamMs`). */
  until?: RegExp;
  /** Longest read of an event stream, ms. Default 3000. */
  streamMs?: number;
}

/** The headers of an MCP client's POST. */
export const MCP_POST_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } as const;

/** An `initialize` request body. */
export const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw-test', version: '1' } },
});

/** Sends one request to 127.0.0.1 and reads its answer (see the module comment). */
export function rawHttp(o: RawHttpOptions): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: o.port, method: o.method ?? 'GET', path: o.path, headers: { ...o.headers } }, (res) => {
      let text = '';
      const stream = (res.headers['content-type'] ?? '').startsWith('text/event-stream');
      const done = () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
        res.destroy();
      };
      const timer = stream ? setTimeout(done, o.streamMs ?? 3_000) : undefined;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (stream && o.until?.test(text)) done();
      });
      res.on('end', done);
      res.on('close', done);
    });
    req.on('error', reject);
    onTeardown(() => void req.destroy());
    req.end(o.body);
  });
}

/** Opens a session by POSTing `initialize` (and `notifications/initialized`); returns its id. */
export async function openRawSession(port: number, headers: Record<string, string> = {}, path = '/mcp'): Promise<string> {
  const init = await rawHttp({ port, method: 'POST', path, headers: { ...MCP_POST_HEADERS, ...headers }, body: INITIALIZE, until: /"id":1/ });
  const id = init.headers['mcp-session-id'];
  if (init.status !== 200 || typeof id !== 'string') throw new Error(`initialize answered ${init.status}: ${init.text}`);
  const note = await rawHttp({
    port,
    method: 'POST',
    path,
    headers: { ...MCP_POST_HEADERS, ...headers, 'mcp-session-id': id },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  if (note.status !== 202) throw new Error(`notifications/initialized answered ${note.status}`);
  return id;
}

/** A `tools/list` request body with `id`. */
export const toolsList = (id: number): string => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list', params: {} });

/** An event stream held open (closed after the test), read as it comes. */
export interface OpenStream {
  /** What arrived so far. */
  text(): string;
  /** The status, once the headers arrived (then the server has registered the stream). */
  status(): number | undefined;
  /** Drops the connection (as a client whose network failed). */
  close(): void;
}

/** Opens `GET path` with `headers` and keeps reading it until the test ends. */
export function openEventStream(port: number, path: string, headers: Record<string, string>): OpenStream {
  let text = '';
  let status: number | undefined;
  const req = request({ host: '127.0.0.1', port, path, headers: { accept: 'text/event-stream', ...headers } }, (res) => {
    status = res.statusCode;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
  });
  req.on('error', () => undefined);
  req.end();
  onTeardown(() => void req.destroy());
  return { text: () => text, status: () => status, close: () => void req.destroy() };
}
