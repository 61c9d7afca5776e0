/**
 * The browser state on a real Redis, in process: records kept for their time and no longer, bounded (the soonest to
 * expire dropped first), taken once by one of several takers at the same moment, readable only under the store's
 * keys; MACs that verify under any listed key (their key id named) and never across uses or store keys; failure
 * counts shared by every state on one Redis, each counter gone with its window, its key naming no address, concurrent
 * failures all counted. And the memory implementation the same way, where it can be (its counts bounded).
 */
import { describe, expect, it } from 'vitest';
import { createLogger, SecretRegistry } from '../../../src/log.js';
import { memoryBrowserState } from '../../../src/serve/browser-state/memory-browser-state.js';
import { MemoryFailureCounts } from '../../../src/serve/browser-state/memory-failure-counts.js';
import type { BrowserState } from '../../../src/serve/browser-state/port.js';
import { redisBrowserState } from '../../../src/serve/browser-state/redis-browser-state.js';
import { connectRedis, encryptionKeys, parseRedisTarget, type EncryptionKey } from '../../../src/store/redis/index.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';
import { newKey } from '../../store/redis/open-stores.js';

useTeardown();

async function onRedis(redis: TestRedis, keys: EncryptionKey[], lines: string[] = []): Promise<BrowserState> {
  const logger = createLogger({ level: 'debug', stream: { write: (line: string) => lines.push(line) }, secrets: new SecretRegistry() });
  const connection = await connectRedis({ target: parseRedisTarget({ store: redis.url, env: {} }), logger, connectTimeoutMs: 2_000, commandTimeoutMs: 2_000 });
  onTeardown(() => connection.close());
  return redisBrowserState({ connection, keys: encryptionKeys(keys), logger });
}

describe('the browser state on Redis', () => {
  it('keeps records for their time, bounded, each taken once', { timeout: 30_000 }, async () => {
    const redis = await startRedis();
    const k1 = newKey('k1');
    const [a, b] = [await onRedis(redis, [k1]), await onRedis(redis, [k1])];
    const onA = a.records('oidc-pending', 3);
    const onB = b.records('oidc-pending', 3);
    await onA.put('s1', 'one', 60_000);
    expect(await onB.get('s1')).toBe('one');
    expect(await onB.has('s1')).toBe(true);
    const takers = await Promise.all([onA.take('s1'), onB.take('s1'), onA.take('s1'), onB.take('s1')]);
    expect(takers.filter((t) => t === 'one')).toHaveLength(1);
    expect(await onA.get('s1')).toBeUndefined();

    await onA.put('short', 'x', 300);
    await waitFor('the short record to expire', async () => (await onB.get('short')) === undefined, { timeoutMs: 5_000, intervalMs: 100 });

    for (const id of ['r1', 'r2', 'r3', 'r4']) await onA.put(id, id, 60_000 + Number(id.slice(1)));
    expect(await Promise.all(['r1', 'r2', 'r3', 'r4'].map((id) => onB.get(id)))).toEqual([undefined, 'r2', 'r3', 'r4']);
    expect(await redis.command(['ZCARD', '{mab:browser:oidc-pending}:index'])).toBe(3);
    const stored = (await redis.command(['KEYS', '{mab:browser:oidc-pending}:*'])) as string[];
    expect(stored).toHaveLength(4); // three records and the index
    expect(stored.join(' ')).not.toMatch(/r[1-4]\b/);
  });

  it('reads records only under the store\'s keys; a sign-out counts whoever sealed it', { timeout: 30_000 }, async () => {
    const redis = await startRedis();
    const lines: string[] = [];
    const ours = await onRedis(redis, [newKey('k1')]);
    const theirs = await onRedis(redis, [newKey('k9')], lines);
    await ours.records('login-link', 10).put('link', '{"owner":"alice"}', 60_000);
    expect(await theirs.records('login-link', 10).get('link')).toBeUndefined();
    expect(lines.join('')).toContain('sealed under key "k1", which this instance does not have');
    await ours.records('signed-out', 10).put('session', '1', 60_000);
    expect(await theirs.records('signed-out', 10).has('session')).toBe(true);
  });

  it('gives MACs that any listed key verifies, for one use, under the store\'s keys only', { timeout: 30_000 }, async () => {
    const redis = await startRedis();
    const [k1, k2] = [newKey('k1'), newKey('k2')];
    const old = (await onRedis(redis, [k1])).macKey('browser-session');
    const rotated = (await onRedis(redis, [k2, k1])).macKey('browser-session');
    const stranger = (await onRedis(redis, [newKey('k1')])).macKey('browser-session');
    const mac = old.sign('text');
    expect(mac.startsWith('k1~')).toBe(true);
    expect(rotated.verify('text', mac)).toBe(true);
    expect(rotated.sign('text').startsWith('k2~')).toBe(true);
    expect(old.verify('text', rotated.sign('text'))).toBe(false);
    expect(old.verify('other', mac)).toBe(false);
    expect(stranger.verify('text', mac)).toBe(false); // same id, another key
    expect((await onRedis(redis, [k1])).macKey('sign-in-form').verify('text', mac)).toBe(false);
    expect(old.verify('text', mac.replace(/^k1~/, ''))).toBe(false);
  });
});

describe('failure counts on Redis', () => {
  it('are one count for every state on the Redis, counted exactly under concurrency, gone with their window', { timeout: 30_000 }, async () => {
    const redis = await startRedis();
    const k1 = newKey('k1');
    const window = { windowMs: 60_000, maxKeys: 4 };
    const [a, b] = [(await onRedis(redis, [k1])).failures('sign-in', window), (await onRedis(redis, [k1])).failures('sign-in', window)];
    expect(await a.count('192.0.2.7')).toBe(0);
    const counted = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).add('192.0.2.7')));
    expect([...counted].sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(await b.count('192.0.2.7')).toBe(12);
    expect(await a.count('192.0.2.8')).toBe(0);
    const keys = (await redis.command(['KEYS', '*failure*'])) as string[];
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain('192.0.2.7');
    const ttl = Number(await redis.command(['PTTL', keys[0]!]));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);

    const short = (await onRedis(redis, [k1])).failures('sign-in', { windowMs: 300, maxKeys: 4 });
    expect(await short.add('192.0.2.9')).toBe(1);
    await waitFor('the window to end', async () => (await short.count('192.0.2.9')) === 0, { timeoutMs: 5_000, intervalMs: 100 });
    expect(await short.add('192.0.2.9')).toBe(1);
    // Another store key is another deployment: its counts are its own.
    expect(await (await onRedis(redis, [newKey('k1')])).failures('sign-in', window).count('192.0.2.7')).toBe(0);
  });

  it('fail with a STORE error while Redis is away, logged once with the records\' failures', { timeout: 30_000 }, async () => {
    const redis = await startRedis();
    const lines: string[] = [];
    const state = await onRedis(redis, [newKey('k1')], lines);
    const counts = state.failures('sign-in', { windowMs: 60_000, maxKeys: 4 });
    await redis.stop();
    for (const attempt of [counts.count('192.0.2.7'), counts.add('192.0.2.7'), state.records('login-link', 10).get('x')]) {
      expect(await attempt.then(() => undefined, (e: unknown) => (e as { code?: string }).code)).toBe('STORE');
    }
    expect(lines.join('').split('the shared sign-in state in Redis cannot be used').length - 1).toBe(1);
  });
});

describe('the browser state in memory', () => {
  it('counts failures per key in windows, bounded', async () => {
    let now = 0;
    const counts = memoryBrowserState({ now: () => now }).failures('sign-in', { windowMs: 1_000, maxKeys: 3 });
    expect(await counts.add('a')).toBe(1);
    expect(await counts.add('a')).toBe(2);
    now = 999;
    expect(await counts.count('a')).toBe(2);
    now = 1_000;
    expect(await counts.count('a')).toBe(0);
    expect(await counts.add('a')).toBe(1);
    for (const key of ['b', 'c', 'd']) await counts.add(key);
    // Beyond the bound the oldest window goes: a flood of new keys never grows memory.
    expect(await counts.count('a')).toBe(0);
    expect(await counts.count('d')).toBe(1);
    expect(counts).toBeInstanceOf(MemoryFailureCounts);
    expect((counts as MemoryFailureCounts).size).toBe(3);
  });

  it('keeps records for their time, bounded, each taken once, and MACs for this process only', async () => {
    let now = 0;
    const state = memoryBrowserState({ now: () => now });
    const records = state.records('login-link', 2);
    await records.put('a', '1', 100);
    await records.put('b', '2', 1_000);
    await records.put('c', '3', 1_000);
    expect(await records.get('a')).toBeUndefined();
    expect(await records.take('b')).toBe('2');
    expect(await records.take('b')).toBeUndefined();
    now = 1_000;
    expect(await records.has('c')).toBe(false);
    const mac = state.macKey('status-page-forms').sign('alice');
    expect(state.macKey('status-page-forms').verify('alice', mac)).toBe(true);
    expect(state.macKey('sign-in-form').verify('alice', mac)).toBe(false);
    expect(memoryBrowserState().macKey('status-page-forms').verify('alice', mac)).toBe(false);
  });
});
