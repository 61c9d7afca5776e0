/**
 * Redis failing, for real: unreachable at start (a clear error, not a hang), the password refused, lost in the
 * middle of work (each store call fails at once with a clear error; the store recovers by itself when Redis comes
 * back), and restarted with persistence on (nothing written is lost).
 */
import { describe, expect, it } from 'vitest';
import { BridgeError, ErrorCode } from '../../../src/errors.js';
import { createLogger, SecretRegistry } from '../../../src/log.js';
import { connectRedis, parseRedisTarget } from '../../../src/store/redis/index.js';
import { freePort } from '../../helpers/child-server.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { startRedis } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';
import { SECRETS, sampleLogin } from '../helpers/fixtures.js';
import { newKey, openTestStores } from './open-stores.js';
import { KEY } from './store-contract.js';

useTeardown();

const quietLogger = (lines: string[] = []) => createLogger({ level: 'debug', stream: { write: (l: string) => lines.push(l) }, secrets: new SecretRegistry() });

describe('Redis unreachable at start', () => {
  it('is a Store error that names the address and says what to do', async () => {
    const port = await freePort();
    const target = parseRedisTarget({ store: `redis://127.0.0.1:${port}`, env: {} });
    const error = await connectRedis({ target, logger: quietLogger(), connectTimeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BridgeError);
    expect(error).toMatchObject({ code: ErrorCode.Store });
    expect((error as BridgeError).message).toContain(`cannot reach Redis at redis://127.0.0.1:${port}`);
    expect((error as BridgeError).hint).toContain('--store');
  });

  it('says the credentials were refused, and never prints the password', async () => {
    const redis = await startRedis({ password: 'right-horse-battery' });
    const lines: string[] = [];
    const target = parseRedisTarget({ store: redis.url, env: { MCP_REDIS_PASSWORD: 'wrong-pass-SECRET' } });
    const error = (await connectRedis({ target, logger: quietLogger(lines), connectTimeoutMs: 2_000 }).catch((e: unknown) => e)) as BridgeError;
    expect(error).toMatchObject({ code: ErrorCode.Store });
    expect(error.message).toContain('refused the credentials');
    expect(error.hint).toContain('MCP_REDIS_PASSWORD');
    expect(`${error.message} ${error.hint} ${lines.join('')}`).not.toContain('wrong-pass-SECRET');
    // The right password from the environment works.
    const ok = await connectRedis({ target: parseRedisTarget({ store: redis.url, env: { MCP_REDIS_PASSWORD: 'right-horse-battery' } }), logger: quietLogger() });
    await ok.close();
  });
});

describe('Redis lost during work', () => {
  it('fails each store call at once with a clear error, and recovers without a restart when Redis is back', async () => {
    const redis = await startRedis({ persistent: true });
    const { stores, lines } = await openTestStores(redis, { keys: [newKey('k1')] });
    const store = stores.forUser('alice', '/nonexistent');
    await store.setTokens(KEY, sampleLogin());
    await redis.stop();
    const failed = (await store.setTokens(KEY, sampleLogin()).catch((e: unknown) => e)) as BridgeError;
    expect(failed).toMatchObject({ code: ErrorCode.Store });
    expect(failed.message).toContain(`Redis at ${redis.url}`);
    expect(failed.hint).toContain('reconnects by itself');
    // Reads fail too: with the channel down, nothing is served from memory that may be stale.
    await waitFor('the cache to stop serving', () => !stores.cache.live, { timeoutMs: 10_000 });
    await expect(store.getTokens(KEY)).rejects.toMatchObject({ code: ErrorCode.Store });
    expect(lines.some((l) => l.includes('unreachable'))).toBe(true);

    await redis.start();
    // Written before the outage, with persistence on: still there, and the store works again by itself.
    const back = await waitFor('the store to work again', () => store.getTokens(KEY).catch(() => undefined), { timeoutMs: 20_000, intervalMs: 200 });
    expect(back.secrets.accessToken).toBe(SECRETS.accessToken);
    await store.deleteTokens(KEY);
    await waitFor('the cache to serve again', () => stores.cache.live, { timeoutMs: 10_000 });
    expect(lines.some((l) => l.includes('reachable again'))).toBe(true);
  });
});
