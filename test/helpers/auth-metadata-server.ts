/**
 * A small node:http server that serves one authorization-server metadata document (RFC 8414 and OpenID discovery
 * locations) for the refusal tests: cases a real provider cannot produce (metadata naming another issuer, no PKCE,
 * hostile endpoint URLs). Everything else in those tests is real. It records which paths were requested.
 */
import { listenLoopback } from './http-util.js';
import { onTeardown } from './cleanup.js';

/** A running metadata server. */
export interface MetadataServer {
  /** `http://127.0.0.1:<port>` — use it as the authorization server the protected resource names. */
  origin: string;
  /** Paths requested so far. */
  requests: string[];
}

/**
 * Serves `document(origin)` as JSON at `/.well-known/oauth-authorization-server` and
 * `/.well-known/openid-configuration`; everything else is 404. Closed after the test.
 */
export async function startMetadataServer(document: (origin: string) => Record<string, unknown>): Promise<MetadataServer> {
  const requests: string[] = [];
  let origin = '';
  const listening = await listenLoopback((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    requests.push(path);
    if (path === '/.well-known/oauth-authorization-server' || path === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document(origin)));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  origin = `http://127.0.0.1:${listening.port}`;
  onTeardown(() => listening.close());
  return { origin, requests };
}

/** The real provider's RFC 8414 metadata, fetched once, to derive altered documents from. */
export async function fetchMetadata(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}
