/**
 * Four `serve --store redis://…` instances with one user, before and after her login.
 *
 * Before: she has a client on every instance, and each instance's calls answer at once with a link to the one login
 * under way (only one instance runs it, under the lease; it shares its login beside the lease). The status page's
 * Connect on any instance leads to that same login, and finishing it through any instance serves all four, with one
 * authorization request at the provider.
 *
 * After: refreshing her expired token at the same moment spends the rotated refresh token once: the lease lets one
 * refresh, and the others find the new token under it. Without it (each instance's own file lock) each would
 * refresh, and the provider revokes a grant whose rotated refresh token is used twice.
 */
import { describe, expect, it } from 'vitest';
import { writeConfigFile } from '../../aggregate/aggregate-bridge.js';
import { tempDir } from '../../helpers/auth-bridge.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { driveLoginToCallback, startAuthStack } from '../../helpers/oidc/index.js';
import { startRedis } from '../../helpers/redis.js';
import { loginLink, teamClient, whoamiError } from '../../helpers/team-member.js';
import { waitFor } from '../../helpers/wait.js';
import { startServe } from '../../serve/serve-process.js';
import { followLoginLink, hiddenValue } from '../../serve/status/http-browser.js';

useTeardown();

const ALICE = 'alice-token-0123456789abcdef0123456789';
const KEYS = { MCP_STORE_KEYS: `k1:${Buffer.alloc(32, 13).toString('base64')}` };

const clientOf = async (base: string) => (await teamClient(base, ALICE)).client;

describe('four serve instances on one Redis', () => {
  it("offer the one login under way on every instance, then refresh the user's expired token once between them", { timeout: 150_000 }, async () => {
    const stack = await startAuthStack({ provider: { accessTokenTtlSeconds: 5 } });
    const redis = await startRedis();
    const file = writeConfigFile({
      mcpServers: { secure: { url: stack.server.url, allowHttp: true, authTimeout: '60s' } },
      serve: { auth: { tokens: [{ user: 'alice', token: '${ALICE_TOKEN}' }] } },
    });
    const env = { ALICE_TOKEN: ALICE, ...KEYS };
    const instances = await Promise.all([0, 1, 2, 3].map(() => startServe(['--config', file, '--config-dir', tempDir(), '--store', redis.url], env)));
    // Alice has a client on every instance before she has logged in anywhere.
    const clients = await Promise.all(instances.map((serve) => clientOf(serve.base)));
    const links = await Promise.all(clients.map((c) => loginLink(c)));
    // Every instance offers a link (its own, kept in Redis), and each leads to the same login at the provider.
    const followed = await Promise.all(links.map((link, i) => followLoginLink(instances[(i + 1) % 4]!.base, link, ALICE)));
    const logins = new Set(followed.map((f) => f.authorizationUrl));
    expect(logins.size).toBe(1);
    // A call now is answered with the link at once on every instance, never left waiting for the login.
    const answers = await Promise.all(clients.map((c) => whoamiError(c, 5_000)));
    expect(answers.map((e) => e?.code)).toEqual([-32042, -32042, -32042, -32042]);
    // The status page's Connect leads to the same login on every instance.
    for (const [i, { browser }] of followed.entries()) {
      const base = instances[(i + 1) % 4]!.base;
      const csrf = hiddenValue(await (await browser.request('/')).text(), 'csrf');
      const page = await (await browser.request('/status/connect', { form: { csrf, server: 'secure' }, headers: { origin: base } })).text();
      expect(page.match(/url=([^"]+)"/)?.[1]?.replaceAll('&amp;', '&')).toBe([...logins][0]);
    }

    // She finishes it; the provider's callback reaches an instance other than the one that runs the login (behind a
    // balancer they share one public URL), and every instance's calls work.
    const { callbackUrl } = await driveLoginToCallback([...logins][0]!, { user: 'alice-account' });
    const callback = new URL(callbackUrl);
    const elsewhere = followed.find((_, i) => instances[(i + 1) % 4]!.base !== callback.origin)!;
    expect((await elsewhere.browser.request(`${callback.pathname}${callback.search}`)).status).toBe(200);
    const loggedIn = Date.now();
    await waitFor('calls to work on every instance', async () => (await Promise.all(clients.map((c) => whoamiError(c)))).every((e) => e === undefined), { timeoutMs: 20_000, intervalMs: 250 });
    expect(stack.provider.counters.authorizationRequests).toBe(1);
    expect(stack.provider.counters.refreshTokenRequests).toBe(0);

    // The access token's end passes; then every instance needs a fresh one at once.
    await waitFor('the access token to expire', () => Date.now() > loggedIn + 5_500, { timeoutMs: 20_000, intervalMs: 100 });
    expect(await Promise.all(clients.map((c) => whoamiError(c)))).toEqual([undefined, undefined, undefined, undefined]);
    expect(stack.provider.counters.refreshTokenRequests).toBe(1);
    expect(stack.provider.counters.authorizationRequests).toBe(1);
  });
});
