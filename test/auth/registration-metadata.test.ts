// Dynamic client registration as MCP 2026-07-28 asks of a native client (SEP-837, SEP-2207): the bridge registers
// with `application_type: "native"` (its redirect is a loopback address; an OIDC provider would otherwise take it for
// a web client) and asks for the `refresh_token` grant beside `authorization_code`. The real provider's own record of
// the client it created is read through its `registration_create.success` event.
import { describe, expect, it } from 'vitest';
import { connectWithLogin, tempDir, whoami } from '../helpers/auth-bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startAuthStack } from '../helpers/oidc/index.js';

useTeardown();

interface RegisteredClient {
  applicationType?: string;
  grantTypes?: string[];
  redirectUris?: string[];
}

describe('dynamic registration metadata', () => {
  it('registers as a native application with the refresh_token grant and a loopback redirect', async () => {
    const registered: RegisteredClient[] = [];
    const { server } = await startAuthStack({
      provider: {
        setup: (provider) => {
          (provider as unknown as { on: (event: string, listener: (ctx: unknown, client: RegisteredClient) => void) => void }).on(
            'registration_create.success',
            (_ctx, client) => registered.push({ applicationType: client.applicationType, grantTypes: client.grantTypes, redirectUris: client.redirectUris }),
          );
        },
      },
    });
    const { bridge } = await connectWithLogin({ url: server.url, configDir: tempDir(), label: 'register' });
    expect((await whoami(bridge)).sub).toBe('alice');
    expect(registered).toHaveLength(1);
    expect(registered[0]!.applicationType).toBe('native');
    expect(registered[0]!.grantTypes).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
    for (const uri of registered[0]!.redirectUris ?? []) expect(new URL(uri).hostname).toMatch(/^(127\.0\.0\.1|localhost|\[::1\])$/);
  });
});
