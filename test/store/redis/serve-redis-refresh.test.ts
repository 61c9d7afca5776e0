/**
 * Two `serve --store redis://…` instances refreshing one user's expired token at the same moment spend the rotated
 * refresh token once: the lease in Redis lets one refresh, and the other finds the new token under it. Without it
 * (each instance's own file lock) both would refresh, and the provider revokes a grant whose rotated refresh token
 * is used twice.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { McpError } from '@modelcontextprotocol/sdk/types.js';
import { writeConfigFile } from '../../aggregate/aggregate-bridge.js';
import { tempDir } from '../../helpers/auth-bridge.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { driveLoginToCallback, startAuthStack } from '../../helpers/oidc/index.js';
import { startRedis } from '../../helpers/redis.js';
import { waitFor, withTimeout } from '../../helpers/wait.js';
import { startServe } from '../../serve/serve-process.js';
import { followLoginLink } from '../../serve/status/http-browser.js';

useTeardown();

const ALICE = 'alice-token-0123456789abcdef0123456789';
const KEYS = { MCP_STORE_KEYS: `k1:${Buffer.alloc(32, 13).toString('base64')}` };

async function clientOf(base: string): Promise<Client> {
  const client = new Client({ name: 'team-member', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } } });
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${ALICE}` } } });
  onTeardown(() => withTimeout('client close', client.close(), 10_000).catch(() => undefined));
  await withTimeout('connect to serve', client.connect(transport), 20_000);
  return client;
}

const whoamiError = (client: Client) =>
  client.callTool({ name: 'secure__whoami', arguments: {} }, undefined, { timeout: 10_000 }).then(() => undefined, (e: unknown) => e as McpError);

describe('two serve instances on one Redis', () => {
  it("refresh one user's expired token once between them", { timeout: 120_000 }, async () => {
    const stack = await startAuthStack({ provider: { accessTokenTtlSeconds: 5 } });
    const redis = await startRedis();
    const file = writeConfigFile({
      mcpServers: { secure: { url: stack.server.url, allowHttp: true, authTimeout: '60s' } },
      serve: { auth: { tokens: [{ user: 'alice', token: '${ALICE_TOKEN}' }] } },
    });
    const env = { ALICE_TOKEN: ALICE, ...KEYS };
    const one = await startServe(['--config', file, '--config-dir', tempDir(), '--store', redis.url], env);
    const two = await startServe(['--config', file, '--config-dir', tempDir(), '--store', redis.url], env);
    const onOne = await clientOf(one.base);
    const onTwo = await clientOf(two.base);

    let link: string | undefined;
    await waitFor('a login link', async () => {
      const error = await whoamiError(onOne);
      link = (error?.data as { elicitations?: Array<{ url: string }> } | undefined)?.elicitations?.[0]?.url;
      return link;
    }, { timeoutMs: 20_000, intervalMs: 250 });
    const { browser, authorizationUrl } = await followLoginLink(one.base, link!, ALICE);
    const { callbackUrl } = await driveLoginToCallback(authorizationUrl, { user: 'alice-account' });
    expect((await browser.request(callbackUrl)).status).toBe(200);
    const loggedIn = Date.now();
    await waitFor('calls to work on both instances', async () => (await whoamiError(onOne)) === undefined && (await whoamiError(onTwo)) === undefined, { timeoutMs: 20_000, intervalMs: 250 });
    expect(stack.provider.counters.refreshTokenRequests).toBe(0);

    // The access token's end passes; then both instances need a fresh one at once.
    await waitFor('the access token to expire', () => Date.now() > loggedIn + 5_500, { timeoutMs: 20_000, intervalMs: 100 });
    const [a, b] = await Promise.all([whoamiError(onOne), whoamiError(onTwo)]);
    expect(a).toBeUndefined();
    expect(b).toBeUndefined();
    expect(stack.provider.counters.refreshTokenRequests).toBe(1);
    expect(stack.provider.counters.authorizationRequests).toBe(1);
  });
});
