/**
 * A real, stateful Streamable HTTP MCP server (SDK `McpServer` + `StreamableHTTPServerTransport`, one pair per
 * session) on 127.0.0.1, recording every HTTP request it receives.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  isInitializeBody,
  listenLoopback,
  noteBody,
  readBody,
  recordRequest,
  sendJsonRpcError,
  type ListenOptions,
  type RecordedRequest,
} from './http-util.js';
import { createTestMcpServer } from './test-tools.js';

/** Options for {@link startStreamableServer}. */
export interface StreamableServerOptions extends ListenOptions {
  /** Answer POSTs with plain JSON instead of an SSE stream (`enableJsonResponse`). Default false. */
  jsonResponse?: boolean;
  /** Path the MCP endpoint is served on. Default `/mcp`. */
  path?: string;
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
 * Starts a stateful Streamable HTTP MCP server serving the test tools (see `registerTestTools`).
 * Unknown session id → 404; no session id on a non-initialize request → 400; DELETE is handled by the transport.
 */
export async function startStreamableServer(options: StreamableServerOptions = {}): Promise<StreamableServer> {
  const path = options.path ?? '/mcp';
  const requests: RecordedRequest[] = [];
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const deleted: string[] = [];
  const open = new Map<ServerResponse, string>();
  let created = 0;

  const listening = await listenLoopback(async (req, res) => {
    const entry = recordRequest(req, res, requests);
    open.set(res, entry.method);
    res.on('close', () => open.delete(res));
    if (entry.path !== path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    let body: unknown;
    if (entry.method === 'POST') {
      const raw = await readBody(req);
      body = noteBody(entry, raw);
      if (body === undefined) {
        sendJsonRpcError(res, 400, -32700, 'Parse error');
        return;
      }
    }
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const transport = sessions.get(sessionId);
      if (!transport) {
        sendJsonRpcError(res, 404, -32001, 'Session not found');
        return;
      }
      if (entry.method === 'DELETE') deleted.push(sessionId);
      await transport.handleRequest(req, res, body);
      return;
    }
    if (entry.method === 'POST' && isInitializeBody(body)) {
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: options.jsonResponse ?? false,
        onsessioninitialized: (id) => {
          created++;
          sessions.set(id, transport);
        },
        onsessionclosed: (id) => {
          sessions.delete(id);
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      const server = createTestMcpServer();
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
      return;
    }
    sendJsonRpcError(res, 400, -32000, 'Bad Request: no valid session id');
  }, options);

  const closeSessions = async () => {
    const transports = [...sessions.values()];
    sessions.clear();
    await Promise.allSettled(transports.map((t) => t.close()));
  };

  return {
    url: `http://127.0.0.1:${listening.port}${path}`,
    port: listening.port,
    requests,
    sessions: {
      get ids() {
        return [...sessions.keys()];
      },
      get created() {
        return created;
      },
      get deleted() {
        return [...deleted];
      },
    },
    async close() {
      await closeSessions();
      await listening.close();
    },
    dropSessions: closeSessions,
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
