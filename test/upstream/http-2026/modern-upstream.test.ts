// A 2026-07-28 server (the SDK 2.x `createMcpHandler`, modern-only) behind the real bridge, driven by a real SDK 1.x
// client speaking 2025-11-25: the handshake answered from server/discover, every request carrying `_meta` and the
// headers the server validates, MRTR turned into real server-to-client requests, the local answers, and the tools
// whose annotations are invalid left out.
import { describe, expect, it } from 'vitest';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectThroughBridge } from '../../helpers/bridge.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { CLIENT_ROOTS, ELICIT_CONTENT, SAMPLING_MODEL } from '../../helpers/client.js';
import { startInterceptingFront, startServer2026, type Server2026 } from '../../helpers/server-2026.js';
import { waitFor } from '../../helpers/wait.js';

useTeardown();

async function modernServer(options: Parameters<typeof startServer2026>[0] = {}): Promise<Server2026> {
  const server = await startServer2026({ variant: 'modern-only', ...options });
  onTeardown(() => server.close());
  return server;
}

function bodies(server: Server2026, method: string): Record<string, unknown>[] {
  return server.requests.filter((r) => r.rpc.includes(method)).map((r) => JSON.parse(r.body) as Record<string, unknown>);
}

describe('a 2026-07-28 server behind a 2025-11-25 client', () => {
  it('answers initialize from server/discover and sends every request with _meta and the standard headers', async () => {
    const server = await modernServer();
    const bridged = await connectThroughBridge({ url: server.url });
    expect(bridged.client.getServerVersion()).toEqual({ name: 'fixture-2026', version: '2.0.0' });
    expect(bridged.client.getInstructions()).toBe('Fixture instructions.');
    expect(bridged.client.getServerCapabilities()).toMatchObject({ tools: { listChanged: true }, resources: { subscribe: true } });
    const result = await bridged.client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(result).toHaveProperty('content.0.text', 'hi');
    const call = server.requests.find((r) => r.rpc.includes('tools/call'))!;
    expect(call.headers).toMatchObject({ 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' });
    const meta = (JSON.parse(call.body) as { params: { _meta: Record<string, unknown> } }).params._meta;
    expect(meta).toMatchObject({
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'bridge-test-client', version: '1.0.0' },
      'io.modelcontextprotocol/clientCapabilities': { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } },
    });
    // After a failed 2025 initialize (the detection), no initialize again, and no GET, DELETE or notification POST.
    expect(server.requests.filter((r) => r.rpc.includes('initialize'))).toHaveLength(1);
    expect(server.requests.filter((r) => r.method !== 'POST')).toEqual([]);
    expect(server.requests.filter((r) => r.rpc.some((m) => m.startsWith('notifications/')))).toEqual([]);
    expect(bridged.errors).toEqual([]);
  });

  it('leaves tools with invalid x-mcp-header annotations out of tools/list, and passes schemas on untouched', async () => {
    const server = await modernServer();
    const bridged = await connectThroughBridge({ url: server.url });
    const { tools } = await bridged.client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toContain('route');
    expect(names).not.toContain('bad_header');
    const rich = tools.find((t) => t.name === 'rich')!;
    expect(rich.inputSchema).toEqual({
      type: 'object',
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $defs: { name: { type: 'string', minLength: 1 } },
      properties: { who: { $ref: '#/$defs/name' }, tags: { type: 'array', prefixItems: [{ type: 'string' }] } },
    });
    expect(bridged.stderr()).toMatch(/left tool "bad_header" out of the tool list/);
  });

  it('mirrors x-mcp-header arguments into Mcp-Param headers the server accepts, with the Base64 form where needed', async () => {
    const server = await modernServer();
    const bridged = await connectThroughBridge({ url: server.url });
    await bridged.client.listTools();
    const args = { region: 'Hello, 世界', count: 42, flag: false, where: { zone: ' padded ' }, note: 'x' };
    const result = await bridged.client.callTool({ name: 'route', arguments: args });
    expect(result.isError).toBeFalsy();
    expect(server.observed.routeHeaders.at(-1)).toEqual({
      'mcp-param-region': '=?base64?SGVsbG8sIOS4lueVjA==?=',
      'mcp-param-count': '42',
      'mcp-param-flag': 'false',
      'mcp-param-zone': '=?base64?IHBhZGRlZCA=?=',
      'mcp-name': 'route',
      'mcp-method': 'tools/call',
    });
  });

  it('learns the headers with one tools/list when a call comes before any list (HeaderMismatch), then calls again', async () => {
    const server = await modernServer();
    const bridged = await connectThroughBridge({ url: server.url });
    const result = await bridged.client.callTool({ name: 'route', arguments: { region: 'eu-west1' } });
    expect(result.isError).toBeFalsy();
    expect(server.observed.routeHeaders.at(-1)).toMatchObject({ 'mcp-param-region': 'eu-west1' });
    const rpc = server.requests.flatMap((r) => r.rpc).filter((m) => !['initialize', 'server/discover', 'subscriptions/listen'].includes(m));
    expect(rpc).toEqual(['tools/call', 'tools/list', 'tools/call']);
  });

  it.each([
    ['ask_llm', 'sampling/createMessage', `model said: sampled: capital of France?; state=state-ask-llm:é"\\/`],
    ['ask_user', 'elicitation/create', `hello ${ELICIT_CONTENT.name}`],
    ['list_roots', 'roots/list', CLIENT_ROOTS.map((r) => r.uri).join(',')],
  ])('turns input_required from %s into a real %s request to the client and retries with its answer', async (tool, method, text) => {
    const server = await modernServer();
    const bridged = await connectThroughBridge({ url: server.url });
    const result = await bridged.client.callTool({ name: tool, arguments: {} });
    expect(result).toHaveProperty('content.0.text', text);
    expect(bridged.serverRequests).toEqual([method]);
    const calls = bodies(server, 'tools/call') as { id: unknown; params: Record<string, unknown> }[];
    expect(calls).toHaveLength(2);
    expect(calls[1]!.id).not.toEqual(calls[0]!.id);
    expect(Object.keys(calls[1]!.params.inputResponses as object)).toHaveLength(1);
    if (tool === 'ask_llm') {
      expect(calls[1]!.params.requestState).toBe('state-ask-llm:é"\\/');
      expect(calls[1]!.params.inputResponses).toMatchObject({ q: { model: SAMPLING_MODEL, role: 'assistant' } });
    } else {
      expect(calls[1]!.params).not.toHaveProperty('requestState');
    }
  });

  it('gives up after a bounded number of input_required rounds, echoing each requestState', async () => {
    const server = await modernServer();
    const bridged = await connectThroughBridge({ url: server.url });
    const error = await bridged.client.callTool({ name: 'loop', arguments: {} }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/asked for more input 8 times without finishing tools\/call/);
    expect(server.observed.loopStates).toEqual(['undefined', ...Array.from({ length: 8 }, (_, i) => `round-${i + 1}`)]);
  });

  it('answers ping locally, logs every level until logging/setLevel as a 2025 server does, then applies the level through _meta', async () => {
    const server = await modernServer();
    const bridged = await connectThroughBridge({ url: server.url });
    await bridged.client.ping();
    expect(server.requests.flatMap((r) => r.rpc)).not.toContain('ping');
    const messages: string[] = [];
    bridged.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void messages.push(String(n.params.data)));
    const levelOfLastCall = () => (bodies(server, 'tools/call').at(-1) as { params: { _meta: Record<string, unknown> } }).params._meta['io.modelcontextprotocol/logLevel'];
    await bridged.client.callTool({ name: 'log', arguments: {} });
    await waitFor('log messages before a level is set', () => messages.length >= 4);
    expect(messages).toEqual(['log at debug', 'log at info', 'log at warning', 'log at error']);
    expect(levelOfLastCall()).toBe('debug');
    messages.length = 0;
    await bridged.client.setLoggingLevel('warning');
    expect(server.requests.flatMap((r) => r.rpc)).not.toContain('logging/setLevel');
    await bridged.client.callTool({ name: 'log', arguments: {} });
    await waitFor('log messages', () => messages.length >= 2);
    expect(messages).toEqual(['log at warning', 'log at error']);
    expect(levelOfLastCall()).toBe('warning');
  });

  it('asks a server that does not declare logging for no log messages', async () => {
    const backend = await modernServer();
    // The same server, its server/discover answered without the logging capability.
    const front = await startInterceptingFront(backend.url, (m) =>
      m.method === 'server/discover'
        ? {
            status: 200,
            body: {
              jsonrpc: '2.0',
              id: m.id,
              result: { resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'quiet', version: '1.0.0' } } },
            },
          }
        : undefined,
    );
    onTeardown(() => front.close());
    const bridged = await connectThroughBridge({ url: front.url });
    expect(await bridged.client.callTool({ name: 'echo', arguments: { text: 'quiet' } })).toHaveProperty('content.0.text', 'quiet');
    const meta = (bodies(backend, 'tools/call').at(-1) as { params: { _meta: Record<string, unknown> } }).params._meta;
    expect(meta).toHaveProperty(['io.modelcontextprotocol/protocolVersion'], '2026-07-28');
    expect(meta).not.toHaveProperty(['io.modelcontextprotocol/logLevel']);
  });

  it('passes progress notifications on', async () => {
    const server = await modernServer();
    const bridged = await connectThroughBridge({ url: server.url });
    const seen: number[] = [];
    const result = await bridged.client.callTool({ name: 'progress', arguments: {} }, undefined, { onprogress: (p) => void seen.push(p.progress) });
    expect(result).toHaveProperty('content.0.text', 'progressed');
    expect(seen).toEqual([1, 2, 3]);
  });

  it("reads resources and prompts, with the results a 2025 server gives, and passes an unknown resource's -32602 on as 2025 servers answer it", async () => {
    const server = await modernServer();
    const bridged = await connectThroughBridge({ url: server.url });
    // The server adds the revision's resultType, ttlMs and cacheScope; the 2025 client gets a 2025 result.
    const { _meta, ...fields } = await bridged.client.readResource({ uri: 'test://static' });
    expect(fields).toEqual({ contents: [{ uri: 'test://static', text: 'static text' }] });
    expect(_meta).toEqual({ 'io.modelcontextprotocol/serverInfo': { name: 'fixture-2026', version: '2.0.0' } });
    const read = server.requests.find((r) => r.rpc.includes('resources/read'))!;
    expect(read.headers).toMatchObject({ 'mcp-method': 'resources/read', 'mcp-name': 'test://static' });
    expect(await bridged.client.getPrompt({ name: 'greet' })).toMatchObject({ messages: [{ content: { text: 'Hello there' } }] });
    const error = await bridged.client.readResource({ uri: 'test://nope' }).then(
      () => undefined,
      (e: unknown) => e as { code?: number },
    );
    expect(error?.code).toBe(-32602);
  });
});

describe('answers that are large or lost', () => {
  it.each(['auto', 'json'] as const)('hands a large result on as the server sent it (responseMode %s)', async (responseMode) => {
    const server = await modernServer({ responseMode });
    const bridged = await connectThroughBridge({ url: server.url });
    const result = await bridged.client.callTool({ name: 'big', arguments: { kib: 300 } });
    expect((result.content as { text: string }[])[0]!.text).toHaveLength(300 * 1024);
    expect(result).toHaveProperty('resultType', 'complete');
  });

  it.each(['auto', 'json'] as const)('gives the client the large final result of a call that needed input (responseMode %s)', async (responseMode) => {
    const backend = await modernServer({ responseMode });
    // The first round asks the client to confirm; the retry, under the bridge's own id, reaches the server's big tool.
    const front = await startInterceptingFront(backend.url, (m) =>
      m.method === 'tools/call' && !m.params?.inputResponses
        ? {
            status: 200,
            body: {
              jsonrpc: '2.0',
              id: m.id,
              result: {
                resultType: 'input_required',
                inputRequests: { confirm: { method: 'elicitation/create', params: { mode: 'form', message: 'Send a lot?', requestedSchema: { type: 'object', properties: {} } } } },
              },
            },
          }
        : undefined,
    );
    onTeardown(() => front.close());
    const bridged = await connectThroughBridge({ url: front.url });
    const result = await bridged.client.callTool({ name: 'big', arguments: { kib: 300 } });
    expect(bridged.serverRequests).toEqual(['elicitation/create']);
    expect((result.content as { text: string }[])[0]!.text).toHaveLength(300 * 1024);
  });

  it('asks again when the response stream of a read-only request breaks', async () => {
    const server = await modernServer();
    const bridged = await connectThroughBridge({ url: server.url });
    server.breakNext('resources/read');
    expect(await bridged.client.readResource({ uri: 'test://static' })).toMatchObject({ contents: [{ text: 'static text' }] });
    expect(server.requests.filter((r) => r.rpc.includes('resources/read'))).toHaveLength(2);
  });

  it('answers a tool call whose response stream breaks with an error that says it may have run', async () => {
    const server = await modernServer();
    const bridged = await connectThroughBridge({ url: server.url });
    server.breakNext('tools/call');
    const error = await bridged.client.callTool({ name: 'echo', arguments: { text: 'once' } }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/closed before it answered tools\/call/);
    expect(server.requests.filter((r) => r.rpc.includes('tools/call'))).toHaveLength(1);
  });
});

describe('URL-mode elicitation', () => {
  it('reaches a 2025 client with the elicitationId that revision requires', async () => {
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
    const { ElicitRequestSchema } = await import('@modelcontextprotocol/sdk/types.js');
    const { BIN_PATH, baseEnv } = await import('../../helpers/cli.js');
    const server = await modernServer();
    const client = new Client({ name: 'url-client', version: '1.0.0' }, { capabilities: { elicitation: { form: {}, url: {} } } });
    const seen: Record<string, unknown>[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      seen.push(request.params as Record<string, unknown>);
      return { action: 'accept' };
    });
    onTeardown(() => client.close());
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN_PATH, server.url], env: baseEnv(), stderr: 'pipe' }));
    expect(await client.callTool({ name: 'ask_url', arguments: {} })).toHaveProperty('content.0.text', 'url elicitation: accept');
    expect(seen).toEqual([{ mode: 'url', message: 'Sign in there', url: 'https://example.com/consent', elicitationId: expect.stringMatching(/^mcp-auth-bridge\/input\//) }]);
  });
});

describe('input requests a client cannot be asked', () => {
  it.each([
    ['sampling/createMessage', /asked the client for sampling\/createMessage to complete tools\/call, but the client did not declare the sampling capability/],
    ['tasks/unknown', /asked the client for tasks\/unknown to complete tools\/call, but the bridge does not know that request/],
  ])('answers the call with an error when the server asks for %s regardless', async (method, message) => {
    const backend = await modernServer();
    const front = await startInterceptingFront(backend.url, (m) =>
      m.method === 'tools/call'
        ? { status: 200, body: { jsonrpc: '2.0', id: m.id, result: { resultType: 'input_required', inputRequests: { k: { method, params: {} } } } } }
        : undefined,
    );
    onTeardown(() => front.close());
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
    const { BIN_PATH, baseEnv } = await import('../../helpers/cli.js');
    const client = new Client({ name: 'bare-client', version: '1.0.0' }, { capabilities: {} });
    onTeardown(() => client.close());
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN_PATH, front.url], env: baseEnv(), stderr: 'pipe' }));
    const error = await client.callTool({ name: 'echo', arguments: {} }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(message);
  });
});

describe('an UnsupportedProtocolVersion that lists 2026-07-28', () => {
  it('is answered by asking once more, as the specification has clients retry with a supported version', async () => {
    const backend = await modernServer();
    let refused = 0;
    const front = await startInterceptingFront(backend.url, (m) => {
      if (m.method !== 'tools/call' || refused > 0) return undefined;
      refused++;
      return { status: 400, body: { jsonrpc: '2.0', id: m.id, error: { code: -32022, message: 'Unsupported protocol version', data: { supported: ['2026-07-28'], requested: '2026-07-28' } } } };
    });
    onTeardown(() => front.close());
    const bridged = await connectThroughBridge({ url: front.url });
    expect(await bridged.client.callTool({ name: 'echo', arguments: { text: 'second time' } })).toHaveProperty('content.0.text', 'second time');
    expect(refused).toBe(1);
  });
});
