// Losing the upstream session and getting it back without the client noticing more than a list_changed:
// session 404, a server restarted on the same port, a dropped legacy SSE stream, a dropped standalone GET stream;
// and a request whose response stream dies gets an error instead of hanging.
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { connectThroughBridge, type BridgedClient } from '../helpers/bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { outcome } from '../helpers/compare.js';
import { startSseServer, startStreamableServer, type RecordedRequest } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

useTeardown();

const textOf = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

async function echo(bridged: BridgedClient, text: string): Promise<string> {
  return textOf(await bridged.client.callTool({ name: 'echo', arguments: { text } }, undefined, { timeout: 20_000 }));
}

async function sessionOf(bridged: BridgedClient): Promise<string> {
  return textOf(await bridged.client.callTool({ name: 'session', arguments: {} }));
}

function initializeBodies(requests: RecordedRequest[]) {
  return requests.filter((r) => r.rpc.includes('initialize')).map((r) => JSON.parse(r.body));
}

async function expectListChanged(bridged: BridgedClient) {
  await waitFor('notifications/tools/list_changed to reach the client', () =>
    bridged.notifications.some((n) => n.method === 'notifications/tools/list_changed'),
  );
}

describe.each([false, true])('session 404 (Streamable HTTP, jsonResponse %s)', (jsonResponse) => {
  it('re-initializes with the client’s initialize, retries the request and tells the client to refresh', async () => {
    const server = await startStreamableServer({ jsonResponse });
    const bridged = await connectThroughBridge({ url: server.url });
    const firstSession = await sessionOf(bridged);
    expect(server.sessions.ids).toEqual([firstSession]);

    await server.dropSessions();
    expect(await echo(bridged, 'after the session was lost')).toBe('after the session was lost');

    // The server answered 404 to the old session id, then saw a second initialize that repeats the client's.
    expect(server.requests.some((r) => r.status === 404 && r.headers['mcp-session-id'] === firstSession)).toBe(true);
    expect(server.sessions.created).toBe(2);
    const [original, replayed] = initializeBodies(server.requests);
    expect(replayed.params).toEqual(original.params);
    expect(server.requests.filter((r) => r.rpc.includes('notifications/initialized'))).toHaveLength(2);

    const secondSession = await sessionOf(bridged);
    expect(secondSession).not.toBe(firstSession);
    expect(server.sessions.ids).toEqual([secondSession]);
    const last = server.requests.at(-1)!;
    expect(last.headers['mcp-session-id']).toBe(secondSession);
    expect(last.headers['mcp-protocol-version']).toBe(LATEST_PROTOCOL_VERSION);

    await expectListChanged(bridged);
    // The server has resources and prompts too: the client is told to refresh those lists as well.
    await waitFor('resources and prompts list_changed', () =>
      ['notifications/resources/list_changed', 'notifications/prompts/list_changed'].every((method) =>
        bridged.notifications.some((n) => n.method === method),
      ),
    );
    // The replayed initialize's answer is the bridge's business: the client never sees a stray response.
    expect(bridged.errors.map(String)).toEqual([]);
    expect(bridged.received.filter((m) => 'result' in m && 'serverInfo' in (m.result as object))).toEqual([]);
  });

  it('recovers once for many concurrent requests that all meet the lost session', async () => {
    const server = await startStreamableServer({ jsonResponse });
    const bridged = await connectThroughBridge({ url: server.url });
    await server.dropSessions();
    const texts = Array.from({ length: 12 }, (_, i) => `parallel-${i}`);
    expect(await Promise.all(texts.map((text) => echo(bridged, text)))).toEqual(texts);
    expect(server.sessions.created).toBe(2);
    expect(bridged.errors.map(String)).toEqual([]);
  });

  it('recovers a list request (repeatable) as well as a tool call', async () => {
    const server = await startStreamableServer({ jsonResponse });
    const bridged = await connectThroughBridge({ url: server.url });
    const before = await bridged.client.listTools();
    await server.dropSessions();
    expect(await bridged.client.listTools()).toEqual(before);
    expect(server.sessions.created).toBe(2);
    expect(bridged.errors.map(String)).toEqual([]);
  });
});

describe('server restart', () => {
  it('recovers when the server restarts on the same port between two requests', async () => {
    const first = await startStreamableServer();
    let second: Awaited<ReturnType<typeof startStreamableServer>> | undefined;
    onTeardown(async () => {
      await first.close();
      await second?.close();
    });
    const bridged = await connectThroughBridge({ url: first.url });
    expect(await echo(bridged, 'before restart')).toBe('before restart');

    await first.close();
    second = await startStreamableServer({ port: first.port });
    expect(await echo(bridged, 'after restart')).toBe('after restart');

    expect(second.sessions.created).toBe(1);
    const [replayed] = initializeBodies(second.requests);
    expect(replayed.params.clientInfo).toEqual({ name: 'bridge-test-client', version: '1.0.0' });
    await expectListChanged(bridged);
    expect(bridged.errors.map(String)).toEqual([]);
  });

  it('answers an error (not a hang) while the server is down, stays up, and recovers once it is back', async () => {
    const first = await startStreamableServer();
    let second: Awaited<ReturnType<typeof startStreamableServer>> | undefined;
    onTeardown(async () => {
      await first.close();
      await second?.close();
    });
    const bridged = await connectThroughBridge({ url: first.url });
    await first.close();

    const whileDown = await outcome(() =>
      bridged.client.callTool({ name: 'echo', arguments: { text: 'nobody home' } }, undefined, { timeout: 25_000 }),
    );
    expect(whileDown).toHaveProperty('error');
    expect(JSON.stringify(whileDown)).not.toMatch(/Request timed out/i); // the bridge answered, not the client's own timer

    second = await startStreamableServer({ port: first.port });
    expect(await echo(bridged, 'back again')).toBe('back again');
    expect(bridged.errors.map(String)).toEqual([]);
  }, 60_000);
});

describe('legacy SSE server restart', () => {
  it('recovers when a legacy SSE server restarts on the same port', async () => {
    const first = await startSseServer();
    let second: Awaited<ReturnType<typeof startSseServer>> | undefined;
    onTeardown(async () => {
      await first.close();
      await second?.close();
    });
    const bridged = await connectThroughBridge({ url: first.url, args: ['--transport', 'sse'] });
    expect(await echo(bridged, 'before restart')).toBe('before restart');
    await first.close();
    second = await startSseServer({ port: first.port });
    expect(await echo(bridged, 'after restart')).toBe('after restart');
    expect(second.sessions.created).toBe(1);
    expect(second.requests.filter((r) => r.rpc.includes('initialize'))).toHaveLength(1);
    await expectListChanged(bridged);
    expect(bridged.errors.map(String)).toEqual([]);
  }, 40_000);
});

describe('stream loss', () => {
  it('legacy SSE: a dropped stream is reopened, a new session initialized, and requests keep working', async () => {
    const server = await startSseServer();
    const bridged = await connectThroughBridge({ url: server.url, args: ['--transport', 'sse'] });
    const firstSession = await sessionOf(bridged);

    expect(server.dropStreams()).toBe(1);
    expect(await echo(bridged, 'after stream loss')).toBe('after stream loss');

    expect(server.sessions.created).toBe(2);
    const secondSession = await sessionOf(bridged);
    expect(secondSession).not.toBe(firstSession);
    expect(server.sessions.ids).toEqual([secondSession]);
    // The new session was initialized with the client's own initialize before it was used.
    const inits = server.requests.filter((r) => r.rpc.includes('initialize'));
    expect(inits).toHaveLength(2);
    expect(inits[1]!.query.sessionId).toBe(secondSession);
    expect(JSON.parse(inits[1]!.body).params).toEqual(JSON.parse(inits[0]!.body).params);
    const initialized = server.requests.filter((r) => r.rpc.includes('notifications/initialized'));
    expect(initialized.map((r) => r.query.sessionId)).toEqual([firstSession, secondSession]);
    await expectListChanged(bridged);
    expect(bridged.errors.map(String)).toEqual([]);
  });

  it('legacy SSE: server-to-client messages flow on the reopened stream', async () => {
    const server = await startSseServer();
    const bridged = await connectThroughBridge({ url: server.url, args: ['--transport', 'sse'] });
    expect(server.dropStreams()).toBe(1);
    const sample = await bridged.client.callTool({ name: 'sample', arguments: {} }, undefined, { timeout: 20_000 });
    expect(textOf(sample)).toContain('sampled:');
    expect(bridged.errors.map(String)).toEqual([]);
  });

  it('Streamable HTTP: a dropped standalone GET stream is reopened and carries notifications again', async () => {
    const server = await startStreamableServer();
    const bridged = await connectThroughBridge({ url: server.url });
    await waitFor('the standalone GET stream', () => server.requests.some((r) => r.method === 'GET' && r.status === 200));
    expect(server.dropStreams('get')).toBe(1);
    await waitFor(
      'the bridge to reopen the GET stream',
      () => server.requests.filter((r) => r.method === 'GET' && r.status === 200).length >= 2,
      { timeoutMs: 15_000 },
    );
    bridged.notifications.length = 0;
    await bridged.client.callTool({ name: 'notify', arguments: {} });
    await expectListChanged(bridged);
    expect(bridged.errors.map(String)).toEqual([]);
  });

  it('Streamable HTTP: a request whose response stream dies gets a JSON-RPC error and the bridge stays up', async () => {
    const server = await startStreamableServer();
    const bridged = await connectThroughBridge({ url: server.url });
    const stalled = outcome(() =>
      bridged.client.callTool({ name: 'stall', arguments: {} }, undefined, { timeout: 25_000 }),
    );
    await waitFor('the stall call to reach the server', () =>
      server.requests.find((r) => r.body.includes('"stall"') && r.status === 200),
    );
    expect(server.dropStreams('post')).toBeGreaterThanOrEqual(1);
    const end = await stalled;
    expect(end).toHaveProperty('error');
    expect(JSON.stringify(end)).not.toMatch(/Request timed out/i);
    expect(await echo(bridged, 'still here')).toBe('still here');
    expect(bridged.errors.map(String)).toEqual([]);
  }, 40_000);
});
