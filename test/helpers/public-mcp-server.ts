/**
 * A protected MCP server that looks public: the bridge reaches it as `http://mcp.public.example/mcp` through a forward
 * proxy (`--use-env-proxy`) that alone knows the name, so on this machine the name does not resolve and the server
 * counts as public. It answers 401 and names `authorizationServer` in its RFC 9728 metadata — a case a real server
 * library would not be configured to produce. Everything is closed after the test.
 */
import { listenLoopback } from './http-util.js';
import { onTeardown } from './cleanup.js';
import { startHttpProxy, type HttpProxy } from './proxy-server.js';

/** The public-looking URL of the server. */
export const PUBLIC_MCP_URL = 'http://mcp.public.example/mcp';

/** Starts the server and the proxy that knows it; returns the proxy (for `HTTP_PROXY`). */
export async function startPublicMcpServer(authorizationServer: string): Promise<HttpProxy> {
  const listening = await listenLoopback((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/.well-known/oauth-protected-resource/mcp') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ resource: PUBLIC_MCP_URL, authorization_servers: [authorizationServer] }));
      return;
    }
    res.writeHead(401, { 'www-authenticate': 'Bearer resource_metadata="http://mcp.public.example/.well-known/oauth-protected-resource/mcp"' }).end();
  });
  onTeardown(() => listening.close());
  const proxy = await startHttpProxy({ 'mcp.public.example': `127.0.0.1:${listening.port}` });
  onTeardown(() => proxy.close());
  return proxy;
}
