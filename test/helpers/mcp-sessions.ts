/**
 * The one Streamable HTTP session routing of the test servers: SDK `StreamableHTTPServerTransport`s, each with its
 * own `McpServer` from the factory the caller passes in (the tools), routed by `Mcp-Session-Id` — or, stateless, one
 * pair per request. Whatever comes before (recording, authentication, body parsing) is the caller's.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeBody, sendJsonRpcError } from './http-util.js';

/** Options for {@link McpSessions}. */
export interface McpSessionsOptions {
  /** A new server with its tools, one per session (or per request when `stateless`). */
  createServer: () => McpServer;
  /** Answer POSTs with plain JSON instead of an SSE stream (`enableJsonResponse`). Default false. */
  jsonResponse?: boolean;
  /** No sessions: no `Mcp-Session-Id`, a new server and transport for every request. Default false (stateful). */
  stateless?: boolean;
}

/** The live sessions of one test server. */
export class McpSessions {
  readonly #sessions = new Map<string, StreamableHTTPServerTransport>();
  readonly #deleted: string[] = [];
  readonly #options: McpSessionsOptions;
  #created = 0;

  constructor(options: McpSessionsOptions) {
    this.#options = options;
  }

  /** Ids of the live sessions. */
  ids(): string[] {
    return [...this.#sessions.keys()];
  }

  /** Sessions ever initialized. */
  get created(): number {
    return this.#created;
  }

  /** Ids of the sessions a client ended with DELETE, in order. */
  get deleted(): string[] {
    return [...this.#deleted];
  }

  /**
   * Hands a request (POST body already parsed; `req.auth` set when the caller authenticated it) to its session's
   * transport, or starts a session for an `initialize`. Unknown session id → 404; no session id on anything else
   * → 400. Stateless: every request gets a fresh server and transport, closed when the response is.
   */
  async handle(req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse, body: unknown): Promise<void> {
    if (this.#options.stateless) {
      const server = this.#options.createServer();
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: this.#options.jsonResponse ?? false,
      });
      res.on('close', () => void server.close());
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
      return;
    }
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const transport = this.#sessions.get(sessionId);
      if (!transport) {
        sendJsonRpcError(res, 404, -32001, 'Session not found');
        return;
      }
      if (req.method === 'DELETE') this.#deleted.push(sessionId);
      await transport.handleRequest(req, res, body);
      return;
    }
    if (req.method === 'POST' && isInitializeBody(body)) {
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: this.#options.jsonResponse ?? false,
        onsessioninitialized: (id) => {
          this.#created++;
          this.#sessions.set(id, transport);
        },
        onsessionclosed: (id) => {
          this.#sessions.delete(id);
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) this.#sessions.delete(transport.sessionId);
      };
      await this.#options.createServer().connect(transport);
      await transport.handleRequest(req, res, body);
      return;
    }
    sendJsonRpcError(res, 400, -32000, 'Bad Request: no valid session id');
  }

  /** Closes every session; requests with their ids then get 404. */
  async closeAll(): Promise<void> {
    const transports = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.allSettled(transports.map((t) => t.close()));
  }
}
