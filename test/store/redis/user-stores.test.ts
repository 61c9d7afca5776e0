/**
 * serve's per-user store factory (serve/users/user-stores.ts): files by default (the Authorizer opens them), Redis
 * with `--store redis://…` — each user's store and memory of a server's protocol era in Redis, apart from the
 * other users' — and the store options checked where they enter.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors.js';
import { createLogger, SecretRegistry } from '../../../src/log.js';
import { openUserStores } from '../../../src/serve/users/user-stores.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { startRedis } from '../../helpers/redis.js';
import { SECRETS, sampleLogin } from '../helpers/fixtures.js';
import { KEY } from './store-contract.js';

useTeardown();

const logger = createLogger({ level: 'silent', secrets: new SecretRegistry() });
const env = { MCP_STORE_KEYS: `k1:${Buffer.alloc(32, 3).toString('base64')}` };
const runtime = { now: () => 1_900_000_000_000 };

describe("serve's per-user stores", () => {
  it('are the files of each user by default: nothing to open here', async () => {
    const stores = await openUserStores({ raw: {}, configDir: '/srv/mab', env, logger });
    expect(stores.description).toBe('files under /srv/mab/users (mode 0600)');
    expect(stores.openerFor('alice', '/srv/mab/users/x')).toBeUndefined();
    expect(stores.eraMemoryFor('alice', new URL('https://mcp.example.com/mcp'), runtime)).toBeUndefined();
  });

  it("are each user's own in Redis, logins and protocol eras alike", async () => {
    const redis = await startRedis();
    const stores = await openUserStores({ raw: { store: redis.url, storePrefix: 'team:' }, configDir: '/srv/mab', env, logger });
    onTeardown(() => stores.close());
    expect(stores.description).toBe(`Redis at ${redis.url} (encrypted, key k1, prefix team:)`);
    const alice = await stores.openerFor('alice', '/srv/mab/users/a')!();
    const bob = await stores.openerFor('bob', '/srv/mab/users/b')!();
    expect(alice.kind).toBe('redis');
    expect(alice.configDir).toBe('/srv/mab/users/a');
    await alice.setTokens(KEY, sampleLogin());
    expect((await alice.getTokens(KEY))?.secrets.accessToken).toBe(SECRETS.accessToken);
    expect(await bob.getTokens(KEY)).toBeUndefined();

    const url = new URL('https://mcp.example.com/mcp');
    const aliceEra = stores.eraMemoryFor('alice', url, runtime)!;
    await aliceEra.remember('2026-07-28');
    expect(await aliceEra.recall()).toBe('2026-07-28');
    expect(await stores.eraMemoryFor('bob', url, runtime)!.recall()).toBeUndefined();
    await aliceEra.forget();
    expect(await aliceEra.recall()).toBeUndefined();
  });

  it('check their options: Redis options without Redis, another scheme, a bad --store-max-ttl', async () => {
    const bad = [{ store: 'files', storePrefix: 'x:' }, { storeKeyFile: '/k' }, { store: 'memcached://host' }, { store: 'redis://127.0.0.1:1', storeMaxTtl: '0' }];
    for (const raw of bad) {
      await expect(openUserStores({ raw, configDir: '/srv/mab', env, logger }), JSON.stringify(raw)).rejects.toMatchObject({ code: ErrorCode.Usage });
    }
  });
});
