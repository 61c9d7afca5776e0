// A lost session answered with HTTP 400 (the issue "What a hostile server and first-time users found"): a server that
// answers a session it no longer knows with 400 "No valid session ID provided" (server-everything after a restart)
// is recovered like one that answers 404; a 400 to a request on a session that is still alive is the server's
// answer and reaches the client, with no new session. (The 404 cases: session-recovery.test.ts.)
import { describe, expect, it } from 'vitest';
import { connectThroughBridge, type BridgedClient } from '../helpers/bridge.js';
import { startBadRequestFront } from '../helpers/bad-request-front.js';
import { useTeardown } from '../helpers/cleanup.js';
import { outcome } from '../helpers/compare.js';
import { startEverythingServer } from '../helpers/everything-server.js';
import { startStreamableServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

useTeardown();

const textOf = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

async function everythingEcho(bridged: BridgedClient, message: string): Promise<string> {
  return textOf(await bridged.client.callTool({ name: 'echo', arguments: { message } }, undefined, { timeout: 20_000 }));
}

describe('session lost, answered with HTTP 400', () => {
  it('server-everything restarted on the same port: a new session is opened and the request retried', async () => {
    const first = await startEverythingServer();
    const bridged = await connectThroughBridge({ url: first.url });
    expect(await everythingEcho(bridged, 'before restart')).toContain('before restart');

    await first.close();
    const second = await startEverythingServer({ port: first.port });
    expect(await everythingEcho(bridged, 'after restart')).toContain('after restart');

    await waitFor('notifications/tools/list_changed to reach the client', () =>
      bridged.notifications.some((n) => n.method === 'notifications/tools/list_changed'),
    );
    expect(bridged.stderr()).toMatch(/no longer knows the session \(HTTP 400\)/);
    expect(await everythingEcho(bridged, 'and again')).toContain('and again');
    expect(second.output()).toMatch(/Session initialized with ID/);
    expect(bridged.errors.map(String)).toEqual([]);
  }, 60_000);

  it("a 400 to a request on a live session is the server's answer: the client gets it, and no new session is opened", async () => {
    const server = await startStreamableServer();
    const front = await startBadRequestFront(server.url, 'refuse-this');
    const bridged = await connectThroughBridge({ url: front.url });
    expect(textOf(await bridged.client.callTool({ name: 'echo', arguments: { text: 'fine' } }))).toBe('fine');

    const refused = await outcome(() => bridged.client.callTool({ name: 'echo', arguments: { text: 'refuse-this' } }, undefined, { timeout: 20_000 }));
    expect(refused).toHaveProperty('error');
    expect(JSON.stringify(refused)).toMatch(/HTTP 400/);
    expect(front.refused).toBe(1); // asked once: the session was checked (alive), so no retry on a new one
    expect(server.sessions.created).toBe(1);
    expect(server.requests.some((r) => r.rpc.includes('ping'))).toBe(true);

    expect(textOf(await bridged.client.callTool({ name: 'echo', arguments: { text: 'still fine' } }))).toBe('still fine');
    expect(server.sessions.created).toBe(1);
    expect(bridged.errors.map(String)).toEqual([]);
  }, 40_000);
});
