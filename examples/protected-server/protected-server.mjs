// One HTTP server on 127.0.0.1 that plays both parts of a protected MCP deployment:
//
//   /mcp                                        the MCP endpoint (Streamable HTTP), for valid access tokens only
//   /.well-known/oauth-protected-resource/mcp   its RFC 9728 metadata, naming the authorization server
//                                               (spec-compliant mode only; also at /.well-known/oauth-protected-resource)
//   /oidc/...                                   the OpenID provider (issuer http://127.0.0.1:<port>/oidc)
//
// Two modes:
//   spec-compliant (default): a request without a valid token gets
//       401  WWW-Authenticate: Bearer resource_metadata="…/.well-known/oauth-protected-resource/mcp", scope="mcp:tools"
//     so a client (the bridge) discovers everything, registers itself and logs in.
//   bare: a plain `401 WWW-Authenticate: Bearer` and no metadata, like servers that only validate tokens; the client
//     must be told the issuer and a client id (`mcp-auth-bridge --issuer … --client-id …`).
// Standalone on purpose: like every example, this file imports nothing from test/ (the test harness has its own
// one-of-each helpers for the same jobs), so it can be read, run and copied as it is.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { bearerChallenge, createTokenChecker } from './auth.mjs';
import { createProvider, EXAMPLE_CLIENT_ID, MCP_SCOPE } from './provider.mjs';
import { createToolServer } from './tools.mjs';

export { EXAMPLE_CLIENT_ID } from './provider.mjs';

/** The port used when none is given. */
export const DEFAULT_PORT = 3334;

const ISSUER_PATH = '/oidc';
const MCP_PATH = '/mcp';
const METADATA_PATHS = ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource'];

/**
 * Starts the server. Resolves once it listens, with its URLs and `close()`.
 *
 * @param {{ port?: number, bare?: boolean, accessTokenTtl?: number, log?: (line: string) => void }} [options]
 *   `port` 0 picks a free port; `log` receives one line per notable event (default: none).
 * @returns {Promise<{ mcpUrl: string, issuer: string, resourceMetadataUrl: string | undefined, clientId: string,
 *   bare: boolean, port: number, close: () => Promise<void> }>}
 */
export async function startProtectedServer({ port = DEFAULT_PORT, bare = false, accessTokenTtl = 3600, log = () => {} } = {}) {
  // Listen first: the URLs (hence the issuer and the tokens' audience) depend on the port actually bound.
  let handle = (_req, res) => res.writeHead(503).end();
  const http = createServer((req, res) => handle(req, res));
  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', () => resolve(undefined));
  });
  const origin = `http://127.0.0.1:${http.address().port}`;
  const mcpUrl = `${origin}${MCP_PATH}`;
  const issuer = `${origin}${ISSUER_PATH}`;
  const resourceMetadataUrl = `${origin}${METADATA_PATHS[0]}`;

  let provider;
  try {
    provider = await createProvider({ issuer, resource: mcpUrl, accessTokenTtl, log });
  } catch (error) {
    http.close();
    throw error;
  }
  const providerCallback = provider.callback();
  const checkToken = createTokenChecker({ issuer, jwksUri: `${issuer}/jwks`, audience: mcpUrl });

  // RFC 9728 protected-resource metadata: which resource this is and who issues tokens for it.
  const metadata = {
    resource: mcpUrl,
    authorization_servers: [issuer],
    scopes_supported: [MCP_SCOPE],
    bearer_methods_supported: ['header'],
    resource_name: 'mcp-auth-bridge protected example',
  };

  /** @type {Map<string, StreamableHTTPServerTransport>} one MCP session per initialize */
  const sessions = new Map();

  const handleMcp = async (req, res) => {
    const checked = await checkToken(req.headers.authorization);
    if (!checked.ok) {
      log(`mcp: ${req.method} ${MCP_PATH} → 401 (${checked.description})`);
      const challenge = bearerChallenge({ ...checked, ...(bare ? {} : { resourceMetadata: resourceMetadataUrl, scope: MCP_SCOPE }) });
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': challenge });
      res.end(JSON.stringify({ error: checked.error ?? 'unauthorized', error_description: checked.description }));
      return;
    }
    req.auth = checked.auth; // read by the SDK transport and passed to tools as `extra.authInfo`

    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? sessions.get(id) : undefined;
    if (!transport) {
      if (id) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('session not found');
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sessionId) => sessions.set(sessionId, transport),
      });
      transport.onclose = () => transport.sessionId && sessions.delete(transport.sessionId);
      await createToolServer().connect(transport);
    }
    let body;
    if (req.method === 'POST') {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return void res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid JSON');
      }
      for (const message of Array.isArray(body) ? body : [body]) {
        if (message?.method === 'tools/call') log(`mcp: ${checked.auth.extra.sub} called ${message.params?.name}`);
      }
    }
    await transport.handleRequest(req, res, body);
  };

  handle = async (req, res) => {
    const { pathname } = new URL(req.url ?? '/', origin);
    try {
      if (pathname === ISSUER_PATH || pathname.startsWith(`${ISSUER_PATH}/`)) {
        // Mount the provider under /oidc: it reads the prefix from `originalUrl` and builds its URLs with it.
        req.originalUrl = req.url;
        req.url = req.url.slice(ISSUER_PATH.length) || '/';
        return providerCallback(req, res);
      }
      if (!bare && METADATA_PATHS.includes(pathname) && req.method === 'GET') {
        log(`mcp: served the protected-resource metadata (${pathname})`);
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(metadata));
      }
      if (pathname === MCP_PATH) return await handleMcp(req, res);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    } catch (error) {
      log(`error: ${error?.stack ?? error}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      else res.destroy();
    }
  };

  return {
    mcpUrl,
    issuer,
    resourceMetadataUrl: bare ? undefined : resourceMetadataUrl,
    clientId: EXAMPLE_CLIENT_ID,
    bare,
    port: http.address().port,
    async close() {
      await Promise.allSettled([...sessions.values()].map((transport) => transport.close()));
      http.closeAllConnections();
      await new Promise((resolve) => http.close(() => resolve(undefined)));
    },
  };
}
