/**
 * The documented messages of serve's Redis store (`--store redis://…`): Redis unreachable at start, the password
 * refused, no encryption key, Redis lost during work, a record under an unknown key id, and `--store` given to
 * another command.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/child-server.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startRedis } from '../helpers/redis.js';
import { sampleLogin } from '../store/helpers/fixtures.js';
import { newKey, openTestStores } from '../store/redis/open-stores.js';
import { KEY } from '../store/redis/store-contract.js';
import { expectDocumented } from './readme-rows.js';

useTeardown();

const KEYS = { MCP_STORE_KEYS: `k1:${Buffer.alloc(32, 5).toString('base64')}` };

describe('serve --store redis://…', () => {
  it('says Redis cannot be reached at start, and does not serve', async () => {
    const port = await freePort();
    const run = await runCli(['serve', 'http://127.0.0.1:9/mcp', '--port', '0', '--store', `redis://127.0.0.1:${port}`], KEYS, 30_000);
    expect(run.code).toBe(1);
    expectDocumented(run.stderr, 'cannot reach Redis at');
  });

  it('says Redis refused the credentials', async () => {
    const redis = await startRedis({ password: 'the-right-one' });
    const run = await runCli(['serve', 'http://127.0.0.1:9/mcp', '--port', '0', '--store', redis.url], { ...KEYS, MCP_REDIS_PASSWORD: 'a-wrong-one' }, 30_000);
    expect(run.code).toBe(1);
    expectDocumented(run.stderr, 'refused the credentials');
  });

  it('says an encryption key is needed', async () => {
    const redis = await startRedis();
    const run = await runCli(['serve', 'http://127.0.0.1:9/mcp', '--port', '0', '--store', redis.url]);
    expect(run.code).toBe(2);
    expectDocumented(run.stderr, 'needs an encryption key');
  });

  it('says Redis could not save a login when it went away', async () => {
    const redis = await startRedis();
    const { stores } = await openTestStores(redis);
    await redis.stop();
    const error = (await stores.forUser('alice', '/nonexistent').setTokens(KEY, sampleLogin()).catch((e: unknown) => e)) as Error;
    expectDocumented(error.message, 'Redis at … could not');
  });

  it('names a key id none of the keys has', async () => {
    const redis = await startRedis();
    const before = await openTestStores(redis, { keys: [newKey('k-old')] });
    await before.stores.forUser('alice', '/nonexistent').setTokens(KEY, sampleLogin());
    const after = await openTestStores(redis, { keys: [newKey('k-new')] });
    expect(await after.stores.forUser('alice', '/nonexistent').getTokens(KEY)).toBeUndefined();
    expectDocumented(after.lines.join(''), 'is encrypted with key id', { X: 'k-old' });
  });

  it('refuses --store outside serve', async () => {
    const run = await runCli(['https://mcp.example.com/mcp', '--store', 'redis://127.0.0.1:6379']);
    expect(run.code).toBe(2);
    expectDocumented(run.stderr, 'is an option of serve only');
  });
});
