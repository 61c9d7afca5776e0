/**
 * The documented messages of serve's Redis store over TLS (`--store rediss://…`): a server certificate of a CA not
 * trusted, one for another name, a client certificate wanted, and the TLS options without `rediss://`.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startRedis } from '../helpers/redis.js';
import { testCa } from '../helpers/test-ca.js';
import { expectDocumented } from './readme-rows.js';

useTeardown();

const KEYS = { MCP_STORE_KEYS: `k1:${Buffer.alloc(32, 5).toString('base64')}` };

/** serve on `store` with `args`, expected to stop at start. */
async function serveFails(store: string, args: string[], code = 1): Promise<string> {
  const run = await runCli(['serve', 'http://127.0.0.1:9/mcp', '--port', '0', '--store', store, ...args], KEYS, 30_000);
  expect(run.code, run.stderr).toBe(code);
  return run.stderr;
}

describe('serve --store rediss://…', () => {
  it('says the certificate of Redis is not trusted', async () => {
    const ca = testCa();
    const redis = await startRedis({ tls: { ...ca.issue('redis'), caFile: ca.caFile, client: { caFile: ca.caFile } } });
    const stderr = await serveFails(redis.url, []);
    expectDocumented(stderr, 'certificate of Redis at … is not trusted');
  });

  it('says the certificate of Redis is for another name', async () => {
    const ca = testCa();
    const redis = await startRedis({ tls: { ...ca.issue('redis', { subjectAltName: 'DNS:redis.elsewhere.test' }), caFile: ca.caFile, client: { caFile: ca.caFile } } });
    const stderr = await serveFails(redis.url, ['--store-tls-ca', ca.caFile]);
    expectDocumented(stderr, 'is for another name');
  });

  it('says Redis wants a client certificate', async () => {
    const ca = testCa();
    const tls = { ...ca.issue('redis'), caFile: ca.caFile, authClients: 'yes' as const, client: { caFile: ca.caFile, ...ca.issue('client', { client: true }) } };
    const redis = await startRedis({ tls });
    const stderr = await serveFails(redis.url, ['--store-tls-ca', ca.caFile]);
    expectDocumented(stderr, 'wants a client certificate it trusts');
  });

  it('says the TLS options are for rediss://', async () => {
    const ca = testCa();
    const stderr = await serveFails('redis://127.0.0.1:6379', ['--store-tls-ca', ca.caFile], 2);
    expectDocumented(stderr, 'is for --store rediss://');
  });
});
