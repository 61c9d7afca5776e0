/**
 * serve's Redis store against a real redis-server: the credential store contract (the same tests the file store
 * passes), encryption at rest (no token text in Redis, a record moved to another user's key does not decrypt, key
 * rotation, an unknown key id), TTLs from the tokens' lifetimes, the Cluster-friendly key layout and the server era.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openFileStore } from '../../../src/store/index.js';
import { userHash } from '../../../src/store/redis/index.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { SECRETS, containsSecret, sampleLogin, sampleRegistration } from '../helpers/fixtures.js';
import { newKey, openTestStores } from './open-stores.js';
import { KEY, KEY2, REG_KEY, credentialStoreContract } from './store-contract.js';

// The file's Redis is started once; stores opened by the tests close with it, at the end of the file.
useTeardown('all');

let redis: TestRedis;
let n = 0;
beforeAll(async () => {
  // One server for the file; each test uses a prefix of its own. Its teardown is the file's.
  redis = await startRedis();
}, 30_000);

/** A prefix no other test uses. */
const freshPrefix = () => `t${process.pid}-${++n}:`;

/** Every key in Redis under `prefix`. */
async function keysUnder(prefix: string): Promise<string[]> {
  return ((await redis.command(['KEYS', `{${prefix}*`])) as string[]).sort();
}

describe('the Redis store keeps the credential store contract', () => {
  credentialStoreContract(async () => {
    const prefix = freshPrefix();
    const key = newKey('shared');
    const one = await openTestStores(redis, { prefix, keys: [key] });
    const two = await openTestStores(redis, { prefix, keys: [key] });
    return { store: one.stores.forUser('alice', '/nonexistent'), reopen: async () => two.stores.forUser('alice', '/nonexistent') };
  });
});

describe('the file store keeps the same contract', () => {
  credentialStoreContract(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mab-contract-'));
    onTeardown(() => rm(dir, { recursive: true, force: true }));
    return { store: await openFileStore({ configDir: dir }), reopen: () => openFileStore({ configDir: dir }) };
  });
});

describe('records are encrypted at rest', () => {
  it('holds no token, secret or name of the user in Redis, only sealed records under the user hash tag', async () => {
    const prefix = freshPrefix();
    const { stores } = await openTestStores(redis, { prefix });
    const store = stores.forUser('alice@example.com', '/nonexistent');
    await store.setTokens(KEY, sampleLogin());
    await store.setRegistration(REG_KEY, sampleRegistration());
    const keys = await keysUnder(prefix);
    expect(keys.length).toBeGreaterThan(0);
    const tag = `{${prefix}${userHash('alice@example.com')}}`;
    let dump = '';
    for (const key of keys) {
      expect(key.startsWith(tag), key).toBe(true);
      const type = (await redis.command(['TYPE', key])) as string;
      const value = type === 'hash' ? await redis.command(['HGETALL', key]) : type === 'set' ? await redis.command(['SMEMBERS', key]) : await redis.command(['GET', key]);
      dump += `${key} ${JSON.stringify(value)}\n`;
    }
    expect(containsSecret(dump)).toBe(false);
    expect(dump).not.toContain('alice');
    expect(dump).not.toContain('auth.example.com');
    const sealed = JSON.parse((await redis.command(['HGET', `${tag}:login:${KEY}`, 'rec'])) as string) as Record<string, unknown>;
    expect(sealed).toMatchObject({ v: 1, kid: 'k1' });
    expect(Buffer.from(sealed.iv as string, 'base64')).toHaveLength(12);
  });

  it('uses a fresh nonce for each record, so the same login sealed twice differs', async () => {
    const prefix = freshPrefix();
    const { stores } = await openTestStores(redis, { prefix });
    const store = stores.forUser('alice', '/nonexistent');
    const key = `{${prefix}${userHash('alice')}}:login:${KEY}`;
    await store.setTokens(KEY, sampleLogin());
    const first = (await redis.command(['HGET', key, 'rec'])) as string;
    await store.setTokens(KEY, sampleLogin());
    const second = (await redis.command(['HGET', key, 'rec'])) as string;
    expect(JSON.parse(first).iv).not.toBe(JSON.parse(second).iv);
  });

  it("does not decrypt a login copied under another user's key (it reads as absent, with one log line)", async () => {
    const prefix = freshPrefix();
    const writer = await openTestStores(redis, { prefix, keys: [newKey('k1')] });
    await writer.stores.forUser('alice', '/nonexistent').setTokens(KEY, sampleLogin());
    const aliceKey = `{${prefix}${userHash('alice')}}:login:${KEY}`;
    const malloryKey = `{${prefix}${userHash('mallory')}}:login:${KEY}`;
    // An attacker with write access to Redis copies Alice's record under Mallory's key (and index).
    await redis.command(['COPY', aliceKey, malloryKey]);
    await redis.command(['SADD', `{${prefix}${userHash('mallory')}}:logins`, KEY]);
    const mallory = writer.stores.forUser('mallory', '/nonexistent');
    expect(await mallory.getTokens(KEY)).toBeUndefined();
    expect(await mallory.getTokens(KEY)).toBeUndefined();
    const lines = writer.lines.filter((l) => l.includes('fails authentication'));
    expect(lines).toHaveLength(1);
    expect(containsSecret(writer.lines.join(''))).toBe(false);
    expect((await mallory.list()).unreadable).toMatchObject([{ key: KEY, type: 'login' }]);
    // Alice's own record is untouched.
    expect((await writer.stores.forUser('alice', '/nonexistent').getTokens(KEY))?.secrets.accessToken).toBe(SECRETS.accessToken);
  });

  it('rotates keys: records sealed with an older key still read, new writes use the first key', async () => {
    const prefix = freshPrefix();
    const old = newKey('2026-01');
    const next = newKey('2026-06');
    const before = await openTestStores(redis, { prefix, keys: [old] });
    await before.stores.forUser('alice', '/nonexistent').setTokens(KEY, sampleLogin());
    const after = await openTestStores(redis, { prefix, keys: [next, old] });
    const store = after.stores.forUser('alice', '/nonexistent');
    expect((await store.getTokens(KEY))?.secrets.accessToken).toBe(SECRETS.accessToken);
    await store.setTokens(KEY2, sampleLogin());
    const tag = `{${prefix}${userHash('alice')}}`;
    const kidOf = async (k: string) => JSON.parse((await redis.command(['HGET', `${tag}:login:${k}`, 'rec'])) as string).kid as string;
    expect(await kidOf(KEY)).toBe('2026-01');
    expect(await kidOf(KEY2)).toBe('2026-06');
    // Once the old key is retired, its records read as absent, with one line naming the key id.
    const retired = await openTestStores(redis, { prefix, keys: [next] });
    const later = retired.stores.forUser('alice', '/nonexistent');
    expect(await later.getTokens(KEY)).toBeUndefined();
    expect(await later.getTokens(KEY)).toBeUndefined();
    expect((await later.getTokens(KEY2))?.secrets.accessToken).toBe(SECRETS.accessToken);
    const named = retired.lines.filter((l) => l.includes('"2026-01"'));
    expect(named).toHaveLength(1);
    expect(named[0]).toContain('not among the store keys');
  });
});

describe('records expire with their tokens', () => {
  it('keeps a login with a refresh token for the maximum, one without until its access token expires', async () => {
    const prefix = freshPrefix();
    const now = Date.now();
    const { stores } = await openTestStores(redis, { prefix, maxTtlMs: 3_600_000, now: () => now });
    const store = stores.forUser('alice', '/nonexistent');
    const tag = `{${prefix}${userHash('alice')}}`;
    await store.setTokens(KEY, sampleLogin());
    const withRefresh = (await redis.command(['PTTL', `${tag}:login:${KEY}`])) as number;
    expect(withRefresh).toBeGreaterThan(3_500_000);
    expect(withRefresh).toBeLessThanOrEqual(3_600_000);
    const short = sampleLogin({ expiresAt: now + 60_000 });
    short.secrets = { accessToken: 'at-short' };
    await store.setTokens(KEY2, short);
    const accessOnly = (await redis.command(['PTTL', `${tag}:login:${KEY2}`])) as number;
    // The access token's minute plus five minutes' grace.
    expect(accessOnly).toBeGreaterThan(300_000);
    expect(accessOnly).toBeLessThanOrEqual(360_000);
  });

  it("keeps a login as long as its refresh token lives, when the server said how long (and no longer than the maximum)", async () => {
    const prefix = freshPrefix();
    const now = Date.now();
    const { stores } = await openTestStores(redis, { prefix, maxTtlMs: 30 * 86_400_000, now: () => now });
    const store = stores.forUser('alice', '/nonexistent');
    const tag = `{${prefix}${userHash('alice')}}`;
    await store.setTokens(KEY, sampleLogin({ refreshExpiresAt: now + 86_400_000 }));
    const day = (await redis.command(['PTTL', `${tag}:login:${KEY}`])) as number;
    expect(day).toBeGreaterThan(86_400_000);
    expect(day).toBeLessThanOrEqual(86_400_000 + 300_000);
    await store.setTokens(KEY2, sampleLogin({ refreshExpiresAt: now + 365 * 86_400_000 }));
    expect((await redis.command(['PTTL', `${tag}:login:${KEY2}`])) as number).toBeLessThanOrEqual(30 * 86_400_000);
    expect((await store.getTokens(KEY))?.metadata.refreshExpiresAt).toBe(now + 86_400_000);
  });

  it('forgets an expired login from the listing', async () => {
    const prefix = freshPrefix();
    const { stores } = await openTestStores(redis, { prefix });
    const store = stores.forUser('alice', '/nonexistent');
    await store.setTokens(KEY, sampleLogin());
    await redis.command(['DEL', `{${prefix}${userHash('alice')}}:login:${KEY}`]);
    expect((await store.list()).logins).toEqual([]);
    expect(await redis.command(['SMEMBERS', `{${prefix}${userHash('alice')}}:logins`])).toEqual([]);
  });
});

describe("each server's protocol era", () => {
  it('is kept per user, and forgotten', async () => {
    const prefix = freshPrefix();
    const { stores } = await openTestStores(redis, { prefix });
    const alice = stores.forUser('alice', '/nonexistent');
    const bob = stores.forUser('bob', '/nonexistent');
    await alice.writeServerEra('https://mcp.example.com/mcp?key=x', '2026-07-28', new Date(1_900_000_000_000));
    expect(await alice.readServerEra('https://mcp.example.com/mcp?key=x')).toEqual({ version: 1, era: '2026-07-28', detectedAt: new Date(1_900_000_000_000).toISOString() });
    expect(await bob.readServerEra('https://mcp.example.com/mcp?key=x')).toBeUndefined();
    expect(JSON.stringify(await keysUnder(prefix))).not.toContain('key=x');
    expect(await alice.forgetServerEra('https://mcp.example.com/mcp?key=x')).toBe(true);
    expect(await alice.readServerEra('https://mcp.example.com/mcp?key=x')).toBeUndefined();
  });
});

describe('users are apart', () => {
  it("never reads another user's login or registration", async () => {
    const prefix = freshPrefix();
    const { stores } = await openTestStores(redis, { prefix });
    await stores.forUser('alice', '/nonexistent').setTokens(KEY, sampleLogin());
    await stores.forUser('alice', '/nonexistent').setRegistration(REG_KEY, sampleRegistration());
    const bob = stores.forUser('bob', '/nonexistent');
    expect(await bob.getTokens(KEY)).toBeUndefined();
    expect(await bob.getRegistration(REG_KEY)).toBeUndefined();
    expect((await bob.list()).logins).toEqual([]);
    expect(await bob.deleteAll()).toEqual({ logins: 0, registrations: 0 });
    expect(await stores.forUser('alice', '/nonexistent').getTokens(KEY)).toBeDefined();
  });
});
