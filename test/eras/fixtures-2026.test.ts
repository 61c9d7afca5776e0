// The era tests' 2026 fixtures are what they claim, checked without the bridge: a 2026-07-28 client (the SDK's 2.x
// client, pinned to 2026-07-28) gets every feature from the `modern` and `dual` servers of both implementations (the
// Python SDK, test/fixtures/py2026; the SDK's 2.x server, test/eras/sdk2-tools.ts), each mode refuses the other era
// the way the specification describes, and the handshake-era path still serves 2025 clients. The era tests build on
// this, so a failure there points at the bridge, not at a fixture.
import { Client as Client2026, StreamableHTTPClientTransport as Transport2026 } from '@modelcontextprotocol/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectDirect } from '../helpers/bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { pythonWithMcp } from '../helpers/python.js';
import { PYTHON_2026_TOOLS, startPython2026Server, type Python2026Mode } from '../helpers/python-2026-server.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { startSdk2Server } from './sdk2-server.js';

useTeardown();

/** A 2.x client pinned to 2026-07-28, answering sampling, elicitation and roots like test/helpers/client.ts. */
async function connect2026(url: string) {
  const client = new Client2026(
    { name: 'fixture-2026-client', version: '1.0.0' },
    {
      capabilities: { sampling: {}, elicitation: { form: {} }, roots: {} },
      versionNegotiation: { mode: { pin: '2026-07-28' } },
    },
  );
  const asked: string[] = [];
  client.setRequestHandler('sampling/createMessage', async (request) => {
    asked.push(request.method);
    const first = request.params.messages[0]?.content;
    const text = first && !Array.isArray(first) && first.type === 'text' ? first.text : '?';
    return { model: 'test-model', role: 'assistant', content: { type: 'text', text: `sampled: ${text}` } };
  });
  client.setRequestHandler('elicitation/create', async (request) => {
    asked.push(request.method);
    return { action: 'accept', content: { name: 'Ada' } };
  });
  client.setRequestHandler('roots/list', async (request) => {
    asked.push(request.method);
    return { roots: [{ uri: 'file:///tmp/bridge-test-root', name: 'test root' }] };
  });
  const updates: string[] = [];
  client.setNotificationHandler('notifications/resources/updated', (n) => {
    updates.push(n.params.uri);
  });
  const transport = new Transport2026(new URL(url));
  onTeardown(() => client.close());
  await withTimeout('a 2026-07-28 connect', client.connect(transport), 15_000);
  return { client, asked, updates, transport };
}

const text = (result: unknown) => ((result as { content: Array<{ text?: string }> }).content[0]?.text);

/** POSTs one JSON-RPC request as a client of the given era would, and returns status and body. */
async function post(url: string, body: Record<string, unknown>, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, ...body }),
  });
  return { status: response.status, body: (await response.json()) as { error?: { code: number; data?: unknown }; result?: unknown } };
}

const START = {
  python: (mode: Python2026Mode) => startPython2026Server({ mode }),
  sdk2: (mode: Python2026Mode) => startSdk2Server(mode),
};

describe('the 2026 fixture servers, without the bridge', () => {
  beforeAll(async () => {
    await pythonWithMcp(); // made once per machine; slow the first time
  }, 10 * 60_000);

  it.each<[keyof typeof START, Python2026Mode]>([
    ['python', 'modern'],
    ['python', 'dual'],
    ['sdk2', 'modern'],
    ['sdk2', 'dual'],
  ])('%s %s: a 2026-07-28 client gets tools, input_required rounds, headers and listen', async (implementation, mode) => {
    const server = await START[implementation](mode);
    const { client, asked, updates } = await connect2026(server.url);
    expect(client.getServerVersion()).toMatchObject({ name: implementation === 'python' ? 'py2026-fixture' : 'sdk2-fixture', version: '1.0.0' });
    expect(client.getServerCapabilities()).toMatchObject({ tools: { listChanged: true }, resources: { subscribe: true } });

    // Both implementations serve the same tools (the era tests run one script against both).
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([...PYTHON_2026_TOOLS].sort());
    expect(text(await client.callTool({ name: 'echo', arguments: { text: 'hi' } }))).toBe('hi');
    expect(await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })).toMatchObject({ structuredContent: { sum: 3, parity: 'odd' } });
    // The 2.x client sends Mcp-Param-Region; the server refuses a call without it (checked below with a raw POST).
    expect(text(await client.callTool({ name: 'weather', arguments: { region: 'Oslo' } }))).toBe('Oslo today: sunny for 1 day(s)');
    expect(text(await client.callTool({ name: 'ask_sampling', arguments: { prompt: 'hi' } }))).toBe('sampling: sampled: hi (test-model)');
    expect(text(await client.callTool({ name: 'ask_elicit', arguments: {} }))).toBe('hello Ada');
    expect(text(await client.callTool({ name: 'ask_roots', arguments: {} }))).toBe('roots: file:///tmp/bridge-test-root');
    expect(asked).toEqual(['sampling/createMessage', 'elicitation/create', 'roots/list']);

    const subscription = await client.listen({ resourceSubscriptions: ['fixture://counter'] });
    await client.callTool({ name: 'bump', arguments: {} });
    await waitFor('notifications/resources/updated on the listen stream', () => updates.length > 0);
    expect(updates).toEqual(['fixture://counter']);
    await subscription.close();

    const missingHeader = await post(
      server.url,
      { method: 'tools/call', params: { name: 'weather', arguments: { region: 'Oslo' }, _meta: meta2026() } },
      { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'weather' },
    );
    expect(missingHeader.status).toBe(400);
    expect(missingHeader.body.error?.code).toBe(-32020);
  });

  it.each(['python', 'sdk2'] as const)('%s modern: a 2025 client is refused, with the versions it supports', async (implementation) => {
    const server = await START[implementation]('modern');
    const refused = await post(
      server.url,
      { method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } },
      {},
    );
    expect(refused).toMatchObject({ status: 400, body: { error: { code: -32022, data: { supported: ['2026-07-28'], requested: '2025-11-25' } } } });
    await expect(connectDirect({ url: server.url, transport: 'streamable-http' })).rejects.toThrow();
  });

  it.each(['python', 'sdk2'] as const)('%s legacy: a 2026 request is refused without a modern error, and a 2025 client is served', async (implementation) => {
    const server = await START[implementation]('legacy');
    const refused = await post(
      server.url,
      { method: 'server/discover', params: { _meta: meta2026() } },
      { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error?.code).not.toBe(-32022);
    const direct = await connectDirect({ url: server.url, transport: 'streamable-http' });
    expect(text(await direct.client.callTool({ name: 'echo', arguments: { text: 'hi' } }))).toBe('hi');
  });
});

function meta2026() {
  return { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
}
