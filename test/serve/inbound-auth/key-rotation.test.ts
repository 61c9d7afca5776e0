// The issuer rotates its signing key: serve, which cached the old key set, accepts tokens signed with the new key
// once the cached set is a minute old (oauth4webapi refetches the JWKS for an unknown `kid` then, and not more often,
// so a stream of forged `kid`s cannot make serve hammer the issuer). The same issuer URL with a new key: the first
// provider is stopped and a second one, with its own key, started on the same port. Only `Date` is faked, to age
// the cache; the servers and sockets are real.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeProtectedHeader } from 'jose';
import { startOidcProvider, type OidcProvider } from '../../helpers/oidc/index.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { createInboundAuth, mcpResourceOf } from '../../../src/serve/inbound-auth/create.js';
import { clientCredentialsToken } from './provider-tokens.js';
import { call, recordingLogger, startGuardedServer } from './guarded-server.js';

useTeardown();
afterEach(() => vi.useRealTimers());

const tokenFor = (resource: string, from: OidcProvider) => clientCredentialsToken(from, resource, 'mcp:read');

describe('a rotated signing key', () => {
  it('is fetched once the cached key set is a minute old, not before', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now());
    const first = await startOidcProvider({ signingKeyName: 'before-rotation' });
    const server = await startGuardedServer();
    const resource = mcpResourceOf(server.publicUrl);
    server.use(createInboundAuth({ jwt: { issuer: first.issuer } }, { logger: recordingLogger().logger, publicUrl: server.publicUrl }));
    const old = await tokenFor(resource, first);
    expect((await call(server.port, { headers: { authorization: `Bearer ${old}` } })).status).toBe(200);

    await first.close();
    const second = await startOidcProvider({ signingKeyName: 'after-rotation', port: first.port });
    expect(second.issuer).toBe(first.issuer);
    const rotated = await tokenFor(resource, second);
    expect(decodeProtectedHeader(rotated).kid).not.toBe(decodeProtectedHeader(old).kid);

    const soon = await call(server.port, { headers: { authorization: `Bearer ${rotated}` } });
    expect(soon.status).toBe(401);
    expect(soon.json.error_description).toBe('the token is signed with a key the issuer does not publish');

    vi.setSystemTime(Date.now() + 61_000);
    const later = await call(server.port, { headers: { authorization: `Bearer ${rotated}` } });
    expect(later.status).toBe(200);
  });
});
