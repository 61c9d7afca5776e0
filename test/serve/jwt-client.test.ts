/**
 * serve as an OAuth 2.1 resource server, end to end with real parts only: `serve <url> --jwt-issuer` (the real
 * OpenID provider) in front of an MCP server, and this bridge's own stdio mode pointed at serve knowing nothing
 * but its URL. The bridge meets serve's 401, follows its challenge to serve's RFC 9728 metadata, finds the issuer,
 * registers, logs in (a user signing in on the provider's pages), and its calls then reach the server through
 * serve as that user.
 */
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/child-server.js';
import { connectWithLogin, tempDir } from '../helpers/auth-bridge.js';
import { startCli } from '../helpers/cli.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startOidcProvider } from '../helpers/oidc/index.js';
import { startStreamableServer } from '../helpers/servers.js';
import { withTimeout } from '../helpers/wait.js';

useTeardown();

describe('serve with JWT inbound auth, and this bridge as its client', () => {
  it('is discovered, logged in to and used by the bridge in client mode', { timeout: 90_000 }, async () => {
    const provider = await startOidcProvider();
    const upstream = await startStreamableServer();
    const port = await freePort();
    const serve = startCli(['serve', upstream.url, '--allow-http', '--port', String(port), '--jwt-issuer', provider.issuer, '--jwt-scopes', 'mcp:read', '--config-dir', tempDir()]);
    await serve.waitForStderr(/serving .* at http:\/\/127\.0\.0\.1:\d+\/mcp/, 20_000);
    const metadata = await (await fetch(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`)).json() as { resource: string; authorization_servers: string[] };
    expect(metadata).toMatchObject({ resource: `http://127.0.0.1:${port}/mcp`, authorization_servers: [provider.issuer] });

    const { bridge } = await connectWithLogin({ url: `http://127.0.0.1:${port}/mcp`, configDir: tempDir(), args: ['--allow-http'] }, { user: 'dana' });
    const result = await withTimeout('a call through serve', bridge.client.callTool({ name: 'echo', arguments: { text: 'through serve' } }), 20_000);
    expect(result.content).toEqual([{ type: 'text', text: 'through serve' }]);
    expect(serve.stderr()).toMatch(/session \S+ opened for dana|dana/);
  });
});
