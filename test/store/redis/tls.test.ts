/**
 * serve's Redis store over TLS (`--store rediss://…`) against a real redis-server listening with TLS only, with
 * certificates of a throwaway CA: the credential store contract with the CA given, serve started with
 * `--store-tls-ca` (and with `NODE_EXTRA_CA_CERTS` instead), a certificate of another CA or for another name refused
 * at start with what to do, mutual TLS with and without a client certificate, and the TLS options' usage errors.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isBridgeError, ErrorCode } from '../../../src/errors.js';
import { runCli } from '../../helpers/cli.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { startStreamableServer } from '../../helpers/servers.js';
import { waitFor } from '../../helpers/wait.js';
import { testCa, type IssuedCertificate, type TestCa } from '../../helpers/test-ca.js';
import { startServe } from '../../serve/serve-process.js';
import { sampleLogin } from '../helpers/fixtures.js';
import { newKey, openTestStores } from './open-stores.js';
import { KEY, credentialStoreContract } from './store-contract.js';

useTeardown('all');

const KEYS = { MCP_STORE_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` };

let ca: TestCa;
let server: IssuedCertificate;
let client: IssuedCertificate;
/** TLS, client certificates not asked for. */
let redis: TestRedis;
/** TLS, a client certificate of the CA required. */
let mutual: TestRedis;
let n = 0;

beforeAll(async () => {
  ca = testCa();
  server = ca.issue('redis.test');
  client = ca.issue('serve instance', { client: true });
  redis = await startRedis({ tls: { ...server, caFile: ca.caFile, client: { caFile: ca.caFile } } });
  mutual = await startRedis({ tls: { ...server, caFile: ca.caFile, authClients: 'yes', client: { caFile: ca.caFile, ...client } } });
}, 60_000);

const freshPrefix = () => `tls${process.pid}-${++n}:`;
const caPem = () => readFileSync(ca.caFile, 'utf8');

/** Starts serve on `on` with `args`, and checks it serves: /readyz answers 200 and its heartbeat is in Redis. */
async function expectServes(on: TestRedis, args: string[], env: Record<string, string> = {}): Promise<void> {
  const upstream = await startStreamableServer();
  const prefix = freshPrefix();
  const serve = await startServe([upstream.url, '--store', on.url, '--store-prefix', prefix, ...args], { ...KEYS, ...env });
  expect(serve.stderr()).toContain(`credentials: Redis at ${on.url} (encrypted, key k1, prefix ${prefix})`);
  // As a load balancer's health check does: ready once its server is up.
  await waitFor('serve to be ready', async () => (await fetch(`${serve.base}/readyz`)).status === 200, { timeoutMs: 20_000, intervalMs: 100 });
  const keys = (await on.command(['KEYS', `${prefix}*`])) as string[];
  expect(keys.some((k) => k.startsWith(`${prefix}{instance:`)), keys.join(' ')).toBe(true);
}

describe('the Redis store over rediss:// keeps the credential store contract', () => {
  credentialStoreContract(async () => {
    const prefix = freshPrefix();
    const key = newKey('shared');
    const one = await openTestStores(redis, { prefix, keys: [key], tls: { ca: caPem() } });
    const two = await openTestStores(redis, { prefix, keys: [key], tls: { ca: caPem() } });
    return { store: one.stores.forUser('alice', '/nonexistent'), reopen: async () => two.stores.forUser('alice', '/nonexistent') };
  });

  it('with mutual TLS, given the client certificate', async () => {
    const prefix = freshPrefix();
    const { stores } = await openTestStores(mutual, { prefix, tls: { ca: caPem(), cert: readFileSync(client.certFile, 'utf8'), key: readFileSync(client.keyFile, 'utf8') } });
    const saved = await stores.forUser('alice', '/nonexistent').setTokens(KEY, sampleLogin());
    expect(await stores.forUser('alice', '/nonexistent').getTokens(KEY)).toEqual(saved);
  });

  it('refuses at start, with the Store code, a server certificate it does not trust', async () => {
    const error = await openTestStores(redis, { prefix: freshPrefix() }).catch((e: unknown) => e);
    expect(isBridgeError(error, ErrorCode.Store), String(error)).toBe(true);
    expect((error as Error).message).toContain(`the TLS certificate of Redis at ${redis.url} is not trusted`);
    expect((error as { hint?: string }).hint).toContain('--store-tls-ca');
  });
});

describe('serve --store rediss://…', () => {
  it('serves with the CA given by --store-tls-ca', async () => {
    await expectServes(redis, ['--store-tls-ca', ca.caFile]);
  });

  it('serves with the CA given by NODE_EXTRA_CA_CERTS', async () => {
    await expectServes(redis, [], { NODE_EXTRA_CA_CERTS: ca.caFile });
  });

  it('serves a Redis that requires client certificates, given --store-tls-cert and --store-tls-key', async () => {
    await expectServes(mutual, ['--store-tls-ca', ca.caFile, '--store-tls-cert', client.certFile, '--store-tls-key', client.keyFile]);
  });

  it('does not start when the certificate is of a CA it does not trust, and says to give --store-tls-ca', async () => {
    const other = testCa('another CA');
    const run = await runCli(['serve', 'http://127.0.0.1:9/mcp', '--port', '0', '--store', redis.url, '--store-tls-ca', other.caFile], KEYS, 30_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`the TLS certificate of Redis at ${redis.url} is not trusted`);
    expect(run.stderr).toContain('--store-tls-ca');
    expect(run.stderr).not.toMatch(/serving .* at http/);
  });

  it('does not start when the certificate is for another name', async () => {
    const elsewhere = ca.issue('redis.elsewhere', { subjectAltName: 'DNS:redis.elsewhere.test' });
    const wrong = await startRedis({ tls: { ...elsewhere, caFile: ca.caFile, client: { caFile: ca.caFile } } });
    const run = await runCli(['serve', 'http://127.0.0.1:9/mcp', '--port', '0', '--store', wrong.url, '--store-tls-ca', ca.caFile], KEYS, 30_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`the TLS certificate of Redis at ${wrong.url} is for another name`);
    expect(run.stderr).toContain('subjectAltName');
  });

  it('does not start when Redis wants a client certificate and none is given, and names the options', async () => {
    const run = await runCli(['serve', 'http://127.0.0.1:9/mcp', '--port', '0', '--store', mutual.url, '--store-tls-ca', ca.caFile], KEYS, 30_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Redis at ${mutual.url} refused the TLS connection: it wants a client certificate it trusts`);
    expect(run.stderr).toContain('--store-tls-cert <file> and --store-tls-key <file>');
  });

  it('does not start when the client certificate is of a CA Redis does not trust', async () => {
    const stranger = testCa('a stranger CA').issue('stranger', { client: true });
    const run = await runCli(
      ['serve', 'http://127.0.0.1:9/mcp', '--port', '0', '--store', mutual.url, '--store-tls-ca', ca.caFile, '--store-tls-cert', stranger.certFile, '--store-tls-key', stranger.keyFile],
      KEYS,
      30_000,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Redis at ${mutual.url} refused the TLS connection: it wants a client certificate it trusts`);
  });
});

describe('the TLS options', () => {
  it('are refused without a rediss:// store', async () => {
    for (const store of [['--store', 'redis://127.0.0.1:6379'], []]) {
      const run = await runCli(['serve', 'http://127.0.0.1:9/mcp', '--port', '0', ...store, '--store-tls-ca', ca.caFile], KEYS);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain('--store-tls-ca is for');
      expect(run.stderr).toContain('rediss://');
    }
  });

  it('are refused outside serve', async () => {
    const run = await runCli(['https://mcp.example.com/mcp', '--store-tls-ca', ca.caFile]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--store-tls-ca is an option of serve only');
  });

  it('take the client certificate and its key together', async () => {
    const run = await runCli(['serve', 'http://127.0.0.1:9/mcp', '--port', '0', '--store', mutual.url, '--store-tls-cert', client.certFile], KEYS);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--store-tls-cert and --store-tls-key go together');
  });

  it('say which file cannot be read, or holds no PEM of its kind, without printing its content', async () => {
    const missing = join(ca.caFile, '..', 'missing.pem');
    const unreadable = await runCli(['serve', 'http://127.0.0.1:9/mcp', '--port', '0', '--store', redis.url, '--store-tls-ca', missing], KEYS);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain(`--store-tls-ca: cannot read ${missing} (ENOENT)`);
    const notPem = join(ca.caFile, '..', 'not-pem.txt');
    writeFileSync(notPem, 'hunter2-not-a-key\n');
    const wrong = await runCli(['serve', 'http://127.0.0.1:9/mcp', '--port', '0', '--store', mutual.url, '--store-tls-cert', client.certFile, '--store-tls-key', notPem], KEYS);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`--store-tls-key: ${notPem} holds no PEM private key`);
    expect(wrong.stderr).not.toContain('hunter2');
  });
});
