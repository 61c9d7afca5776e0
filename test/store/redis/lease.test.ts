/**
 * The lease per (user, credential key) across instances, against a real redis-server: two instances racing get one
 * winner; a dead holder's lease is taken over once it expires; a holder whose lease lapsed cannot overwrite the
 * token a newer holder wrote (the fencing value is checked by the write script); a held lease is renewed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors.js';
import { tokenKey } from '../../../src/store/index.js';
import { userHash } from '../../../src/store/redis/index.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';
import { sampleLogin } from '../helpers/fixtures.js';
import { newKey, openTestStores } from './open-stores.js';
import { KEY } from './store-contract.js';

useTeardown('all');

let redis: TestRedis;
let n = 0;
beforeAll(async () => {
  redis = await startRedis();
}, 30_000);

/** Two instances (separate connections) on one prefix and key set, each with Alice's store. */
async function twoInstances() {
  const prefix = `lease${++n}:`;
  const key = newKey('k1');
  const a = await openTestStores(redis, { prefix, keys: [key] });
  const b = await openTestStores(redis, { prefix, keys: [key] });
  return { prefix, instanceA: a.stores, a: a.stores.forUser('alice', '/nonexistent'), b: b.stores.forUser('alice', '/nonexistent') };
}

const loginWith = (accessToken: string) => {
  const login = sampleLogin();
  login.secrets = { accessToken, refreshToken: `${accessToken}-refresh` };
  return login;
};

describe('the lease per (user, server)', () => {
  it('has one winner when two instances race for it; the other gets it once released', async () => {
    const { a, b } = await twoInstances();
    const attempts = await Promise.allSettled([a.acquireLease(KEY, { waitMs: 0 }), b.acquireLease(KEY, { waitMs: 0 })]);
    const won = attempts.filter((r) => r.status === 'fulfilled');
    const lost = attempts.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ code: ErrorCode.Store });
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof a.acquireLease>>>).value;
    // The loser, waiting now, gets it when the winner releases it, with a larger fencing value.
    const loserStore = attempts[0]!.status === 'fulfilled' ? b : a;
    const waiting = loserStore.acquireLease(KEY, { waitMs: 20_000, pollMs: 20 });
    await sleep(100);
    await winner.release();
    const next = await waiting;
    expect(next.fence).toBeGreaterThan(winner.fence);
    await next.release();
  });

  it("is taken over once a dead holder's lease expires", async () => {
    const { a, b, prefix, instanceA } = await twoInstances();
    const dead = await a.acquireLease(KEY, { ttlMs: 1_000 });
    // A's instance dies holding the lease: its connection goes, nothing renews or releases the lease.
    await instanceA.close();
    const leaseKey = `{${prefix}${userHash('alice')}}:lease:${KEY}`;
    expect(await redis.command(['EXISTS', leaseKey])).toBe(1);
    await expect(b.acquireLease(KEY, { waitMs: 0 })).rejects.toMatchObject({ code: ErrorCode.Store });
    const taken = await b.acquireLease(KEY, { waitMs: 20_000, pollMs: 50, ttlMs: 5_000 });
    expect(taken.fence).toBeGreaterThan(dead.fence);
    expect(await redis.command(['GET', leaseKey])).toBe(taken.value);
    await taken.release();
  });

  it('refuses the write of a holder whose lease lapsed, after a newer holder wrote: the newer token stays', async () => {
    const { a, b, prefix } = await twoInstances();
    const stale = await a.acquireLease(KEY, { ttlMs: 5_000 });
    // A's lease lapses (a long pause): it is gone from Redis, and B takes the next one and refreshes.
    await redis.command(['DEL', `{${prefix}${userHash('alice')}}:lease:${KEY}`]);
    const fresh = await b.acquireLease(KEY, { ttlMs: 5_000 });
    expect(fresh.fence).toBeGreaterThan(stale.fence);
    await b.setTokens(KEY, loginWith('at-from-B'), { lease: fresh });
    // A wakes up and writes what it got with the old refresh token: refused, while B holds the lease and after.
    await expect(a.setTokens(KEY, loginWith('at-from-A'), { lease: stale })).rejects.toMatchObject({ code: ErrorCode.Store });
    await fresh.release();
    await expect(a.setTokens(KEY, loginWith('at-from-A'), { lease: stale })).rejects.toMatchObject({ code: ErrorCode.Store });
    expect((await a.getTokens(KEY))?.secrets.accessToken).toBe('at-from-B');
    expect((await b.getTokens(KEY))?.secrets.accessToken).toBe('at-from-B');
    await stale.release();
  });

  it('refuses a write under a lease another instance holds now', async () => {
    const { a, b, prefix } = await twoInstances();
    const first = await a.acquireLease(KEY, { ttlMs: 5_000 });
    await redis.command(['DEL', `{${prefix}${userHash('alice')}}:lease:${KEY}`]);
    const second = await b.acquireLease(KEY, { ttlMs: 5_000 });
    await expect(a.setTokens(KEY, loginWith('at-from-A'), { lease: first })).rejects.toMatchObject({ code: ErrorCode.Store });
    expect(await b.getTokens(KEY)).toBeUndefined();
    await second.release();
    await first.release();
  });

  it('is renewed while held, so a holder longer than its TTL keeps it', async () => {
    const { a, b } = await twoInstances();
    const held = await a.acquireLease(KEY, { ttlMs: 1_000 });
    // Three TTLs later the lease is still A's: B cannot take it, and A's lease was not lost.
    await sleep(3_000);
    await expect(b.acquireLease(KEY, { waitMs: 0 })).rejects.toMatchObject({ code: ErrorCode.Store });
    expect(held.lost.aborted).toBe(false);
    await held.release();
    const next = await b.acquireLease(KEY, { waitMs: 5_000 });
    await next.release();
  });

  it('tells its holder when another instance took it over', async () => {
    const { a, b, prefix } = await twoInstances();
    const held = await a.acquireLease(KEY, { ttlMs: 600 });
    await redis.command(['DEL', `{${prefix}${userHash('alice')}}:lease:${KEY}`]);
    const other = await b.acquireLease(KEY, { ttlMs: 5_000 });
    await waitFor('the first holder to learn its lease is lost', () => held.lost.aborted, { timeoutMs: 10_000 });
    await other.release();
    await held.release();
  });
});

describe("the store's exclusion (the Authorizer's login and refresh)", () => {
  it('lets four instances refreshing at once refresh once: the others find the new token under the lease', async () => {
    const prefix = `excl${++n}:`;
    const key = newKey('k1');
    const instances = await Promise.all([1, 2, 3, 4].map(() => openTestStores(redis, { prefix, keys: [key] })));
    const stores = instances.map((i) => i.stores.forUser('alice', '/nonexistent'));
    const login = sampleLogin();
    await stores[0]!.setTokens(KEY, loginWith('at-old'));
    // Every instance has the old token in memory.
    for (const s of stores) expect((await s.getTokens(KEY))?.secrets.accessToken).toBe('at-old');
    let refreshes = 0;
    const scope = { issuer: login.metadata.issuer, resource: login.metadata.resource, timeoutMs: 20_000 };
    const results = await Promise.all(
      stores.map((s) =>
        s.exclusive(scope, async () => {
          const seen = (await s.getTokens(KEY))?.secrets.accessToken;
          if (seen !== 'at-old') return seen;
          refreshes++;
          await sleep(50); // the token endpoint's round trip
          return (await s.setTokens(KEY, loginWith('at-new'))).secrets.accessToken;
        }),
      ),
    );
    expect(refreshes).toBe(1);
    expect(results).toEqual(['at-new', 'at-new', 'at-new', 'at-new']);
  });

  it('fences the writes made inside it: a holder whose lease was taken over cannot overwrite the newer login', async () => {
    const { a, b, prefix } = await twoInstances();
    const login = sampleLogin();
    const scope = { issuer: login.metadata.issuer, resource: login.metadata.resource, timeoutMs: 20_000 };
    const leaseKey = `{${prefix}${userHash('alice')}}:lease:${tokenKey({ issuer: scope.issuer, resource: scope.resource, clientId: '*' })}`;
    const failure = await a
      .exclusive(scope, async () => {
        // A stalls; its lease is lost and B refreshes meanwhile.
        await redis.command(['DEL', leaseKey]);
        await b.exclusive(scope, async () => b.setTokens(KEY, loginWith('at-from-B')));
        return a.setTokens(KEY, loginWith('at-from-A'));
      })
      .then(() => undefined, (e: unknown) => e);
    expect(failure).toMatchObject({ code: ErrorCode.Store });
    expect((await b.getTokens(KEY))?.secrets.accessToken).toBe('at-from-B');
  });

  it("tells those waiting the login its holder shares, sealed in Redis, and forgets it with the lease", async () => {
    const { a, b, prefix } = await twoInstances();
    const login = sampleLogin();
    const scope = { issuer: login.metadata.issuer, resource: login.metadata.resource, timeoutMs: 20_000 };
    const noteKey = `{${prefix}${userHash('alice')}}:note:${tokenKey({ issuer: scope.issuer, resource: scope.resource, clientId: '*' })}`;
    const url = 'https://as.example/authorize?client_id=c&state=s3cr3t-state&code_challenge=xyz';
    const heard: Array<string | undefined> = [];
    let letGo!: () => void;
    const released = new Promise<void>((resolve) => (letGo = resolve));
    const holding = a.exclusive(scope, async (hold) => {
      await hold.share(url);
      await released;
      return 'A';
    });
    await waitFor('A to share its login', async () => (await redis.command(['EXISTS', noteKey])) === 1, { timeoutMs: 5_000 });
    // At rest the note is sealed: neither the URL nor its state is readable in Redis.
    const atRest = String(await redis.command(['GET', noteKey]));
    expect(atRest).not.toContain('s3cr3t-state');
    expect(atRest).not.toContain('as.example');
    const waiting = b.exclusive({ ...scope, onHeldElsewhere: (shared) => heard.push(shared) }, async () => 'B');
    await waitFor('B to hear the shared login', () => heard.includes(url), { timeoutMs: 5_000 });
    // Said once, not on every attempt.
    await sleep(400);
    expect(heard).toEqual([url]);
    letGo();
    expect(await holding).toBe('A');
    expect(await waiting).toBe('B');
    expect(await redis.command(['EXISTS', noteKey])).toBe(0);
  });

  it('keeps no note of a holder whose lease is gone: a waiter that takes the lease over hears nothing stale', async () => {
    const { a, b, prefix } = await twoInstances();
    const login = sampleLogin();
    const scope = { issuer: login.metadata.issuer, resource: login.metadata.resource, timeoutMs: 20_000 };
    const credential = tokenKey({ issuer: scope.issuer, resource: scope.resource, clientId: '*' });
    const tag = `{${prefix}${userHash('alice')}}`;
    const lease = await a.acquireLease(credential, { ttlMs: 5_000 });
    await lease.note('sealed-by-a');
    // A dies: its lease is gone (expired), its note left behind.
    await redis.command(['DEL', `${tag}:lease:${credential}`]);
    const heard: Array<string | undefined> = [];
    expect(await b.exclusive({ ...scope, onHeldElsewhere: (shared) => heard.push(shared) }, async () => redis.command(['EXISTS', `${tag}:note:${credential}`]))).toBe(0);
    expect(heard).toEqual([]);
    // A's late note, written after it lost the lease, is refused.
    await lease.note('late');
    expect(await redis.command(['EXISTS', `${tag}:note:${credential}`])).toBe(0);
    await lease.release();
  });
});
