/**
 * 2026-07-28 clients of `serve` (issue 11): the SDK's 2.x client, pinned to 2026-07-28, against the real built
 * `serve` in front of a 2025 SDK server and of a 2026 server — discover, tools/list, tools/call, an `input_required`
 * round for a server's sampling request, header mismatches refused with the revision's errors, a forged
 * `requestState` refused, a 2025 client still served on the same /mcp, and this bridge's own stdio mode with
 * `--protocol 2026-07-28` in front of serve.
 */
import { describe, expect, it } from 'vitest';
import { connectThroughBridge } from '../../helpers/bridge.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { CLIENT_ROOTS, ELICIT_CONTENT, SAMPLING_MODEL } from '../../helpers/client.js';
import { startServer2026 } from '../../helpers/server-2026.js';
import { patternText, SAMPLING_PROMPT, startStreamableServer, TEST_TOOL_NAMES } from '../../helpers/servers.js';
import { connectServeClient, startServe, textOf } from '../serve-process.js';
import { waitFor } from '../../helpers/wait.js';
import { connect2026, post2026 } from './client-2026.js';

useTeardown();

describe('serve for 2026-07-28 clients, in front of a 2025 server', () => {
  it('discovers, lists and calls tools statelessly', async () => {
    const server = await startStreamableServer();
    const serve = await startServe([server.url]);
    const { client } = await connect2026(`${serve.base}/mcp`);
    expect(client.getServerCapabilities()).toMatchObject({ tools: {} });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TEST_TOOL_NAMES].sort());
    expect(textOf(await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } }))).toBe('5');
  });

  it('carries a large answer whole', async () => {
    const server = await startStreamableServer();
    const serve = await startServe([server.url]);
    const { client } = await connect2026(`${serve.base}/mcp`);
    const text = textOf(await client.callTool({ name: 'big', arguments: { bytes: 3_000_000 } }, { timeout: 30_000 }));
    expect(text).toBe(patternText(3_000_000));
  });

  it('turns the server\'s sampling request into an input_required round the client answers', async () => {
    const server = await startStreamableServer();
    const serve = await startServe([server.url]);
    const { client, asked } = await connect2026(`${serve.base}/mcp`);
    expect(textOf(await client.callTool({ name: 'sample', arguments: {} }))).toBe(`${SAMPLING_MODEL}: sampled: ${SAMPLING_PROMPT}`);
    expect(asked).toEqual(['sampling/createMessage']);
  });

  it('carries elicitation and roots requests of the server the same way', async () => {
    const server = await startStreamableServer();
    const serve = await startServe([server.url]);
    const { client, asked } = await connect2026(`${serve.base}/mcp`);
    expect(JSON.parse(textOf(await client.callTool({ name: 'elicit', arguments: {} })))).toEqual({ action: 'accept', content: ELICIT_CONTENT });
    expect(JSON.parse(textOf(await client.callTool({ name: 'roots', arguments: {} })))).toEqual(CLIENT_ROOTS);
    expect(asked).toEqual(['elicitation/create', 'roots/list']);
  });

  it('answers input_required with an opaque state, and refuses a forged or reused one', async () => {
    const server = await startStreamableServer();
    const serve = await startServe([server.url]);
    const url = `${serve.base}/mcp`;
    const caps = { 'io.modelcontextprotocol/clientCapabilities': { sampling: {} } };
    const first = await post2026(url, 'tools/call', { name: 'sample', arguments: {}, _meta: caps }, { 'mcp-name': 'sample' });
    expect(first.status).toBe(200);
    const result = first.body.result as { resultType: string; requestState: string; inputRequests: Record<string, { method: string }> };
    expect(result.resultType).toBe('input_required');
    expect(Object.values(result.inputRequests).map((r) => r.method)).toEqual(['sampling/createMessage']);
    const key = Object.keys(result.inputRequests)[0]!;
    const answer = { [key]: { model: 'm', role: 'assistant', content: { type: 'text', text: 'forty-two' } } };

    const forged = await post2026(url, 'tools/call', { name: 'sample', arguments: {}, requestState: `${result.requestState}x`, inputResponses: answer, _meta: caps }, { 'mcp-name': 'sample' });
    expect(forged.body.error?.code).toBe(-32602);

    // Input responses that are not response objects are refused (SEP-2322), without spending the state.
    for (const malformed of [{ [key]: 12345 }, null]) {
      const refused = await post2026(url, 'tools/call', { name: 'sample', arguments: {}, requestState: result.requestState, inputResponses: malformed, _meta: caps }, { 'mcp-name': 'sample' });
      expect(refused.body.error?.code).toBe(-32602);
    }

    const retried = await post2026(url, 'tools/call', { name: 'sample', arguments: {}, requestState: result.requestState, inputResponses: answer, _meta: caps }, { 'mcp-name': 'sample' });
    expect(retried.status).toBe(200);
    expect(textOf(retried.body.result)).toBe('m: forty-two');

    const reused = await post2026(url, 'tools/call', { name: 'sample', arguments: {}, requestState: result.requestState, inputResponses: answer, _meta: caps }, { 'mcp-name': 'sample' });
    expect(reused.body.error?.code).toBe(-32602);
  });

  it('refuses a request whose headers disagree with its body (-32020) or an unknown version (-32022), with HTTP 400', async () => {
    const server = await startStreamableServer();
    const serve = await startServe([server.url]);
    const url = `${serve.base}/mcp`;
    const method = await post2026(url, 'tools/list', {}, { 'mcp-method': 'tools/call' });
    expect(method).toMatchObject({ status: 400, body: { error: { code: -32020 } } });
    const name = await post2026(url, 'tools/call', { name: 'add', arguments: { a: 1, b: 2 } }, { 'mcp-name': 'echo' });
    expect(name).toMatchObject({ status: 400, body: { error: { code: -32020 } } });
    const missingName = await post2026(url, 'tools/call', { name: 'add', arguments: { a: 1, b: 2 } });
    expect(missingName).toMatchObject({ status: 400, body: { error: { code: -32020 } } });
    const version = await post2026(url, 'server/discover', { _meta: { 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } }, { 'mcp-protocol-version': '2099-01-01' });
    // An unknown version in the header is not a 2026 request: the 2025 path refuses it as before.
    expect(version.status).toBe(400);
    const bodyVersion = await post2026(url, 'server/discover', { _meta: { 'io.modelcontextprotocol/protocolVersion': '2025-11-25' } });
    expect(bodyVersion).toMatchObject({ status: 400, body: { error: { code: -32020 } } });
  });

  it('still serves a 2025 client on the same /mcp', async () => {
    const server = await startStreamableServer();
    const serve = await startServe([server.url]);
    const modern = await connect2026(`${serve.base}/mcp`);
    const legacy = await connectServeClient(`${serve.base}/mcp`);
    expect(textOf(await legacy.client.callTool({ name: 'add', arguments: { a: 4, b: 5 } }))).toBe('9');
    expect(textOf(await modern.client.callTool({ name: 'add', arguments: { a: 6, b: 7 } }))).toBe('13');
    expect(textOf(await legacy.client.callTool({ name: 'sample', arguments: {} }))).toBe(`${SAMPLING_MODEL}: sampled: ${SAMPLING_PROMPT}`);
  });
});

describe('serve for 2026-07-28 clients, in front of a 2026 server', () => {
  it('discovers, lists, calls, and carries a sampling round both ways', async () => {
    const server = await startServer2026({ variant: 'modern-only' });
    const serve = await startServe([server.url]);
    const { client, asked } = await connect2026(`${serve.base}/mcp`);
    expect(client.getInstructions()).toBe('Fixture instructions.');
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('echo');
    expect(names).not.toContain('bad_header');
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'hi through serve' } }))).toBe('hi through serve');
    const routed = await client.callTool({ name: 'route', arguments: { region: 'Île-de-France', count: 3 } });
    expect(JSON.parse(textOf(routed))).toEqual({ region: 'Île-de-France', count: 3 });
    expect(textOf(await client.callTool({ name: 'ask_llm', arguments: {} }))).toMatch(/^model said: sampled: capital of France\?/);
    expect(asked).toEqual(['sampling/createMessage']);
  });

  it('refuses a tools/call whose Mcp-Param header disagrees with its argument', async () => {
    const server = await startServer2026({ variant: 'modern-only' });
    const serve = await startServe([server.url]);
    const url = `${serve.base}/mcp`;
    const ok = await post2026(url, 'tools/call', { name: 'route', arguments: { region: 'Oslo' } }, { 'mcp-name': 'route', 'mcp-param-region': 'Oslo' });
    expect(ok.status).toBe(200);
    const wrong = await post2026(url, 'tools/call', { name: 'route', arguments: { region: 'Oslo' } }, { 'mcp-name': 'route', 'mcp-param-region': 'Bergen' });
    expect(wrong).toMatchObject({ status: 400, body: { error: { code: -32020 } } });
    const missing = await post2026(url, 'tools/call', { name: 'route', arguments: { region: 'Oslo' } }, { 'mcp-name': 'route' });
    expect(missing).toMatchObject({ status: 400, body: { error: { code: -32020 } } });
  });
});

describe('this bridge with --protocol 2026-07-28 in front of serve', () => {
  it('speaks 2026 to serve and serves its stdio client', async () => {
    const server = await startStreamableServer();
    const serve = await startServe([server.url]);
    const bridged = await connectThroughBridge({ url: `${serve.base}/mcp`, args: ['--protocol', '2026-07-28'] });
    expect((await bridged.client.listTools()).tools.map((t) => t.name).sort()).toEqual([...TEST_TOOL_NAMES].sort());
    expect(textOf(await bridged.client.callTool({ name: 'add', arguments: { a: 20, b: 22 } }))).toBe('42');
    expect(textOf(await bridged.client.callTool({ name: 'sample', arguments: {} }))).toBe(`${SAMPLING_MODEL}: sampled: ${SAMPLING_PROMPT}`);
    expect(bridged.serverRequests).toEqual(['sampling/createMessage']);
  });

  it('with the default --protocol auto, still reaches serve (a 2025-11-25 session)', async () => {
    const server = await startStreamableServer();
    const serve = await startServe([server.url]);
    const bridged = await connectThroughBridge({ url: `${serve.base}/mcp` });
    expect(textOf(await bridged.client.callTool({ name: 'add', arguments: { a: 1, b: 1 } }))).toBe('2');
    await waitFor('the session line in serve\'s log', () => /session \d+ opened/.test(serve.stderr()));
  });

  it('speaks 2026 to serve in front of a 2026 server: headers and input_required rounds over both hops', async () => {
    const server = await startServer2026({ variant: 'modern-only' });
    const serve = await startServe([server.url]);
    const bridged = await connectThroughBridge({ url: `${serve.base}/mcp`, args: ['--protocol', '2026-07-28'] });
    expect(bridged.client.getInstructions()).toBe('Fixture instructions.');
    const routed = await bridged.client.callTool({ name: 'route', arguments: { region: 'Oslo', count: 2, flag: true } });
    expect(JSON.parse(textOf(routed))).toEqual({ region: 'Oslo', count: 2, flag: true });
    expect(server.observed.routeHeaders.at(-1)).toMatchObject({ 'mcp-param-region': 'Oslo', 'mcp-param-count': '2', 'mcp-param-flag': 'true' });
    expect(textOf(await bridged.client.callTool({ name: 'ask_llm', arguments: {} }))).toMatch(/^model said: sampled: capital of France\?/);
    expect(bridged.serverRequests).toEqual(['sampling/createMessage']);
  });
});

describe('serve for 2026-07-28 clients: streams', () => {
  it('carries subscriptions/listen: acknowledged, then the updates of a subscribed resource', async () => {
    const server = await startServer2026({ variant: 'modern-only' });
    const serve = await startServe([server.url]);
    const { client, notifications } = await connect2026(`${serve.base}/mcp`);
    const subscription = await client.listen({ resourceSubscriptions: ['test://counter'] });
    await client.callTool({ name: 'touch', arguments: {} });
    await waitFor('notifications/resources/updated through serve', () => notifications.some((n) => n.method === 'notifications/resources/updated'), { timeoutMs: 15_000 });
    expect(notifications.filter((n) => n.method === 'notifications/resources/updated').map((n) => (n.params as { uri: string }).uri)).toEqual(['test://counter']);
    await subscription.close();
  });

  it('carries the progress of a call on its own answer stream', async () => {
    const server = await startServer2026({ variant: 'modern-only' });
    const serve = await startServe([server.url]);
    const { client } = await connect2026(`${serve.base}/mcp`);
    const progress: number[] = [];
    const result = await client.callTool({ name: 'progress', arguments: {} }, { onprogress: (p: { progress: number }) => void progress.push(p.progress) });
    expect(textOf(result)).toBe('progressed');
    expect(progress).toEqual([1, 2, 3]);
  });
});

describe('serve for 2026-07-28 clients: capabilities', () => {
  it('answers -32021 with the missing capability when the server asks a client that did not declare it', async () => {
    const server = await startStreamableServer();
    const serve = await startServe([server.url]);
    const url = `${serve.base}/mcp`;
    const refused = await post2026(url, 'tools/call', { name: 'sample', arguments: {} }, { 'mcp-name': 'sample' });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: -32021, data: { requiredCapabilities: { sampling: {} } } } } });
    // The same client, declaring it, gets the round.
    const asked = await post2026(url, 'tools/call', { name: 'sample', arguments: {}, _meta: { 'io.modelcontextprotocol/clientCapabilities': { sampling: {} } } }, { 'mcp-name': 'sample' });
    expect(asked.body.result).toMatchObject({ resultType: 'input_required' });
  });
});
