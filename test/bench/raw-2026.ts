/**
 * A lean 2026-07-28 client for throughput runs: each `tools/call` is one stateless POST over node:http with a
 * keep-alive agent — the revision's headers (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`) and `_meta` (protocol
 * version, client capabilities and info) — and its answer read from JSON or from an SSE stream. What a conforming
 * client sends, without the SDK client's own per-call cost, so that with 32 of them in the bench process the servers
 * behind, not the clients, are what is measured.
 */
import { Agent, request } from 'node:http';
import { type BenchClient, type Connection } from './connections.js';

const CALL_TIMEOUT_MS = 15_000;

interface RpcAnswer {
  id?: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

/** The JSON-RPC answer with id `id` in an SSE body (`data:` lines). */
function fromEventStream(text: string, id: number): RpcAnswer | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const message = JSON.parse(line.slice(5)) as RpcAnswer;
    if (message.id === id) return message;
  }
  return undefined;
}

/** A connection whose client sends each call as one 2026-07-28 POST to `url` as client `name`. */
export function connectRaw2026(url: string, name: string, headers: Record<string, string> = {}): Connection {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const meta = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': { name, version: '1.0.0' },
  };
  let nextId = 0;
  const post = (method: string, params: Record<string, unknown>, nameHeader?: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = ++nextId;
      const body = JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } });
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          timeout: CALL_TIMEOUT_MS,
          headers: {
            ...headers,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'content-length': Buffer.byteLength(body),
            'mcp-protocol-version': '2026-07-28',
            'mcp-method': method,
            ...(nameHeader ? { 'mcp-name': nameHeader } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            try {
              const text = Buffer.concat(chunks).toString('utf8');
              const answer = /text\/event-stream/.test(res.headers['content-type'] ?? '') ? fromEventStream(text, id) : (JSON.parse(text) as RpcAnswer);
              if (answer?.result) resolve(answer.result);
              else reject(new Error(`${method}: HTTP ${res.statusCode} ${answer?.error ? `${answer.error.code} ${answer.error.message}` : text.slice(0, 200)}`));
            } catch (error) {
              reject(error instanceof Error ? error : new Error(String(error)));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method}: no answer within ${CALL_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  const client = {
    callTool: (params: { name: string; arguments?: Record<string, unknown> }) => post('tools/call', { name: params.name, arguments: params.arguments ?? {} }, params.name),
    listTools: () => post('tools/list', {}),
    close: async () => agent.destroy(),
  } as unknown as BenchClient;
  return { mode: `raw 2026 ${name}`, client, pid: undefined, stderrLines: () => 0, stderrHead: () => '', close: () => client.close() };
}
