/**
 * A real legacy HTTP+SSE MCP server (SDK `SSEServerTransport`: GET /sse opens the stream and names the POST
 * endpoint, POST /messages?sessionId=… carries client messages) on 127.0.0.1, recording every request.
 */
import type { ServerResponse } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import {
  listenLoopback,
  noteBody,
  readBody,
  recordRequest,
  type ListenOptions,
  type RecordedRequest,
} from './http-util.js';
import { createTestMcpServer } from './test-tools.js';
import { closeAfterTest, type TeardownMode } from './cleanup.js';

/** Options for {@link startSseServer}. */
export interface SseServerOptions extends ListenOptions {
  /** `manual`: the caller closes it (one shared from `beforeAll`); default: it closes after the test. */
  teardown?: TeardownMode;
  /**
   * Status a POST to `/sse` gets (what a Streamable HTTP attempt against this legacy server sees). Default 405,
   * the usual answer of a GET-only route; 400 and 404 are other real-world answers. The body is a short text.
   */
  postStatus?: number;
  /** A new server with its tools for each stream. Default: the test tools ({@link createTestMcpServer}). */
  createServer?: () => McpServer;
}

/** A running legacy SSE fixture. */
export interface SseServer {
  /** Stream URL, e.g. `http://127.0.0.1:40123/sse`. */
  url: string;
  port: number;
  /** Every HTTP request received, in arrival order. */
  requests: RecordedRequest[];
  /** Live session view: `ids` with an open stream, `created` streams ever opened. */
  sessions: { readonly ids: string[]; readonly created: number };
  /** Stops listening, closes every session and destroys every connection. */
  close(): Promise<void>;
  /** Ends every open GET /sse response (stream loss); their sessions are forgotten. Returns how many ended. */
  dropStreams(): number;
}

/** Starts a legacy SSE MCP server serving the test tools (or the ones passed in). POST to an unknown session answers 404. */
export async function startSseServer(options: SseServerOptions = {}): Promise<SseServer> {
  const requests: RecordedRequest[] = [];
  const sessions = new Map<string, { transport: SSEServerTransport; res: ServerResponse }>();
  let created = 0;

  const listening = await listenLoopback(async (req, res) => {
    const entry = recordRequest(req, res, requests);
    if (entry.path === '/sse' && entry.method === 'GET') {
      const transport = new SSEServerTransport('/messages', res);
      const server = (options.createServer ?? createTestMcpServer)();
      transport.onclose = () => sessions.delete(transport.sessionId);
      sessions.set(transport.sessionId, { transport, res });
      created++;
      await server.connect(transport);
      return;
    }
    if (entry.path === '/sse') {
      if (entry.method === 'POST') noteBody(entry, await readBody(req));
      const status = entry.method === 'POST' ? (options.postStatus ?? 405) : 405;
      res.writeHead(status, { 'content-type': 'text/plain', allow: 'GET' }).end(`status ${status} for ${entry.method} /sse`);
      return;
    }
    if (entry.path === '/messages' && entry.method === 'POST') {
      const raw = await readBody(req);
      const body = noteBody(entry, raw);
      const session = sessions.get(entry.query.sessionId ?? '');
      if (!session) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('unknown session');
        return;
      }
      await session.transport.handlePostMessage(req, res, body);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }, options);

  // Closes once, however often it is called; unless `teardown: 'manual'`, at the end of the test by itself.
  const close = closeAfterTest(async () => {
    const open = [...sessions.values()];
    sessions.clear();
    await Promise.allSettled(open.map((s) => s.transport.close()));
    await listening.close();
  }, options.teardown);

  return {
    url: `http://127.0.0.1:${listening.port}/sse`,
    port: listening.port,
    requests,
    sessions: {
      get ids() {
        return [...sessions.keys()];
      },
      get created() {
        return created;
      },
    },
    close,
    dropStreams() {
      const open = [...sessions.values()];
      sessions.clear();
      for (const { res } of open) res.end();
      return open.length;
    },
  };
}
