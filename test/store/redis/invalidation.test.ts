/**
 * No Redis round trip on the hot path: instance A serves a login from memory, call after call, and still sees the
 * token instance B refreshed, because B's write announces itself on the prefix's channel. Redis's own command
 * counters (INFO commandstats) show how often A read it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useTeardown } from '../../helpers/cleanup.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';
import { sampleLogin, sampleRegistration } from '../helpers/fixtures.js';
import { newKey, openTestStores } from './open-stores.js';
import { KEY, REG_KEY } from './store-contract.js';

useTeardown('all');

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
}, 30_000);

/** How many EVAL commands Redis has run since the last reset (every store read is one). */
async function evals(): Promise<number> {
  const info = (await redis.command(['INFO', 'commandstats'])) as string;
  return Number(/cmdstat_eval:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

const loginWith = (accessToken: string) => {
  const login = sampleLogin();
  login.secrets = { accessToken, refreshToken: `${accessToken}-refresh` };
  return login;
};

describe('the memory cache in front of Redis', () => {
  it("serves A's reads from memory, and A sees B's refreshed token without reading Redis per call", async () => {
    const key = newKey('k1');
    const a = (await openTestStores(redis, { prefix: 'inv1:', keys: [key] })).stores.forUser('alice', '/nonexistent');
    const b = (await openTestStores(redis, { prefix: 'inv1:', keys: [key] })).stores.forUser('alice', '/nonexistent');
    await b.setTokens(KEY, loginWith('at-1'));
    await redis.command(['CONFIG', 'RESETSTAT']);
    for (let i = 0; i < 200; i++) expect((await a.getTokens(KEY))?.secrets.accessToken).toBe('at-1');
    expect(await evals()).toBe(1);

    // B refreshes; A learns of it from the channel and reads Redis once more.
    await b.setTokens(KEY, loginWith('at-2'));
    await waitFor("A to see B's refreshed token", async () => (await a.getTokens(KEY))?.secrets.accessToken === 'at-2', { timeoutMs: 10_000 });
    await redis.command(['CONFIG', 'RESETSTAT']);
    for (let i = 0; i < 200; i++) expect((await a.getTokens(KEY))?.secrets.accessToken).toBe('at-2');
    expect(await evals()).toBe(0);
  });

  it("sees another instance's delete and registration changes", async () => {
    const key = newKey('k1');
    const a = (await openTestStores(redis, { prefix: 'inv2:', keys: [key] })).stores.forUser('alice', '/nonexistent');
    const b = (await openTestStores(redis, { prefix: 'inv2:', keys: [key] })).stores.forUser('alice', '/nonexistent');
    await b.setTokens(KEY, loginWith('at-1'));
    expect(await a.getTokens(KEY)).toBeDefined();
    expect(await a.getRegistration(REG_KEY)).toBeUndefined();
    await b.deleteTokens(KEY);
    await b.setRegistration(REG_KEY, sampleRegistration());
    await waitFor('A to see the delete', async () => (await a.getTokens(KEY)) === undefined);
    await waitFor('A to see the registration', async () => (await a.getRegistration(REG_KEY)) !== undefined);
  });

  it("does not serve from memory while the channel is down, and caches again once it is back", async () => {
    const key = newKey('k1');
    const opened = await openTestStores(redis, { prefix: 'inv3:', keys: [key] });
    const a = opened.stores.forUser('alice', '/nonexistent');
    const b = (await openTestStores(redis, { prefix: 'inv3:', keys: [key] })).stores.forUser('alice', '/nonexistent');
    await b.setTokens(KEY, loginWith('at-1'));
    expect((await a.getTokens(KEY))?.secrets.accessToken).toBe('at-1');
    // Every subscriber is disconnected: invalidations sent meanwhile would be lost, so A forgets what it holds.
    await redis.command(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
    await b.setTokens(KEY, loginWith('at-2'));
    await waitFor('A to read the new token', async () => (await a.getTokens(KEY))?.secrets.accessToken === 'at-2', { timeoutMs: 10_000 });
    await waitFor('the channel to be live again', () => opened.stores.cache.live, { timeoutMs: 10_000 });
    await a.getTokens(KEY);
    await redis.command(['CONFIG', 'RESETSTAT']);
    for (let i = 0; i < 50; i++) await a.getTokens(KEY);
    expect(await evals()).toBe(0);
  });
});
