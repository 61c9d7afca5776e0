/**
 * A Redis restart under two `serve` instances behind the round-robin balancer, with persistence on (the append-only
 * file, fsync on every write, as the README's deployment example has it): Redis is killed (a crash, not a shutdown)
 * and started again on the same files. Nothing written before is lost: the user's login (no second login at the
 * provider), the 2025-11-25 session's record (the client goes on under its session id, its requests still landing on
 * both instances), and an instance started afresh afterwards, with nothing in memory, reads the login from Redis.
 * Before any login, every instance's `/readyz` says ready (the cluster helper waits for it): the readiness monitor's
 * login, which never ends, stays in its own instance's files and holds no lease the other instances wait for.
 */
import { describe, expect, it } from 'vitest';
import { writeConfigFile } from '../aggregate/aggregate-bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { driveLoginToCallback, startAuthStack } from '../helpers/oidc/index.js';
import { startRedis } from '../helpers/redis.js';
import { startServeCluster } from '../helpers/serve-cluster.js';
import { loginLink, teamClient, whoamiError } from '../helpers/team-member.js';
import { waitFor } from '../helpers/wait.js';
import { followLoginLink } from '../serve/status/http-browser.js';

useTeardown();

const ALICE = 'alice-restart-token-0123456789abcdef01234';

describe('serve instances when Redis restarts with persistence on', () => {
  it('lose no login and no session: calls go on once Redis is back, and an instance started afresh uses the login', { timeout: 150_000 }, async () => {
    const stack = await startAuthStack();
    const redis = await startRedis({ persistent: true });
    const file = writeConfigFile({
      mcpServers: { secure: { url: stack.server.url, allowHttp: true, authTimeout: '60s' } },
      serve: { auth: { tokens: [{ user: 'alice', token: '${ALICE_TOKEN}' }] } },
    });
    const cluster = await startServeCluster({ instances: 2, configFile: file, env: { ALICE_TOKEN: ALICE }, redis });
    const { client: alice, transport } = await teamClient(cluster.base, ALICE);
    // The login: the link, the browser's sign-in and the provider's callback all go through the balancer.
    const { browser, authorizationUrl } = await followLoginLink(cluster.base, await loginLink(alice), ALICE);
    const { callbackUrl } = await driveLoginToCallback(authorizationUrl, { user: 'alice-account' });
    expect((await browser.request(callbackUrl)).status).toBe(200);
    await waitFor("alice's calls to work", async () => (await whoamiError(alice, 3_000)) === undefined, { timeoutMs: 30_000, intervalMs: 250 });
    const session = transport.sessionId;
    expect(session).toBeDefined();

    await redis.stop();
    await redis.start();
    await waitFor('calls to work again once Redis is back', async () => (await whoamiError(alice, 3_000)) === undefined, { timeoutMs: 30_000, intervalMs: 250 });
    const from = cluster.proxy.requests.length;
    for (let i = 0; i < 4; i++) expect(await whoamiError(alice)).toBeUndefined();
    expect(new Set(cluster.proxy.requests.slice(from).map((r) => r.backend))).toEqual(new Set([0, 1]));
    expect(transport.sessionId).toBe(session);
    expect(stack.provider.counters.authorizationRequests).toBe(1);

    // An instance with nothing in memory: the login it uses can only have come from the restarted Redis.
    const fresh = await cluster.restart(1);
    const { client: there } = await teamClient(fresh.base, ALICE);
    expect(await whoamiError(there)).toBeUndefined();
    expect(stack.provider.counters.authorizationRequests).toBe(1);
    const logs = cluster.instances.map((s) => s.stderr()).join('\n');
    expect(logs).not.toContain(ALICE);
  });
});
