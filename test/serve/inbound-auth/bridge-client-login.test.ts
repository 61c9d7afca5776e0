// Client-mode compatibility end to end, without the serve front: a real SDK MCP server with serve's authenticator
// in front of it (as the front will put it: `route()` first, then `authenticate()` on every request), and the real
// built bridge in its stdio mode pointed at it, knowing nothing but the URL. The bridge meets the 401, follows the
// challenge to serve's protected-resource metadata, finds the issuer, registers, and logs in (a user signing in on
// the real provider's pages); the token it gets is for serve's resource and names the user who signed in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcProvider, type OidcProvider } from '../../helpers/oidc/index.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { startStreamableServer } from '../../helpers/servers.js';
import { connectWithLogin, tempDir } from '../../helpers/auth-bridge.js';
import { withTimeout } from '../../helpers/wait.js';
import { createInboundAuth } from '../../../src/serve/inbound-auth/create.js';
import type { InboundAuthenticator, InboundIdentity } from '../../../src/serve/inbound-auth/types.js';
import { recordingLogger } from './guarded-server.js';

useTeardown();

let provider: OidcProvider;
beforeAll(async () => {
  provider = await startOidcProvider({ teardown: 'manual' });
});
afterAll(async () => provider?.close());

describe('the bridge in client mode, pointed at a server behind serve\'s JWT inbound auth', () => {
  it('discovers the issuer from serve\'s challenge and metadata, logs in, and is then the user who signed in', async () => {
    let auth: InboundAuthenticator | undefined;
    const identities: InboundIdentity[] = [];
    const statuses: number[] = [];
    const server = await startStreamableServer({
      layer: {
        route: (req, res, path) => auth!.route(req, res, path),
        async admit(req, res) {
          const outcome = await auth!.authenticate(req);
          if (!outcome.ok) {
            statuses.push(outcome.status);
            res.writeHead(outcome.status, outcome.headers).end(JSON.stringify(outcome.body));
            return false;
          }
          identities.push(outcome.identity);
          return true;
        },
      },
    });
    const publicUrl = new URL('/', server.url).href;
    auth = createInboundAuth({ jwt: { issuer: provider.issuer, requiredScopes: ['mcp:read'] } }, { logger: recordingLogger().logger, publicUrl });

    const { bridge } = await connectWithLogin({ url: server.url, configDir: tempDir() }, { user: 'alice' });
    const tools = await withTimeout('tools/list through the bridge', bridge.client.listTools(), 20_000);
    expect(tools.tools.map((t) => t.name)).toContain('echo');

    expect(statuses[0]).toBe(401);
    expect(identities.length).toBeGreaterThan(0);
    expect(identities.every((i) => i.user === 'alice' && i.method === 'jwt')).toBe(true);
    expect(identities[0]!.scopes).toContain('mcp:read');
    // The bridge read serve's own metadata and asked the provider for serve's resource.
    expect(server.requests.some((r) => r.path === '/.well-known/oauth-protected-resource/mcp')).toBe(true);
  });
});
