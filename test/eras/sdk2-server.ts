/**
 * Serves {@link buildSdk2Server} on a node:http server at 127.0.0.1:<free port>/mcp, in one era or both, the way the
 * SDK's 2.x documentation composes them: 2026-07-28 requests go to `createMcpHandler` (strict, `legacy: 'reject'`),
 * 2025 requests (by the SDK's own `isLegacyRequest`) to a sessionful `WebStandardStreamableHTTPServerTransport` per
 * session, so 2025 clients keep server-to-client requests and the standalone stream. Modes as the Python fixture's
 * (test/helpers/python-2026-server.ts): `modern` lets `createMcpHandler` refuse 2025 requests itself, `legacy`
 * refuses 2026 requests with 400 and no modern error. Closed after the test.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createMcpHandler, isLegacyRequest, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { onTeardown } from '../helpers/cleanup.js';
import type { Python2026Mode } from '../helpers/python-2026-server.js';
import { buildSdk2Server, sdk2State } from './sdk2-tools.js';

/** A running SDK 2.x fixture server. */
export interface Sdk2Server {
  url: string;
  close(): Promise<void>;
}

async function webRequest(req: IncomingMessage, url: string, signal: AbortSignal): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
  const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks);
  return new Request(url, { method: req.method, headers, body, signal });
}

async function writeWebResponse(res: ServerResponse, response: Response): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body) return void res.end();
  const reader = response.body.getReader();
  res.on('close', () => void reader.cancel().catch(() => undefined));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } catch {
    // the client went away
  }
  res.end();
}

/** Starts the server in `mode` (see the module comment). */
export async function startSdk2Server(mode: Python2026Mode): Promise<Sdk2Server> {
  const state = sdk2State();
  const modern = createMcpHandler(() => buildSdk2Server('modern', state), { legacy: 'reject' });
  state.notify = modern.notify;
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();

  const serveLegacy = async (request: Request): Promise<Response> => {
    const sessionId = request.headers.get('mcp-session-id');
    const existing = sessionId ? sessions.get(sessionId) : undefined;
    if (existing) return existing.handleRequest(request);
    if (sessionId) return new Response('unknown session', { status: 404 });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => void sessions.set(id, transport),
    });
    const server = buildSdk2Server('legacy', state);
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
      state.subscribers.delete(server);
    };
    await server.connect(transport);
    return transport.handleRequest(request);
  };

  const http = createServer((req, res) => {
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    void (async () => {
      const request = await webRequest(req, `http://127.0.0.1${req.url ?? '/'}`, abort.signal);
      if (new URL(request.url).pathname !== '/mcp') return writeWebResponse(res, new Response('not found', { status: 404 }));
      const legacy = await isLegacyRequest(request);
      let response: Response;
      if (legacy && mode !== 'modern') response = await serveLegacy(request);
      else if (!legacy && mode === 'legacy') {
        response = Response.json({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Bad Request: Unsupported protocol version' } }, { status: 400 });
      } else response = await modern.fetch(request);
      await writeWebResponse(res, response);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as { port: number };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await modern.close();
    await Promise.all([...sessions.values()].map((t) => t.close().catch(() => undefined)));
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  };
  onTeardown(close);
  return { url: `http://127.0.0.1:${port}/mcp`, close };
}
