// Everything an MCP session carries, through the bridge and straight to the server, compared: the bridge must
// relay raw JSON-RPC unchanged in both directions, over each upstream transport.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LATEST_PROTOCOL_VERSION, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectDirect, connectThroughBridge, spawnBridgeRaw, type BridgedClient, type DirectClient } from '../helpers/bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { CLIENT_ROOTS, ELICIT_CONTENT, SAMPLING_MODEL } from '../helpers/client.js';
import { outcome } from '../helpers/compare.js';
import { initializeOutcome } from '../helpers/outcomes.js';
import {
  patternText,
  SAMPLING_PROMPT,
  startSseServer,
  startStreamableServer,
  TEST_PROMPT_NAME,
  TEST_RESOURCE_URI,
  TEST_SERVER_INFO,
  type RecordedRequest,
} from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

useTeardown('all');

interface Kind {
  name: string;
  transport: 'streamable-http' | 'sse';
  jsonResponse: boolean;
  start(): Promise<{ url: string; requests: RecordedRequest[]; close(): Promise<void> }>;
}

const kinds: Kind[] = [
  { name: 'Streamable HTTP (SSE responses)', transport: 'streamable-http', jsonResponse: false, start: () => startStreamableServer() },
  {
    name: 'Streamable HTTP (JSON responses)',
    transport: 'streamable-http',
    jsonResponse: true,
    start: () => startStreamableServer({ jsonResponse: true }),
  },
  { name: 'legacy SSE', transport: 'sse', jsonResponse: false, start: () => startSseServer() },
];

const textOf = (result: unknown): string => {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((c) => c.text ?? '').join('');
};

describe.each(kinds)('forwarding over $name', (kind) => {
  let bridgedServer: Awaited<ReturnType<Kind['start']>>;
  let bridged: BridgedClient;
  let direct: DirectClient;

  beforeAll(async () => {
    bridgedServer = await kind.start();
    onTeardown(() => bridgedServer.close());
    const directServer = await kind.start();
    onTeardown(() => directServer.close());
    bridged = await connectThroughBridge({ url: bridgedServer.url, args: ['--transport', kind.transport] });
    direct = await connectDirect({ url: directServer.url, transport: kind.transport });
  });

  afterEach(() => {
    // Any stdout line that is not JSON-RPC, or a message the client could not handle, shows up here.
    expect(bridged.errors.map(String)).toEqual([]);
  });

  /** Runs `call` on both clients and asserts identical outcomes; returns the bridged one. */
  async function same(call: (client: Client) => Promise<unknown>) {
    const viaBridge = await outcome(() => call(bridged.client));
    const straight = await outcome(() => call(direct.client));
    expect(viaBridge).toEqual(straight);
    return viaBridge;
  }

  it('relays serverInfo, instructions and capabilities from the initialize result unchanged', () => {
    expect(bridged.client.getServerVersion()).toEqual(TEST_SERVER_INFO);
    expect(bridged.client.getServerVersion()).toEqual(direct.client.getServerVersion());
    expect(bridged.client.getInstructions()).toBe(direct.client.getInstructions());
    expect(bridged.client.getServerCapabilities()).toEqual(direct.client.getServerCapabilities());
  });

  it("relays the client's initialize (clientInfo, capabilities, protocol version) to the server unchanged", () => {
    const inits = bridgedServer.requests.filter((r) => r.rpc.includes('initialize'));
    expect(inits).toHaveLength(1);
    expect(JSON.parse(inits[0]!.body).params).toEqual({
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } },
      clientInfo: { name: 'bridge-test-client', version: '1.0.0' },
    });
  });

  it('answers ping', async () => {
    expect(await same((c) => c.ping())).toEqual({ result: {} });
  });

  it('lists and calls tools with the same results as a direct connection', async () => {
    const list = await same((c) => c.listTools());
    expect('result' in list && (list.result as { tools: unknown[] }).tools.length).toBeGreaterThan(5);
    const tricky = 'héllo ✓ 日本 "quoted"\nline\u2028sep\u2029para\ttab \\ 😀';
    const echo = await same((c) => c.callTool({ name: 'echo', arguments: { text: tricky } }));
    expect('result' in echo && textOf(echo.result)).toBe(tricky);
    const add = await same((c) => c.callTool({ name: 'add', arguments: { a: 2, b: 40 } }));
    expect('result' in add && textOf(add.result)).toBe('42');
  });

  it('lists and reads resources and prompts with the same results as a direct connection', async () => {
    await same((c) => c.listResources());
    const read = await same((c) => c.readResource({ uri: TEST_RESOURCE_URI }));
    expect(read).toHaveProperty('result.contents.0.uri', TEST_RESOURCE_URI);
    await same((c) => c.listPrompts());
    const prompt = await same((c) => c.getPrompt({ name: TEST_PROMPT_NAME, arguments: { name: 'Grace' } }));
    expect(JSON.stringify(prompt)).toContain('Please greet Grace.');
  });

  it('relays server errors unchanged (unknown tool, unknown resource, invalid arguments)', async () => {
    await same((c) => c.callTool({ name: 'no-such-tool', arguments: {} }));
    const missing = await same((c) => c.readResource({ uri: 'test://missing' }));
    expect(missing).toHaveProperty('error');
    await same((c) => c.callTool({ name: 'add', arguments: { a: 'two', b: 1 } }));
  });

  it('answers many concurrent requests, each with its own result', async () => {
    const texts = Array.from({ length: 25 }, (_, i) => `concurrent-${i}`);
    const results = await Promise.all(
      texts.map((text, i) =>
        i % 5 === 0
          ? bridged.client.callTool({ name: 'slow', arguments: { ms: 50, steps: 1 } }).then(() => text)
          : bridged.client.callTool({ name: 'echo', arguments: { text } }).then(textOf),
      ),
    );
    expect(results).toEqual(texts);
  });

  it('forwards logging/setLevel and client notifications (roots/list_changed) to the server', async () => {
    await same((c) => c.setLoggingLevel('debug'));
    await bridged.client.sendRootsListChanged();
    await waitFor('roots/list_changed to reach the server', () =>
      bridgedServer.requests.some((r) => r.rpc.includes('notifications/roots/list_changed')),
    );
  });

  it('carries a 1 MB tool result intact', async () => {
    const big = await same((c) => c.callTool({ name: 'big', arguments: { bytes: 1_000_000 } }));
    expect('result' in big && textOf(big.result)).toBe(patternText(1_000_000));
  });

  it('carries sampling, elicitation and roots requests from the server and the client answers back', async () => {
    const sample = await same((c) => c.callTool({ name: 'sample', arguments: {} }));
    expect('result' in sample && textOf(sample.result)).toBe(`${SAMPLING_MODEL}: sampled: ${SAMPLING_PROMPT}`);
    const elicit = await same((c) => c.callTool({ name: 'elicit', arguments: {} }));
    expect('result' in elicit && JSON.parse(textOf(elicit.result))).toEqual({ action: 'accept', content: ELICIT_CONTENT });
    const roots = await same((c) => c.callTool({ name: 'roots', arguments: {} }));
    expect('result' in roots && JSON.parse(textOf(roots.result))).toEqual(CLIENT_ROOTS);
    expect(bridged.serverRequests).toEqual(['sampling/createMessage', 'elicitation/create', 'roots/list']);
    expect(bridged.serverRequests).toEqual(direct.serverRequests);
  });

  it("carries the client's error answer to a server-to-client request back to the server", async () => {
    bridged.controls.samplingError = { code: -32042, message: 'user declined sampling' };
    direct.controls.samplingError = { ...bridged.controls.samplingError };
    try {
      const declined = await same((c) => c.callTool({ name: 'sample', arguments: {} }));
      expect(JSON.stringify(declined)).toContain('user declined sampling');
    } finally {
      delete bridged.controls.samplingError;
      delete direct.controls.samplingError;
    }
  });

  it('carries progress notifications for a request, with its token, before the result', async () => {
    const progress = { bridged: [] as unknown[], direct: [] as unknown[] };
    const from = bridged.received.length;
    const args = { name: 'slow', arguments: { ms: 300, steps: 3 } };
    const viaBridge = await bridged.client.callTool(args, undefined, { onprogress: (p) => progress.bridged.push(p) });
    const straight = await direct.client.callTool(args, undefined, { onprogress: (p) => progress.direct.push(p) });
    expect(viaBridge).toEqual(straight);
    expect(progress.bridged).toEqual(progress.direct);
    if (kind.jsonResponse) return; // a JSON-response server drops request-related notifications itself
    expect(progress.bridged.map((p) => (p as { progress: number }).progress)).toEqual([1, 2, 3]);
    // On the wire: exactly three progress notifications carrying the request's token, then the response.
    const wire = bridged.received.slice(from);
    const response = wire.findIndex((m) => 'result' in m);
    const notes = wire.filter((m): m is Extract<JSONRPCMessage, { method: string }> => 'method' in m && m.method === 'notifications/progress');
    expect(notes).toHaveLength(3);
    const token = notes[0]!.params!.progressToken;
    expect(token).toBeDefined();
    for (const note of notes) {
      expect(note.params!.progressToken).toBe(token);
      expect(wire.indexOf(note)).toBeLessThan(response);
    }
  });

  it('carries logging and tools/list_changed notifications from the server', async () => {
    await direct.client.callTool({ name: 'notify', arguments: {} });
    await waitFor('direct client to get tools/list_changed', () =>
      direct.notifications.some((n) => n.method === 'notifications/tools/list_changed'),
    );
    const expected = direct.notifications.map((n) => n.method).sort();
    await bridged.client.callTool({ name: 'notify', arguments: {} });
    const got = await waitFor('bridged client to get the same notifications', () => {
      const methods = bridged.notifications.map((n) => n.method).sort();
      return methods.length >= expected.length && methods;
    });
    expect(got).toEqual(expected);
    expect(got).toContain('notifications/tools/list_changed');
    if (!kind.jsonResponse) {
      expect(got).toContain('notifications/message');
      const log = bridged.notifications.find((n) => n.method === 'notifications/message');
      expect(log?.params).toEqual(direct.notifications.find((n) => n.method === 'notifications/message')?.params);
    }
  });

  it('carries a client cancellation to the server', async () => {
    const controller = new AbortController();
    const call = bridged.client.callTool({ name: 'stall', arguments: {} }, undefined, { signal: controller.signal });
    await waitFor('the server to receive the stall call', () =>
      bridgedServer.requests.some((r) => r.rpc.includes('tools/call') && r.body.includes('"stall"')),
    );
    controller.abort('test cancels');
    await expect(call).rejects.toThrow();
    const cancelled = await waitFor('notifications/cancelled to reach the server', () =>
      bridgedServer.requests.find((r) => r.rpc.includes('notifications/cancelled')),
    );
    const stallCall = bridgedServer.requests.find((r) => r.body.includes('"stall"'))!;
    expect(JSON.parse(cancelled.body).params.requestId).toBe(JSON.parse(stallCall.body).id);
  });

  it('addresses every request after initialize to the one upstream session', async () => {
    await bridged.client.ping();
    if (kind.transport === 'sse') {
      // Legacy SSE: one stream, and every POST goes to the endpoint it named, with its session id.
      expect(bridgedServer.requests.filter((r) => r.method === 'GET')).toHaveLength(1);
      const posts = bridgedServer.requests.filter((r) => r.method === 'POST');
      expect(posts[0]!.rpc).toEqual(['initialize']);
      expect(new Set(posts.map((r) => `${r.path}?${r.query.sessionId}`)).size).toBe(1);
      expect(posts.every((r) => r.path === '/messages' && /^[0-9a-f-]{36}$/.test(r.query.sessionId ?? ''))).toBe(true);
      return;
    }
    // Streamable HTTP: Mcp-Session-Id and MCP-Protocol-Version on everything after the initialize POST.
    const [init, ...later] = bridgedServer.requests;
    expect(init!.rpc).toEqual(['initialize']);
    expect(init!.headers['mcp-session-id']).toBeUndefined();
    expect(later.length).toBeGreaterThan(1);
    const sessionIds = new Set(later.map((r) => r.headers['mcp-session-id']));
    expect(sessionIds.size).toBe(1);
    expect([...sessionIds][0]).toMatch(/^[0-9a-f-]{36}$/);
    for (const r of later) expect(r.headers['mcp-protocol-version']).toBe(LATEST_PROTOCOL_VERSION);
  });
});

describe('negotiated protocol version', () => {
  it('sends the version the server agreed to, not the newest one, on every request after initialize', async () => {
    const server = await startStreamableServer();
    const raw = spawnBridgeRaw([server.url]);
    const end = await initializeOutcome(raw); // asks for 2025-06-18
    expect(end.kind).toBe('result');
    expect(end.kind === 'result' && end.message).toHaveProperty('result.protocolVersion', '2025-06-18');
    raw.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    expect(await raw.request('ping')).toHaveProperty('result');
    const later = server.requests.slice(1).filter((r) => r.method === 'POST');
    expect(later.length).toBeGreaterThan(0);
    for (const r of later) expect(r.headers['mcp-protocol-version']).toBe('2025-06-18');
    expect(raw.invalidLines).toEqual([]);
  });
});
