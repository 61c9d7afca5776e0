/**
 * A real 2026-07-28 MCP server for tests: the SDK 2.x `createMcpHandler` (stateless, per-request instances) on a
 * node:http server on 127.0.0.1, recording every HTTP request. Two variants: `modern-only` (`legacy: 'reject'`:
 * a 2025 `initialize` is refused the way the SDK refuses it) and `dual` (`legacy: 'stateless'`: 2025 clients are
 * served too).
 *
 * What it serves (one factory for both eras):
 * - tools: `echo`; `route` with `x-mcp-header` parameters (string, integer, boolean, nested) that the handler checks
 *   against the headers; `bad_header` whose annotation is invalid (on a `number`), which clients must leave out;
 *   `ask_llm` (sampling), `ask_user` (elicitation), `list_roots` (roots) through `input_required`; `loop` that asks
 *   again forever (`requestState` only); `slow` that waits until cancelled and records it; `log` (logging at each
 *   level the request asked for) and `progress`; `touch` that publishes change events;
 * - resources: `test://static`, subscribable `test://counter` (updated by `touch`); a prompt `greet`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import {
  createMcpHandler,
  fromJsonSchema,
  inputRequired,
  inputResponse,
  acceptedContent,
  McpServer,
  type McpHttpHandler,
} from '@modelcontextprotocol/server';
import { listenLoopback, noteBody, recordRequest, type ListenOptions, type RecordedRequest } from './http-util.js';
import type { ServerLayer } from './streamable-server.js';

/** Which eras the server serves. */
export type Server2026Variant = 'modern-only' | 'dual';

/** Options for {@link startServer2026}. */
export interface Server2026Options extends ListenOptions {
  variant?: Server2026Variant;
  /** Path of the MCP endpoint. Default `/mcp`. */
  path?: string;
  /** `responseMode` of the handler. Default `auto`. */
  responseMode?: 'auto' | 'sse' | 'json';
  /** Keep-alive comment interval on SSE streams; default 15 s. */
  keepAliveMs?: number;
  /** What stands in front of the endpoint (the protected server's OAuth), as for the 2025 fixture. */
  layer?: ServerLayer;
}

/** What the tools saw, for assertions. */
export interface Server2026Observations {
  /** `_meta` of each `tools/call` as the handler saw the request's envelope. */
  slowStarted: number;
  /** `slow` calls whose request was aborted (the client closed the stream). */
  slowCancelled: number;
  /** `requestState` values the `loop` tool received, in order. */
  loopStates: string[];
  /** Last `x-mcp-header` check result of `route`: the headers it saw. */
  routeHeaders: Record<string, string | null>[];
}

/** A running 2026 fixture. */
export interface Server2026 {
  url: string;
  port: number;
  requests: RecordedRequest[];
  observed: Server2026Observations;
  handler: McpHttpHandler;
  /** Publishes `tools/list_changed` after making `extra` appear in tools/list. */
  addTool(): void;
  /** Cuts every open `subscriptions/listen` stream (destroys its connection); resolves how many were cut. */
  dropListenStreams(): number;
  /** The next POST of `method` gets the head of an event stream, then its connection is cut (a broken stream). */
  breakNext(method: string): void;
  close(): Promise<void>;
}

/** Header-annotated schema of `route` (raw JSON Schema: the SDK passes it through as given). */
const ROUTE_SCHEMA = {
  type: 'object',
  properties: {
    region: { type: 'string', 'x-mcp-header': 'Region' },
    count: { type: 'integer', 'x-mcp-header': 'Count' },
    flag: { type: 'boolean', 'x-mcp-header': 'Flag' },
    where: { type: 'object', properties: { zone: { type: 'string', 'x-mcp-header': 'Zone' } } },
    note: { type: 'string' },
  },
} as const;

/** A tool whose annotation is invalid (x-mcp-header on a `number`). */
const BAD_SCHEMA = { type: 'object', properties: { ratio: { type: 'number', 'x-mcp-header': 'Ratio' } } } as const;

/** JSON Schema 2020-12 keywords and a `$ref` that clients must pass on untouched. */
const RICH_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: { name: { type: 'string', minLength: 1 } },
  properties: { who: { $ref: '#/$defs/name' }, tags: { type: 'array', prefixItems: [{ type: 'string' }] } },
} as const;

/** Starts the fixture. */
export async function startServer2026(options: Server2026Options = {}): Promise<Server2026> {
  const path = options.path ?? '/mcp';
  const requests: RecordedRequest[] = [];
  const observed: Server2026Observations = { slowStarted: 0, slowCancelled: 0, loopStates: [], routeHeaders: [] };
  let extraTool = false;
  let counter = 0;
  let handler!: McpHttpHandler;
  const listens = new Set<ServerResponse>();
  let breakMethod: string | undefined;

  const factory = () => {
    const server = new McpServer(
      { name: 'fixture-2026', version: '2.0.0' },
      { capabilities: { logging: {}, resources: { subscribe: true, listChanged: true }, tools: { listChanged: true }, prompts: { listChanged: true } }, instructions: 'Fixture instructions.' },
    );
    server.registerTool('echo', { description: 'Echoes its text', inputSchema: fromJsonSchema({ type: 'object', properties: { text: { type: 'string' } } }) }, async (args) => ({
      content: [{ type: 'text', text: String((args as { text?: unknown }).text ?? '') }],
    }));
    server.registerTool('route', { description: 'Routed by headers', inputSchema: fromJsonSchema(ROUTE_SCHEMA as never) }, async (args, ctx) => {
      const req = (ctx as { http?: { req?: Request } }).http?.req;
      const seen: Record<string, string | null> = {};
      for (const name of ['mcp-param-region', 'mcp-param-count', 'mcp-param-flag', 'mcp-param-zone', 'mcp-name', 'mcp-method']) {
        seen[name] = req?.headers.get(name) ?? null;
      }
      observed.routeHeaders.push(seen);
      return { content: [{ type: 'text', text: JSON.stringify(args) }] };
    });
    server.registerTool('bad_header', { description: 'Invalid annotation', inputSchema: fromJsonSchema(BAD_SCHEMA as never) }, async () => ({
      content: [{ type: 'text', text: 'should not be callable through a conforming client' }],
    }));
    server.registerTool('rich', { description: 'Schema keywords', inputSchema: fromJsonSchema(RICH_SCHEMA as never) }, async () => ({
      content: [{ type: 'text', text: 'rich' }],
    }));
    server.registerTool('ask_llm', { description: 'Samples', inputSchema: fromJsonSchema({ type: 'object', properties: {} }) }, async (_args, ctx) => {
      const view = inputResponse(ctx.mcpReq.inputResponses, 'q');
      if (view.kind !== 'sampling') {
        return inputRequired({
          inputRequests: {
            q: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'capital of France?' } }], maxTokens: 20 }),
          },
          requestState: 'state-ask-llm:é"\\/',
        });
      }
      const content = view.result.content as { type: string; text?: string };
      return { content: [{ type: 'text', text: `model said: ${content.text ?? ''}; state=${String(ctx.mcpReq.requestState())}` }] };
    });
    server.registerTool('ask_user', { description: 'Elicits', inputSchema: fromJsonSchema({ type: 'object', properties: {} }) }, async (_args, ctx) => {
      const content = acceptedContent(ctx.mcpReq.inputResponses, 'who');
      if (!content) {
        return inputRequired({
          inputRequests: { who: inputRequired.elicit({ message: 'Your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } }) },
        });
      }
      return { content: [{ type: 'text', text: `hello ${String(content.name)}` }] };
    });
    server.registerTool('ask_url', { description: 'Elicits through a URL', inputSchema: fromJsonSchema({ type: 'object', properties: {} }) }, async (_args, ctx) => {
      const view = inputResponse(ctx.mcpReq.inputResponses, 'site');
      if (view.kind !== 'elicit') {
        return inputRequired({ inputRequests: { site: inputRequired.elicitUrl({ message: 'Sign in there', url: 'https://example.com/consent' }) }, requestState: 'url-1' });
      }
      return { content: [{ type: 'text', text: `url elicitation: ${view.action}` }] };
    });
    server.registerTool('list_roots', { description: 'Lists roots', inputSchema: fromJsonSchema({ type: 'object', properties: {} }) }, async (_args, ctx) => {
      const view = inputResponse(ctx.mcpReq.inputResponses, 'roots');
      if (view.kind !== 'roots') return inputRequired({ inputRequests: { roots: inputRequired.listRoots() } });
      return { content: [{ type: 'text', text: view.roots.map((r) => r.uri).join(',') }] };
    });
    server.registerTool('loop', { description: 'Never done', inputSchema: fromJsonSchema({ type: 'object', properties: {} }) }, async (_args, ctx) => {
      const state = ctx.mcpReq.requestState();
      observed.loopStates.push(String(state));
      return inputRequired({ requestState: `round-${observed.loopStates.length}` });
    });
    server.registerTool('slow', { description: 'Waits until cancelled', inputSchema: fromJsonSchema({ type: 'object', properties: {} }) }, async (_args, ctx) => {
      observed.slowStarted++;
      const signal = ctx.mcpReq.signal;
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
        setTimeout(resolve, 20_000).unref();
      });
      if (signal.aborted) observed.slowCancelled++;
      return { content: [{ type: 'text', text: 'slow done' }] };
    });
    server.registerTool('log', { description: 'Logs at every level', inputSchema: fromJsonSchema({ type: 'object', properties: {} }) }, async (_args, ctx) => {
      for (const level of ['debug', 'info', 'warning', 'error'] as const) await ctx.mcpReq.log(level, `log at ${level}`);
      return { content: [{ type: 'text', text: 'logged' }] };
    });
    server.registerTool('progress', { description: 'Reports progress', inputSchema: fromJsonSchema({ type: 'object', properties: {} }) }, async (_args, ctx) => {
      const token = ctx.mcpReq._meta?.progressToken;
      if (token !== undefined) {
        for (let i = 1; i <= 3; i++) {
          await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: 3 } });
          // Apart, as a real tool's steps are: the SDK 1.x client handles a notification a tick after a response.
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      return { content: [{ type: 'text', text: 'progressed' }] };
    });
    server.registerTool('big', { description: 'A large result', inputSchema: fromJsonSchema({ type: 'object', properties: { kib: { type: 'integer' }, bytes: { type: 'integer' } } }) }, async (args) => {
      const { kib, bytes } = args as { kib?: number; bytes?: number };
      return { content: [{ type: 'text', text: 'x'.repeat(bytes ?? 1024 * (kib ?? 256)) }] };
    });
    server.registerTool('touch', { description: 'Changes the counter resource', inputSchema: fromJsonSchema({ type: 'object', properties: {} }) }, async () => {
      counter++;
      handler.notify.resourceUpdated('test://counter');
      return { content: [{ type: 'text', text: `counter ${counter}` }] };
    });
    if (extraTool) {
      server.registerTool('extra', { description: 'Appears later', inputSchema: fromJsonSchema({ type: 'object', properties: {} }) }, async () => ({
        content: [{ type: 'text', text: 'extra' }],
      }));
    }
    server.registerResource('static', 'test://static', { mimeType: 'text/plain' }, async (uri) => ({
      contents: [{ uri: uri.href, text: 'static text' }],
    }));
    server.registerResource('counter', 'test://counter', { mimeType: 'text/plain' }, async (uri) => ({
      contents: [{ uri: uri.href, text: `counter ${counter}` }],
    }));
    server.registerPrompt('greet', { description: 'Greets' }, async () => ({
      messages: [{ role: 'user', content: { type: 'text', text: 'Hello there' } }],
    }));
    return server;
  };

  handler = createMcpHandler(factory, {
    legacy: options.variant === 'dual' ? 'stateless' : 'reject',
    ...(options.responseMode ? { responseMode: options.responseMode } : {}),
    ...(options.keepAliveMs !== undefined ? { keepAliveMs: options.keepAliveMs } : {}),
  });

  const listening = await listenLoopback(async (req, res) => {
    const entry = recordRequest(req, res, requests);
    const layer = options.layer ?? {};
    layer.onRequest?.(req, res);
    if (entry.path !== path) {
      if (layer.route?.(req, res, entry.path)) return;
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const body = req.method === 'POST' || req.method === 'DELETE' ? await readAll(req) : undefined;
    const parsed = body !== undefined ? noteBody(entry, body.toString('utf8')) : undefined;
    if (layer.admit && !(await layer.admit(req, res, parsed))) return;
    if (breakMethod !== undefined && entry.rpc.includes(breakMethod)) {
      breakMethod = undefined;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': about to break\n\n', () => setTimeout(() => res.destroy(), 20));
      return;
    }
    if (entry.rpc.includes('subscriptions/listen')) {
      listens.add(res);
      res.on('close', () => listens.delete(res));
    }
    await serve(handler, req, res, body, entry);
  }, options);

  return {
    url: `http://127.0.0.1:${listening.port}${path}`,
    port: listening.port,
    requests,
    observed,
    handler,
    addTool() {
      extraTool = true;
      handler.notify.toolsChanged();
    },
    breakNext(method) {
      breakMethod = method;
    },
    dropListenStreams() {
      const open = [...listens];
      for (const res of open) res.destroy();
      return open.length;
    },
    async close() {
      await handler.close().catch(() => undefined);
      await listening.close();
    },
  };
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Hands one node:http exchange to the web-standard handler and streams its answer back; a closed socket aborts it. */
async function serve(handler: McpHttpHandler, req: IncomingMessage, res: ServerResponse, body: Buffer | undefined, entry: RecordedRequest): Promise<void> {
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  const request = new Request(`http://127.0.0.1${req.url ?? '/'}`, {
    method: req.method ?? 'GET',
    headers,
    signal: abort.signal,
    ...(body !== undefined && body.length > 0 ? { body: new Uint8Array(body) } : {}),
  });
  const response = await handler.fetch(request);
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => (out[name] = value));
  res.writeHead(response.status, out);
  if (!response.body) {
    res.end();
    return;
  }
  const stream = Readable.fromWeb(response.body as never);
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
  void entry;
}

/** What an {@link InterceptingFront} answers in place of the server: an HTTP status and a JSON body. */
export interface FrontAnswer {
  status: number;
  body: unknown;
}

/** A front started by {@link startInterceptingFront}. */
export interface InterceptingFront {
  url: string;
  close(): Promise<void>;
}

/**
 * A small real node:http server in front of `backendUrl` (odd or hostile 2026 servers): each POSTed JSON-RPC message
 * goes to `intercept` first, which answers it itself (a {@link FrontAnswer}) or lets it through (undefined); what
 * passes is forwarded with its headers, and the backend's answer returned as it came.
 */
export async function startInterceptingFront(
  backendUrl: string,
  intercept: (message: { id?: unknown; method?: string; params?: Record<string, unknown> }) => FrontAnswer | undefined,
): Promise<InterceptingFront> {
  const listening = await listenLoopback(async (req, res) => {
    const body = (await readAll(req)).toString('utf8');
    const message = body ? (JSON.parse(body) as { id?: unknown; method?: string; params?: Record<string, unknown> }) : undefined;
    const answer = message ? intercept(message) : undefined;
    if (answer) {
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers[name] = value;
    }
    const upstream = await fetch(backendUrl, { method: req.method ?? 'POST', headers, ...(body ? { body } : {}) });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  return { url: `http://127.0.0.1:${listening.port}/mcp`, close: () => listening.close() };
}
