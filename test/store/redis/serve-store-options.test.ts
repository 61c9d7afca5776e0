/**
 * `--store` as the built CLI takes it: refused outside serve, a password in the URL refused (and not echoed),
 * serve exiting non-zero with the reason when Redis cannot be reached or no key is given, and the password taken
 * from MCP_REDIS_PASSWORD without ever reaching the log, even with --debug.
 */
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../../helpers/cli.js';
import { freePort } from '../../helpers/child-server.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { startRedis } from '../../helpers/redis.js';
import { startStreamableServer } from '../../helpers/servers.js';

useTeardown();

const KEYS = { MCP_STORE_KEYS: `k1:${Buffer.alloc(32, 9).toString('base64')}` };

describe('--store on the command line', () => {
  it('is refused outside serve, saying it is an option of serve', async () => {
    for (const args of [['https://mcp.example.com/mcp', '--store', 'redis://127.0.0.1:6379'], ['login', 'https://mcp.example.com/mcp', '--store-prefix=x:']]) {
      const result = await runCli(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--store(-prefix)? is an option of serve only/);
    }
  });

  it('refuses a password in the URL without echoing it', async () => {
    const result = await runCli(['serve', 'https://mcp.example.com/mcp', '--port', '0', '--store', 'redis://app:hunter2-SECRET@127.0.0.1:6379'], KEYS);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--store must not contain a password');
    expect(result.stderr).toContain('MCP_REDIS_PASSWORD');
    expect(result.stderr).not.toContain('hunter2-SECRET');
  });

  it('ends serve with a clear error when Redis cannot be reached', async () => {
    const port = await freePort();
    const result = await runCli(['serve', 'https://mcp.example.com/mcp', '--port', '0', '--store', `redis://127.0.0.1:${port}`], KEYS, 30_000);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot reach Redis at redis://127.0.0.1:${port}`);
    expect(result.stderr).toContain('start Redis, or check --store');
    expect(result.stderr).not.toMatch(/serving .* at http/);
  });

  it('ends serve with a usage error when no encryption key is given', async () => {
    const redis = await startRedis();
    const result = await runCli(['serve', 'https://mcp.example.com/mcp', '--port', '0', '--store', redis.url]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the Redis store needs an encryption key');
    expect(result.stderr).toContain('openssl rand -base64 32');
  });

  it('takes the password from MCP_REDIS_PASSWORD and never logs it', async () => {
    const redis = await startRedis({ password: 'pw-SECRET-4f1e' });
    const server = await startStreamableServer();
    const serve = startCli(['serve', server.url, '--port', '0', '--debug', '--store', redis.url], { ...KEYS, MCP_REDIS_PASSWORD: 'pw-SECRET-4f1e' });
    await serve.waitForStderr(/serving .* at http/);
    expect(serve.stderr()).toContain(`credentials: Redis at ${redis.url} (encrypted, key k1, prefix mab:)`);
    expect(serve.stderr()).not.toContain('pw-SECRET-4f1e');
    expect(serve.stderr()).not.toContain(KEYS.MCP_STORE_KEYS.slice(3));
  });
});
