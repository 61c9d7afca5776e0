/**
 * A hostile MCP server on node:http: it speaks just enough Streamable HTTP (answers `initialize` and `ping`,
 * accepts notifications, holds the standalone GET stream open) to be connected to, then answers `tools/call` with
 * whatever the tool's name asks for — bodies far larger than any limit, streams without a line end, a lying
 * `Content-Length`, floods of notifications, deeply nested results. Big bodies are generated as they are written,
 * with the socket's backpressure, so the test process never holds them; each answer records how many bytes went
 * out and whether the bridge let go of the connection.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { drainedOrClosed, listenLoopback, readBody } from './http-util.js';

/** What the server did with one hostile answer. */
export interface HostileAnswer {
  /** The tool name that asked for it. */
  name: string;
  /** Body bytes written so far. */
  bytesSent: number;
  /** The connection closed before the server ended the answer (the bridge let go). */
  closedEarly: boolean;
  /** The answer is over: ended by the server, or its connection closed. */
  done: boolean;
}

/** A running hostile server. */
export interface HostileServer {
  url: string;
  /** Every hostile answer, in order. */
  answers: HostileAnswer[];
  close(): Promise<void>;
}

/** Options of a `tools/call` to the hostile server (its `arguments`). */
export interface HostileArguments {
  /** Body size for the `huge-*` tools, in bytes (default 200 MB). */
  bytes?: number;
  /** Count for `flood` (default 200 000). */
  count?: number;
  /** Depth for `deep` (default 100 000). */
  depth?: number;
}

const MB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

type Rpc = { jsonrpc: '2.0'; id?: string | number; method?: string; params?: { name?: string; arguments?: HostileArguments } };

/**
 * Starts the server on 127.0.0.1. Tools: echo, huge-json, huge-sse-event, sse-no-line-end, lying-length, flood, deep,
 * huge-notification-on-get.
 */
export async function startHostileServer(): Promise<HostileServer> {
  const answers: HostileAnswer[] = [];
  let standalone: ServerResponse | undefined;
  const listening = await listenLoopback(async (req, res) => {
    if (req.method === 'GET' && (req.headers.accept ?? '').includes('text/event-stream')) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      standalone = res;
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const rpc = JSON.parse(await readBody(req)) as Rpc;
    if (rpc.id === undefined) {
      res.writeHead(202).end();
      return;
    }
    if (rpc.method === 'initialize') {
      json(res, {
        jsonrpc: '2.0',
        id: rpc.id,
        result: {
          protocolVersion: (rpc.params as { protocolVersion?: string } | undefined)?.protocolVersion ?? '2025-11-25',
          capabilities: { tools: {} },
          serverInfo: { name: 'hostile-server', version: '1.0.0' },
        },
      });
      return;
    }
    if (rpc.method !== 'tools/call') {
      json(res, { jsonrpc: '2.0', id: rpc.id, result: {} });
      return;
    }
    const name = rpc.params?.name ?? '';
    const args = rpc.params?.arguments ?? {};
    if (name === 'echo') {
      json(res, { jsonrpc: '2.0', id: rpc.id, result: { content: [{ type: 'text', text: 'still serving' }] } });
      return;
    }
    const answer: HostileAnswer = { name, bytesSent: 0, closedEarly: false, done: false };
    answers.push(answer);
    if (name === 'huge-notification-on-get') {
      // On the standalone stream: a notification over any limit, then a small one; the request itself is answered.
      const get = standalone;
      if (!get) throw new Error('no standalone GET stream is open');
      await write(get, answer, 'event: message\ndata: {"method":"notifications/message","params":{"level":"info","data":"');
      await filler(get, answer, args.bytes ?? 200 * MB);
      await write(get, answer, '"},"jsonrpc":"2.0"}\n\nevent: message\ndata: {"method":"notifications/message","params":{"level":"info","data":"after"},"jsonrpc":"2.0"}\n\n');
      answer.done = true;
      json(res, { jsonrpc: '2.0', id: rpc.id, result: { content: [{ type: 'text', text: 'pushed' }] } });
      return;
    }
    res.on('close', () => {
      if (!answer.done) answer.closedEarly = true;
      answer.done = true;
    });
    await hostile(name, rpc.id!, args, req, res, answer);
  });
  return {
    url: `http://127.0.0.1:${listening.port}/mcp`,
    answers,
    close: () => listening.close(),
  };
}

function json(res: ServerResponse, message: unknown): void {
  const body = JSON.stringify(message);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The closing part of a tools/call result whose text is being streamed, in the key order the SDK writes. */
const resultTail = (id: string | number) => `"}]},"jsonrpc":"2.0","id":${JSON.stringify(id)}}`;
const RESULT_HEAD = '{"result":{"content":[{"type":"text","text":"';

async function hostile(
  name: string,
  id: string | number,
  args: HostileArguments,
  _req: IncomingMessage,
  res: ServerResponse,
  answer: HostileAnswer,
): Promise<void> {
  const bytes = args.bytes ?? 200 * MB;
  switch (name) {
    case 'huge-json':
      // No Content-Length: chunked, so the size is only known by counting.
      res.writeHead(200, { 'content-type': 'application/json' });
      await write(res, answer, RESULT_HEAD);
      await filler(res, answer, bytes);
      await finish(res, answer, resultTail(id));
      return;
    case 'huge-sse-event':
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      await write(res, answer, `event: message\ndata: ${RESULT_HEAD}`);
      await filler(res, answer, bytes);
      await finish(res, answer, `${resultTail(id)}\n\n`);
      return;
    case 'sse-no-line-end':
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      await write(res, answer, 'data: ');
      await filler(res, answer, bytes);
      await finish(res, answer, '');
      return;
    case 'lying-length':
      // Announces 2 GB, sends a few bytes, and keeps the connection open.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2 * 1024 * MB) });
      await write(res, answer, RESULT_HEAD);
      return;
    case 'flood': {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const count = args.count ?? 200_000;
      let batch = '';
      for (let i = 0; i < count && !res.destroyed; i++) {
        batch += `event: message\ndata: {"method":"notifications/message","params":{"level":"info","data":${i}},"jsonrpc":"2.0"}\n\n`;
        if (batch.length >= 60_000) {
          await write(res, answer, batch);
          batch = '';
        }
      }
      await write(res, answer, batch);
      await finish(res, answer, `event: message\ndata: {"result":{"content":[{"type":"text","text":"flood of ${count} done"}]},"jsonrpc":"2.0","id":${JSON.stringify(id)}}\n\n`);
      return;
    }
    case 'deep': {
      const depth = args.depth ?? 100_000;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      await finish(res, answer, `event: message\ndata: {"result":{"content":[],"structuredContent":{"deep":${'['.repeat(depth)}${']'.repeat(depth)}}},"jsonrpc":"2.0","id":${JSON.stringify(id)}}\n\n`);
      return;
    }
    default:
      json(res, { jsonrpc: '2.0', id, error: { code: -32602, message: `unknown tool ${name}` } });
  }
}

/** Writes `text`, waiting for the socket to drain when its buffer is full; resolves early if the connection closes. */
async function write(res: ServerResponse, answer: HostileAnswer, data: string | Buffer): Promise<void> {
  if (res.destroyed || data.length === 0) return;
  answer.bytesSent += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  if (res.write(data)) return;
  await drainedOrClosed(res);
}

/** Writes `bytes` of `x` in 64 KiB chunks, stopping if the connection closes. */
async function filler(res: ServerResponse, answer: HostileAnswer, bytes: number): Promise<void> {
  for (let left = bytes; left > 0 && !res.destroyed; left -= CHUNK.length) {
    await write(res, answer, left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left));
  }
}

async function finish(res: ServerResponse, answer: HostileAnswer, text: string): Promise<void> {
  if (res.destroyed) return;
  await write(res, answer, text);
  res.end();
  answer.done = true;
}
