// Client ID metadata documents (MCP 2025-11-25): with --client-metadata-url, and an authorization server that
// advertises client_id_metadata_document_supported, the document's URL is the client id — no registration. A
// server that does not support them gets a dynamic registration instead.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { connectWithLogin, tempDir, whoami } from '../helpers/auth-bridge.js';
import { storedLogins } from '../helpers/auth-secrets.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startAuthStack, type OidcProviderOptions } from '../helpers/oidc/index.js';

useTeardown();

const DOCUMENT_URL = 'https://bridge.example.test/mcp-auth-bridge/client.json';

async function stack(provider: OidcProviderOptions = {}) {
  const s = await startAuthStack({ provider });
  s.provider.metadataDocuments.set(DOCUMENT_URL, {
    client_id: DOCUMENT_URL,
    client_name: 'mcp-auth-bridge (test)',
    application_type: 'native',
    redirect_uris: ['http://127.0.0.1/callback'],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  });
  return s;
}

describe('client ID metadata documents', () => {
  it('logs in with the document URL as client id, registers nothing, and refreshes as that client', async () => {
    const { provider, server } = await stack({ accessTokenTtlSeconds: 3 });
    const configDir = tempDir();
    const { bridge } = await connectWithLogin({ url: server.url, configDir, args: ['--client-metadata-url', DOCUMENT_URL] });
    expect(new URL(bridge.loginUrls()[0]!).searchParams.get('client_id')).toBe(DOCUMENT_URL);
    expect(await whoami(bridge)).toMatchObject({ sub: 'alice', clientId: DOCUMENT_URL });
    expect(provider.counters.registrations).toBe(0);
    expect(provider.metadataDocuments.fetched).toContain(DOCUMENT_URL);
    const [login] = await storedLogins(configDir);
    expect(login?.json.metadata).toMatchObject({ clientId: DOCUMENT_URL, clientIdSource: 'metadata-document' });

    await sleep(3_500); // past the access token's lifetime
    expect(await whoami(bridge)).toMatchObject({ sub: 'alice', clientId: DOCUMENT_URL });
    expect(provider.counters.refreshTokenRequests).toBeGreaterThanOrEqual(1);
    expect(provider.counters.authorizationRequests).toBe(1);
  });

  it('registers dynamically when the authorization server does not accept metadata documents', async () => {
    const { provider, server } = await stack({ cimd: false });
    const { bridge } = await connectWithLogin({ url: server.url, configDir: tempDir(), args: ['--client-metadata-url', DOCUMENT_URL] });
    const clientId = new URL(bridge.loginUrls()[0]!).searchParams.get('client_id');
    expect(clientId).not.toBe(DOCUMENT_URL);
    expect(provider.counters.registrations).toBe(1);
    expect(bridge.stderr()).toMatch(/does not accept client ID metadata documents/);
    expect(await whoami(bridge)).toMatchObject({ sub: 'alice', clientId });
  });
});
