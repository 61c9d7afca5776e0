/**
 * Four `serve --store redis://…` instances refreshing one user's expired token at the same moment spend the rotated
 * refresh token once: the lease in Redis lets one refresh, and the others find the new token under it. Without it
 * (each instance's own file lock) each would refresh, and the provider revokes a grant whose rotated refresh token
 * is used twice.
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
import { followLoginLink } from '../../serve/status/http-browser.js';

useTeardown();

const ALICE = 'alice-token-0123456789abcdef0123456789';
const KEYS = { MCP_STORE_KEYS: `k1:${Buffer.alloc(32, 13).toString('base64')}` };

const clientOf = async (base: string) => (await teamClient(base, ALICE)).client;

describe('four serve instances on one Redis', () => {
  it("refresh one user's expired token once between them", { timeout: 120_000 }, async () => {
    const stack = await startAuthStack({ provider: { accessTokenTtlSeconds: 5 } });
    const redis = await startRedis();
    const file = writeConfigFile({
      mcpServers: { secure: { url: stack.server.url, allowHttp: true, authTimeout: '60s' } },
      serve: { auth: { tokens: [{ user: 'alice', token: '${ALICE_TOKEN}' }] } },
    });
    const env = { ALICE_TOKEN: ALICE, ...KEYS };
    const instances = await Promise.all([0, 1, 2, 3].map(() => startServe(['--config', file, '--config-dir', tempDir(), '--store', redis.url], env)));
    // Alice logs in through the first instance; her clients of the others connect once she has.
    const one = instances[0]!;
    const onOne = await clientOf(one.base);
    const { browser, authorizationUrl } = await followLoginLink(one.base, await loginLink(onOne), ALICE);
    const { callbackUrl } = await driveLoginToCallback(authorizationUrl, { user: 'alice-account' });
    expect((await browser.request(callbackUrl)).status).toBe(200);
    const loggedIn = Date.now();
    const clients = [onOne, ...(await Promise.all(instances.slice(1).map((serve) => clientOf(serve.base))))];
    await waitFor('calls to work on every instance', async () => (await Promise.all(clients.map((c) => whoamiError(c)))).every((e) => e === undefined), { timeoutMs: 20_000, intervalMs: 250 });
    expect(stack.provider.counters.refreshTokenRequests).toBe(0);

    // The access token's end passes; then every instance needs a fresh one at once.
    await waitFor('the access token to expire', () => Date.now() > loggedIn + 5_500, { timeoutMs: 20_000, intervalMs: 100 });
    expect(await Promise.all(clients.map((c) => whoamiError(c)))).toEqual([undefined, undefined, undefined, undefined]);
    expect(stack.provider.counters.refreshTokenRequests).toBe(1);
    expect(stack.provider.counters.authorizationRequests).toBe(1);
  });
});
