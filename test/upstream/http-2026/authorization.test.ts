// A 2026-07-28 server behind OAuth (the real oidc-provider in front of the SDK 2.x handler): the first POST's 401
// starts the browser login through the same auth layer as on the 2025 path, every later POST carries the token,
// and the next start uses the stored login and the remembered era at once (no 401, no initialize).
import { describe, expect, it } from 'vitest';
import { connectWithLogin, startAuthBridge, tempDir } from '../../helpers/auth-bridge.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { startOidcProvider, startProtectedMcpServer } from '../../helpers/oidc/index.js';
import { withTimeout } from '../../helpers/wait.js';

useTeardown();

describe('a 2026-07-28 server behind OAuth', () => {
  it('logs in on the first 401, then sends the token with every POST; a second start needs neither a login nor an initialize', async () => {
    const provider = await startOidcProvider();
    const server = await startProtectedMcpServer({ issuer: provider.issuer, era: '2026-07-28' });
    const configDir = tempDir();
    const { bridge } = await connectWithLogin({ url: server.url, configDir });
    expect(bridge.client.getServerVersion()).toEqual({ name: 'fixture-2026', version: '2.0.0' });
    expect(await bridge.client.callTool({ name: 'echo', arguments: { text: 'with a token' } })).toHaveProperty('content.0.text', 'with a token');
    const posts = server.requests.filter((r) => r.method === 'POST');
    expect(posts[0]).toMatchObject({ status: 401, authorization: false });
    const authorized = posts.filter((r) => r.authorization);
    expect(authorized.map((r) => r.rpc[0])).toEqual(expect.arrayContaining(['initialize', 'server/discover', 'tools/call:echo']));
    expect(authorized.every((r) => r.status !== 401)).toBe(true);
    await bridge.close();

    server.requests.length = 0;
    const again = startAuthBridge({ url: server.url, configDir, label: 'second start' });
    await withTimeout('the second start', again.connected, 15_000);
    expect(await again.client.callTool({ name: 'echo', arguments: { text: 'again' } })).toHaveProperty('content.0.text', 'again');
    expect(again.loginUrls()).toEqual([]);
    expect(server.requests.filter((r) => r.status === 401)).toEqual([]);
    expect(server.requests.flatMap((r) => r.rpc)).not.toContain('initialize');
  });
});
