/**
 * A plain node:http server that answers every POST with one chosen status: what a Streamable HTTP attempt meets at
 * a server that rejects it (400/404/405: not a Streamable endpoint; 401: needs auth; 500: broken).
 */
import { listenLoopback, noteBody, readBody, recordRequest, type ListenOptions, type RecordedRequest } from './http-util.js';

/** Options for {@link startStatusServer}. */
export interface StatusServerOptions extends ListenOptions {
  /** Status for every POST, or `'hang'`: accept the request and never answer (until close). */
  status: number | 'hang';
  /** Status for every other method (default 405). */
  otherStatus?: number;
  /** Extra response headers, e.g. a `www-authenticate` challenge for 401. */
  headers?: Record<string, string>;
  /** Response body text (default `status <n>`). */
  body?: string;
}

/** A running status fixture. */
export interface StatusServer {
  /** URL of the endpoint (`/mcp`; every path answers the same). */
  url: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * Starts a server that answers every POST with `options.status` (or never, for `'hang'`) and records what it was
 * sent. Other methods get `otherStatus`.
 */
export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const requests: RecordedRequest[] = [];
  const listening = await listenLoopback(async (req, res) => {
    const entry = recordRequest(req, res, requests);
    if (entry.method === 'POST') noteBody(entry, await readBody(req));
    if (entry.method === 'POST' && options.status === 'hang') return;
    const status = entry.method === 'POST' ? (options.status as number) : (options.otherStatus ?? 405);
    res.writeHead(status, { 'content-type': 'text/plain', ...options.headers });
    res.end(options.body ?? `status ${status}`);
  }, options);
  return {
    url: `http://127.0.0.1:${listening.port}/mcp`,
    port: listening.port,
    requests,
    close: () => listening.close(),
  };
}
