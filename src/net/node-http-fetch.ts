/**
 * The network fetch of the upstream path, on `node:http` / `node:https` with keep-alive agents. Every client
 * request crosses it, so it is the bridge's hottest code after JSON itself: compared with the built-in fetch it
 * avoids a request-body clone per POST and a second stream stack per response, and it does not load undici at
 * start-up (about 25 ms and 12 MB; see `npm run bench`). It returns standard `Response` objects, or, for a request
 * marked with {@link LEAN_RESPONSE} (the upstream client's), a {@link LeanResponse} that builds none of the
 * platform's fetch classes. Redirects are never followed here (the SDK decides); TLS honours `NODE_EXTRA_CA_CERTS` as usual.
 * With `--use-env-proxy` the proxy-aware undici fetch is used instead.
 */
import { setMaxListeners } from 'node:events';
import * as http from 'node:http';
import type * as Https from 'node:https';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { LEAN_RESPONSE, LeanResponse } from './lean-response.js';

const httpAgent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });
let tls: { https: typeof Https; agent: Https.Agent } | undefined;

/** node:https and its agent, loaded on the first https request (TLS costs start-up time a loopback server never needs). */
function secure(): { https: typeof Https; agent: Https.Agent } {
  if (!tls) {
    const https = createRequire(import.meta.url)('node:https') as typeof Https;
    tls = { https, agent: new https.Agent({ keepAlive: true, scheduling: 'lifo' }) };
  }
  return tls;
}

/** Statuses whose responses have no body (a `Response` refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** Signals seen: a transport's one long-lived signal serves every request in flight, more than the default 10. */
const widened = new WeakSet<AbortSignal>();

function bodyOf(body: RequestInit['body']): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError('node-http-fetch sends string or byte bodies only');
}

/** The request headers as node:http takes them, names in lower case; plain objects are not sent through `Headers`. */
function headersOf(given: RequestInit['headers']): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!given) return headers;
  if (Array.isArray(given)) {
    for (const [key, value] of given as [string, string][]) headers[key.toLowerCase()] = value;
  } else if (typeof (given as Headers).forEach === 'function' && !(Object.getPrototypeOf(given) === Object.prototype)) {
    (given as Headers).forEach((value, key) => {
      headers[key] = value;
    });
  } else {
    for (const [key, value] of Object.entries(given as Record<string, string>)) headers[key.toLowerCase()] = value;
  }
  return headers;
}

/** A `fetch` on node:http(s). See the module comment. */
export const nodeHttpFetch: FetchLike = (input, init) =>
  new Promise<Response>((resolve, reject) => {
    const url = typeof input === 'string' ? new URL(input) : input;
    const isHttps = url.protocol === 'https:';
    if (!isHttps && url.protocol !== 'http:') {
      reject(new TypeError(`unsupported protocol ${url.protocol}`));
      return;
    }
    const signal = init?.signal ?? undefined;
    if (signal && !widened.has(signal)) {
      widened.add(signal);
      setMaxListeners(0, signal);
    }
    const headers = headersOf(init?.headers);
    const body = bodyOf(init?.body);
    if (body !== undefined) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
    const options = { method: init?.method ?? 'GET', headers, ...(signal ? { signal } : {}) };
    const lean = (init as { [LEAN_RESPONSE]?: boolean } | undefined)?.[LEAN_RESPONSE] === true;
    const onResponse = (res: http.IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const noBody = NULL_BODY.has(status) || (init?.method ?? 'GET').toUpperCase() === 'HEAD';
      if (noBody) res.resume();
      if (lean) {
        resolve(new LeanResponse(res, !noBody, url.href) as unknown as Response);
        return;
      }
      const h = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        if (value === undefined) continue;
        if (Array.isArray(value)) for (const v of value) h.append(name, v);
        else h.set(name, value);
      }
      const stream = noBody ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>);
      resolve(new Response(stream, { status, statusText: res.statusMessage ?? '', headers: h }));
    };
    const req = isHttps
      ? secure().https.request(url, { ...options, agent: secure().agent }, onResponse)
      : http.request(url, { ...options, agent: httpAgent }, onResponse);
    req.on('error', (error) => reject(error.name === 'AbortError' ? error : new TypeError('fetch failed', { cause: error })));
    req.end(body);
  });
