/**
 * `serve --store redis://…` end to end, with one serve instance: the real built CLI with static tokens for two
 * users, in front of a server behind the real OpenID provider. Alice logs in through serve's callback; her login
 * and client registration land in Redis under her hash tag, sealed (no token text, no user name in Redis, nothing
 * in the files); a new serve process on the same Redis (another config directory) uses her login at once, while
 * Bob still has to log in.
 */
import { describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeConfigFile } from '../../aggregate/aggregate-bridge.js';
import { tempDir } from '../../helpers/auth-bridge.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { driveLoginToCallback, startAuthStack } from '../../helpers/oidc/index.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { loginLink, teamClient, whoamiError as whoamiOf } from '../../helpers/team-member.js';
import { waitFor } from '../../helpers/wait.js';
import { startServe } from '../../serve/serve-process.js';
import { followLoginLink } from '../../serve/status/http-browser.js';
import { userHash } from '../../../src/store/redis/index.js';
import { userConfigDir } from '../../../src/serve/users/user-members.js';

useTeardown();

const ALICE = 'alice-token-0123456789abcdef0123456789';
const BOB = 'bob-token-0123456789abcdef0123456789abc';
const KEYS = { MCP_STORE_KEYS: `k1:${Buffer.alloc(32, 11).toString('base64')}` };

const clientOf = async (base: string, token: string) => (await teamClient(base, token)).client;
const whoamiError = (client: Client) => whoamiOf(client, 3_000);

/** Every key and raw value in Redis under `tag`. */
async function dump(redis: TestRedis, tag: string): Promise<{ keys: string[]; text: string }> {
  const keys = ((await redis.command(['KEYS', `${tag}*`])) as string[]).sort();
  let text = '';
  for (const key of keys) {
    const type = (await redis.command(['TYPE', key])) as string;
    const value = type === 'hash' ? await redis.command(['HGETALL', key]) : type === 'set' ? await redis.command(['SMEMBERS', key]) : await redis.command(['GET', key]);
    text += `${key} ${JSON.stringify(value)}\n`;
  }
  return { keys, text };
}

describe('serve --store redis://…', () => {
  it("keeps each user's login in Redis, sealed, and a new instance on the same Redis uses it", { timeout: 120_000 }, async () => {
    const stack = await startAuthStack();
    const redis = await startRedis();
    const file = writeConfigFile({
      mcpServers: { secure: { url: stack.server.url, allowHttp: true, authTimeout: '60s' } },
      serve: { auth: { tokens: [{ user: 'alice', token: '${ALICE_TOKEN}' }, { user: 'bob', token: '${BOB_TOKEN}' }] } },
    });
    const env = { ALICE_TOKEN: ALICE, BOB_TOKEN: BOB, ...KEYS };
    const configDir = tempDir();
    const first = await startServe(['--config', file, '--config-dir', configDir, '--store', redis.url], env);
    expect(first.stderr()).toContain(`credentials: Redis at ${redis.url}`);

    const alice = await clientOf(first.base, ALICE);
    const { browser, authorizationUrl } = await followLoginLink(first.base, await loginLink(alice), ALICE);
    const { callbackUrl } = await driveLoginToCallback(authorizationUrl, { user: 'alice-account' });
    expect((await browser.request(callbackUrl)).status).toBe(200);
    await waitFor("alice's calls to work", async () => (await whoamiError(alice)) === undefined, { timeoutMs: 20_000, intervalMs: 250 });

    const tag = `{mab:${userHash('alice')}}`;
    const { keys, text } = await dump(redis, tag);
    expect(keys.some((k) => k.includes(':login:'))).toBe(true);
    expect(keys.some((k) => k.includes(':reg:'))).toBe(true);
    expect(text).not.toContain('eyJ'); // no JWT (the access token) in clear
    expect(text).not.toContain('alice');
    expect(text).toContain('"kid\\":\\"k1\\"');
    // Nothing of Alice's login in serve's files.
    const users = userConfigDir(configDir, 'alice');
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
    expect(files(configDir).filter((f) => f.startsWith(users) && /tokens|registrations/.test(f) && f.endsWith('.json'))).toEqual([]);

    // Another instance on the same Redis, with its own config directory: Alice is logged in there too; Bob is not.
    const second = await startServe(['--config', file, '--config-dir', tempDir(), '--store', redis.url], env);
    const aliceThere = await clientOf(second.base, ALICE);
    await waitFor("alice's calls to work on the second instance", async () => (await whoamiError(aliceThere)) === undefined, { timeoutMs: 20_000, intervalMs: 250 });
    const who = await aliceThere.callTool({ name: 'secure__whoami', arguments: {} });
    expect(JSON.stringify(who.content)).toContain('alice-account');
    const bob = await clientOf(second.base, BOB);
    expect((await whoamiError(bob))?.code).toBe(-32042);
    expect(second.stderr()).not.toContain(ALICE);
  });
});
