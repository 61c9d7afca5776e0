// The 2026 upstream's long-lived and cancelled streams, against the SDK 2.x handler: change notifications through
// one subscriptions/listen stream (reopened when the client subscribes, and when it drops), and a client's
// cancellation closing the request's response stream instead of POSTing a notification.
import { describe, expect, it } from 'vitest';
import { ResourceUpdatedNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectThroughBridge } from '../../helpers/bridge.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { startInterceptingFront, startServer2026, type Server2026 } from '../../helpers/server-2026.js';
import { waitFor } from '../../helpers/wait.js';

useTeardown();

async function modernServer(): Promise<Server2026> {
  const server = await startServer2026({ variant: 'modern-only', keepAliveMs: 0 });
  onTeardown(() => server.close());
  return server;
}

const listenBodies = (server: Server2026) =>
  server.requests.filter((r) => r.rpc.includes('subscriptions/listen')).map((r) => JSON.parse(r.body) as { params: { notifications: Record<string, unknown> } });

describe('the listen stream', () => {
  it('opens one subscriptions/listen stream for the lists that change and forwards list_changed', async () => {
    const server = await modernServer();
    const bridged = await connectThroughBridge({ url: server.url });
    const changed: string[] = [];
    bridged.client.setNotificationHandler(ToolListChangedNotificationSchema, (n) => void changed.push(n.method));
    await waitFor('the listen stream', () => listenBodies(server).length === 1);
    expect(listenBodies(server)[0]!.params.notifications).toEqual({ toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the server acknowledges before it routes events
    server.addTool();
    await waitFor('tools/list_changed', () => changed.length === 1);
    expect((await bridged.client.listTools()).tools.map((t) => t.name)).toContain('extra');
    // As a 2025 server sends it: without params once the subscription id is taken out.
    expect(bridged.received.filter((m) => (m as { method?: string }).method === 'notifications/tools/list_changed')).toEqual([
      { jsonrpc: '2.0', method: 'notifications/tools/list_changed' },
    ]);
    // The acknowledgement stays with the bridge.
    expect(bridged.received.map((m) => (m as { method?: string }).method)).not.toContain('notifications/subscriptions/acknowledged');
  });

  it('reopens the stream with the subscription and forwards resources/updated without the subscription id', async () => {
    const server = await modernServer();
    const bridged = await connectThroughBridge({ url: server.url });
    const updates: unknown[] = [];
    bridged.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params));
    await bridged.client.subscribeResource({ uri: 'test://counter' });
    expect(server.requests.flatMap((r) => r.rpc)).not.toContain('resources/subscribe');
    await waitFor('the listen stream with the subscription', () => listenBodies(server).some((b) => Array.isArray(b.params.notifications.resourceSubscriptions)));
    expect(listenBodies(server).at(-1)!.params.notifications.resourceSubscriptions).toEqual(['test://counter']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await bridged.client.callTool({ name: 'touch', arguments: {} });
    await waitFor('resources/updated', () => updates.length === 1);
    expect(updates[0]).toEqual({ uri: 'test://counter' });
  });

  it('reopens the stream when the server drops it, and notifications flow again', async () => {
    const server = await modernServer();
    const bridged = await connectThroughBridge({ url: server.url });
    const changed: string[] = [];
    bridged.client.setNotificationHandler(ToolListChangedNotificationSchema, (n) => void changed.push(n.method));
    await waitFor('the listen stream', () => listenBodies(server).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.dropListenStreams()).toBe(1);
    await waitFor('a new listen stream', () => listenBodies(server).length === 2, { timeoutMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    server.addTool();
    await waitFor('tools/list_changed after the reopening', () => changed.length === 1);
  });
});

describe('cancellation', () => {
  it("closes the request's response stream when the client cancels, and POSTs no notification", async () => {
    const server = await modernServer();
    const bridged = await connectThroughBridge({ url: server.url });
    const abort = new AbortController();
    const call = bridged.client.callTool({ name: 'slow', arguments: {} }, undefined, { signal: abort.signal }).catch((e: unknown) => e);
    await waitFor('the slow call to start', () => server.observed.slowStarted === 1);
    abort.abort('changed my mind');
    await call;
    await waitFor('the server to see the stream close', () => server.observed.slowCancelled === 1);
    expect(server.requests.flatMap((r) => r.rpc)).not.toContain('notifications/cancelled');
    // The bridge goes on serving.
    expect(await bridged.client.callTool({ name: 'echo', arguments: { text: 'after' } })).toHaveProperty('content.0.text', 'after');
  });
});

describe('a server that refuses the listen stream', () => {
  it('is asked once, not again and again, and everything else works', async () => {
    const backend = await modernServer();
    let listens = 0;
    const front = await startInterceptingFront(backend.url, (m) => {
      if (m.method !== 'subscriptions/listen') return undefined;
      listens++;
      return { status: 404, body: { jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'Method not found' } } };
    });
    onTeardown(() => front.close());
    const bridged = await connectThroughBridge({ url: front.url });
    await waitFor('the listen attempt', () => listens === 1);
    await new Promise((resolve) => setTimeout(resolve, 1_800)); // past the first reopening delays (0.5 s, 1 s)
    expect(listens).toBe(1);
    expect(bridged.stderr()).toMatch(/refused the subscriptions\/listen stream/);
    expect(await bridged.client.callTool({ name: 'echo', arguments: { text: 'still' } })).toHaveProperty('content.0.text', 'still');
  });
});
