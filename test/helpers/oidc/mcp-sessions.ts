/**
 * Stateful Streamable HTTP sessions for the protected fixture: one SDK `StreamableHTTPServerTransport` and one
 * protected `McpServer` per session, routed by `Mcp-Session-Id`. Authentication happens before this is reached.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeBody, sendJsonRpcError } from '../http-util.js';
import { createProtectedMcpServer } from './protected-tools.js';

/** The live sessions of one server. */
export class McpSessions {
  readonly #sessions = new Map<string, StreamableHTTPServerTransport>();

  /** Ids of the live sessions. */
  ids(): string[] {
    return [...this.#sessions.keys()];
  }

  /**
   * Hands an authenticated request (`req.auth` set, POST body already parsed) to its session's transport, or starts
   * a session for an `initialize`. Unknown session id → 404; no session id on anything else → 400.
   */
  async handle(req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse, body: unknown): Promise<void> {
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const transport = this.#sessions.get(sessionId);
      if (!transport) {
        sendJsonRpcError(res, 404, -32001, 'Session not found');
        return;
      }
      await transport.handleRequest(req, res, body);
      return;
    }
    if (req.method === 'POST' && isInitializeBody(body)) {
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          this.#sessions.set(id, transport);
        },
        onsessionclosed: (id) => {
          this.#sessions.delete(id);
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) this.#sessions.delete(transport.sessionId);
      };
      await createProtectedMcpServer().connect(transport);
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
