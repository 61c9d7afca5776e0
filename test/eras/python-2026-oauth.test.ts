// Logging in through the bridge to the protected Python fixture (test/fixtures/py2026/auth.py: the Python SDK as an
// OAuth resource server trusting the tests' OpenID provider), then calling a tool, in each era; then the stored login
// serving a second start, and its refresh when the short-lived token expires. The 2025 case shows the protected
// fixture and the login work as before; the 2026 case is the "one behind OAuth".
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectWithLogin, connectWithoutLogin, tempDir, whoami } from '../helpers/auth-bridge.js';
import { storedLogins } from '../helpers/auth-secrets.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startOidcProvider } from '../helpers/oidc/index.js';
import { pythonWithMcp } from '../helpers/python.js';
import { startPython2026Server, type Python2026Mode } from '../helpers/python-2026-server.js';

useTeardown();

describe('the protected Python fixture through the bridge', () => {
  beforeAll(async () => {
    await pythonWithMcp(); // made once per machine; slow the first time
  }, 10 * 60_000);

  it.each<[string, Python2026Mode]>([
    ['2025-11-25', 'legacy'],
    ['2026-07-28', 'modern'],
  ])(
    '%s: the client logs in through the bridge, calls tools with the token, starts again without a login, and the token is refreshed',
    async (_era, mode) => {
      const provider = await startOidcProvider({ accessTokenTtlSeconds: 4 });
      const server = await startPython2026Server({ mode, auth: { issuer: provider.issuer, jwksUri: provider.jwksUri } });

      // Without a token the server refuses and names its metadata (RFC 9728), which names the provider.
      const refused = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(refused.status).toBe(401);
      const challenge = refused.headers.get('www-authenticate') ?? '';
      const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
      expect(metadataUrl).toBeDefined();
      const metadata = (await (await fetch(metadataUrl!)).json()) as { resource: string; authorization_servers: string[] };
      expect(metadata).toMatchObject({ resource: server.url, authorization_servers: [provider.issuer] });

      const configDir = tempDir();
      const { bridge } = await connectWithLogin({ url: server.url, configDir });
      const me = await whoami(bridge);
      expect(me.sub).toBe('alice');
      expect(me.scopes).toContain('mcp:read');
      const echoed = await bridge.client.callTool({ name: 'echo', arguments: { text: 'with a token' } });
      expect(echoed.content).toEqual([{ type: 'text', text: 'with a token' }]);
      await bridge.close();

      // A second start uses the stored login; once its token has expired, the next call still works: the bridge
      // refreshed it (one refresh-token grant, no second login).
      const again = await connectWithoutLogin({ url: server.url, configDir, label: 'second start' });
      expect((await whoami(again)).sub).toBe('alice');
      const expiresAt = Number(storedLogins(configDir)[0]!.json.metadata.expiresAt);
      await sleep(Math.max(0, expiresAt - Date.now() + 500));
      const afterExpiry = await Promise.race([
        whoami(again, 30_000).then((who) => ({ who })),
        again.waitForLoginUrl(0, 25_000).then(() => ({ who: undefined })),
      ]);
      expect(afterExpiry.who, 'the refresh failed and the bridge asked for a new login').toMatchObject({ sub: 'alice' });
      expect(provider.counters.authorizationRequests).toBe(1);
      expect(provider.tokenRequests.filter((t) => t.grantType === 'refresh_token').map((t) => t.status)).toEqual([200]);
    },
    90_000,
  );
});
