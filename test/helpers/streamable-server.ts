/**
 * The one MCP test server: a real Streamable HTTP MCP server (SDK `McpServer` + `StreamableHTTPServerTransport`,
 * routed by {@link McpSessions}; stateful by default) on 127.0.0.1, recording every HTTP request it receives, with
 * the tools passed in and an optional layer in front of the endpoint (the protected server's OAuth,
 * test/helpers/oidc/protected-mcp-server.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  listenLoopback,
  noteBody,
  readBody,
  recordRequest,
  sendJsonRpcError,
  type ListenOptions,
  type RecordedRequest,
} from './http-util.js';
import { McpSessions } from './mcp-sessions.js';
import { createTestMcpServer } from './test-tools.js';
import { closeAfterTest, type TeardownMode } from './cleanup.js';

/** Options for {@link startStreamableServer}. */
export interface StreamableServerOptions extends ListenOptions {
  /** `manual`: the caller closes it (one shared from `beforeAll`); default: it closes after the test. */
  teardown?: TeardownMode;
  /** Answer POSTs with plain JSON instead of an SSE stream (`enableJsonResponse`). Default false. */
  jsonResponse?: boolean;
  /** Path the MCP endpoint is served on. Default `/mcp`. */
  path?: string;
  /** A new server with its tools for each session. Default: the test tools ({@link createTestMcpServer}). */
  createServer?: () => McpServer;
  /** No sessions: a new server and transport for every request (see {@link McpSessions}). Default false. */
  stateless?: boolean;
  /** What stands in front of the endpoint (authentication, more routes, own recording); default nothing. */
  layer?: ServerLayer;
}

/** A layer in front of the MCP endpoint, e.g. OAuth: each hook is optional. */
export interface ServerLayer {
  /** Sees every request first (for the layer's own recording). */
  onRequest?(req: IncomingMessage, res: ServerResponse): void;
  /** A request for another path than the endpoint: answer it and return true (e.g. metadata), or false for a 404. */
  route?(req: IncomingMessage, res: ServerResponse, path: string): boolean;
  /**
   * A request for the endpoint, its POST body read (`body` undefined when it is not JSON): answer it and return
   * false to refuse it, or return true to let the MCP transport have it (after setting `req.auth`, if any).
   */
  admit?(req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse, body: unknown): Promise<boolean>;
}

/** Which streams {@link StreamableServer.dropStreams} cuts. */
export type StreamKind = 'all' | 'get' | 'post';

/** A running Streamable HTTP fixture. */
export interface StreamableServer {
  /** Endpoint URL, e.g. `http://127.0.0.1:40123/mcp`. */
  url: string;
  port: number;
  /** Every HTTP request received, in arrival order (inspect, or clear with `requests.length = 0`). */
  requests: RecordedRequest[];
  /** Live session view: `ids` currently known, `created` ever initialized, `closed` ended by DELETE. */
  sessions: { readonly ids: string[]; readonly created: number; readonly deleted: string[] };
  /** Stops listening, closes every session and destroys every connection. */
  close(): Promise<void>;
  /** Forgets every session (closing its streams): the next request with an old id gets 404 Session not found. */
  dropSessions(): Promise<void>;
  /** Destroys the sockets of responses still open (SSE streams); `kind` limits it to GET or POST streams. */
  dropStreams(kind?: StreamKind): number;
}

/**
 * Starts a stateful Streamable HTTP MCP server serving the test tools (see `registerTestTools`) or the ones passed in,
 * routed by {@link McpSessions}.
 * Unknown session id → 404; no session id on a non-initialize request → 400; DELETE is handled by the transport.
 */
export async function startStreamableServer(options: StreamableServerOptions = {}): Promise<StreamableServer> {
  const path = options.path ?? '/mcp';
  const requests: RecordedRequest[] = [];
  const sessions = new McpSessions({
    createServer: options.createServer ?? createTestMcpServer,
    jsonResponse: options.jsonResponse ?? false,
    stateless: options.stateless ?? false,
  });
  const layer = options.layer ?? {};
  const open = new Map<ServerResponse, string>();

  const listening = await listenLoopback(async (req, res) => {
    layer.onRequest?.(req, res);
    const entry = recordRequest(req, res, requests);
    open.set(res, entry.method);
    res.on('close', () => open.delete(res));
    if (entry.path !== path) {
      if (layer.route?.(req, res, entry.path)) return;
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const body = entry.method === 'POST' ? noteBody(entry, await readBody(req)) : undefined;
    if (layer.admit && !(await layer.admit(req, res, body))) return;
    if (entry.method === 'POST' && body === undefined) {
      sendJsonRpcError(res, 400, -32700, 'Parse error');
      return;
    }
    await sessions.handle(req, res, body);
  }, options);

  // Closes once, however often it is called; unless `teardown: 'manual'`, at the end of the test by itself.
  const close = closeAfterTest(async () => {
    await sessions.closeAll();
    await listening.close();
  }, options.teardown);

  return {
    url: `http://127.0.0.1:${listening.port}${path}`,
    port: listening.port,
    requests,
    sessions: {
      get ids() {
        return sessions.ids();
      },
      get created() {
        return sessions.created;
      },
      get deleted() {
        return sessions.deleted;
      },
    },
    close,
    dropSessions: () => sessions.closeAll(),
    dropStreams(kind = 'all') {
      let count = 0;
      for (const [res, method] of open) {
        if (kind === 'get' && method !== 'GET') continue;
        if (kind === 'post' && method !== 'POST') continue;
        res.socket?.destroy();
        count++;
      }
      return count;
    },
  };
}
