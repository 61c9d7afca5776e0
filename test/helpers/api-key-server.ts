/**
 * A server that wants an API key, as many MCP servers do: every path (the MCP endpoint, the well-known metadata
 * URLs, `/authorize`, `/register`) answers 401 with a non-OAuth challenge (or none) and a short text body. Records
 * every path asked for, so a test can see that nothing was registered or logged in to there.
 */
import { listenLoopback } from './http-util.js';
import { onTeardown } from './cleanup.js';

/** Options for {@link startApiKeyServer}. */
export interface ApiKeyServerOptions {
  /** The `WWW-Authenticate` value sent with each 401; undefined sends none. */
  challenge?: string;
  /** The 401 body. */
  body: string;
}

/** A running API-key server. */
export interface ApiKeyServer {
  url: string;
  /** Paths requested, in order. */
  paths: string[];
}

/** Starts an {@link ApiKeyServer} on 127.0.0.1; closed after the test. */
export async function startApiKeyServer(options: ApiKeyServerOptions): Promise<ApiKeyServer> {
  const paths: string[] = [];
  const listening = await listenLoopback((req, res) => {
    paths.push(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    req.resume();
    res.writeHead(401, { 'content-type': 'text/plain', ...(options.challenge ? { 'www-authenticate': options.challenge } : {}) });
    res.end(options.body);
  });
  onTeardown(() => listening.close());
  return { url: `http://127.0.0.1:${listening.port}/mcp`, paths };
}
