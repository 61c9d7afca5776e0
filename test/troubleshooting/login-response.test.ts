// docs/troubleshooting.md, the answer to a login that did not come from the authorization server the login was sent
// to (RFC 9207 `iss`): the real provider's redirect, with `iss` changed on its way to the bridge's callback.
import { describe, expect, it } from 'vitest';
import { authArgs, loginUrlsIn, tempDir } from '../helpers/auth-bridge.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { deliverCallback, driveLoginToCallback, startAuthStack } from '../helpers/oidc/index.js';
import { initializeOutcome } from '../helpers/outcomes.js';
import { waitFor } from '../helpers/wait.js';
import { expectDocumented } from './readme-rows.js';

useTeardown();

describe('troubleshooting: the answer to a login', () => {
  it('`refused the login response: … (RFC 9207)`: the callback names another issuer; nothing is redeemed', async () => {
    const { provider: p, server } = await startAuthStack();
    const raw = spawnBridgeRaw([...authArgs(tempDir()), '--no-browser', server.url]);
    const init = initializeOutcome(raw, 25_000);
    const url = await waitFor('login URL', () => loginUrlsIn(raw.stderr())[0], { timeoutMs: 15_000 });
    const redirect = await driveLoginToCallback(url);
    const forged = new URL(redirect.callbackUrl);
    forged.searchParams.set('iss', 'https://login.example.net');
    expect((await deliverCallback(forged)).status).toBe(400);
    const end = await init;
    expect(end.kind, JSON.stringify(end)).toBe('error');
    const message = end.kind === 'error' ? end.message : '';
    expectDocumented(message, 'refused the login response');
    expect(message).toContain('"https://login.example.net"');
    expect(message).toContain(p.issuer);
    expect(p.counters.tokenRequests.authorization_code ?? 0).toBe(0);
  });
});
