/**
 * The Redis store's settings where they enter: the `--store` URL (a password refused, credentials never shown),
 * the prefix, and the encryption keys from MCP_STORE_KEYS or a 0600 file (rotation order, bad entries named by
 * number and never quoted).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors.js';
import { loadEncryptionKeys, parseRedisTarget } from '../../../src/store/redis/index.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';

useTeardown();

const b64 = (fill: number, length = 32) => Buffer.alloc(length, fill).toString('base64');

describe('the --store URL', () => {
  it('keeps host, port, database and user, shows no credentials, and takes the password from the environment', () => {
    const t = parseRedisTarget({ store: 'rediss://app@redis.internal:6380/2', env: { MCP_REDIS_PASSWORD: 'pw' } });
    expect(t).toEqual({ url: 'rediss://app@redis.internal:6380/2', display: 'rediss://redis.internal:6380/2', password: 'pw', tls: true, cluster: false, prefix: 'mab:' });
    expect(parseRedisTarget({ store: 'redis://127.0.0.1', prefix: 'team-a:', env: {} })).toMatchObject({ url: 'redis://127.0.0.1:6379', password: undefined, tls: false, prefix: 'team-a:' });
  });

  it('takes a Redis Cluster by one of its nodes, with redis+cluster:// or rediss+cluster://', () => {
    expect(parseRedisTarget({ store: 'redis+cluster://10.0.0.5:7000', env: {} })).toMatchObject({ url: 'redis://10.0.0.5:7000', display: 'redis+cluster://10.0.0.5:7000', tls: false, cluster: true });
    expect(parseRedisTarget({ store: 'rediss+cluster://app@redis.internal', env: {} })).toMatchObject({ url: 'rediss://app@redis.internal:6379', display: 'rediss+cluster://redis.internal:6379', tls: true, cluster: true });
    expect(() => parseRedisTarget({ store: 'redis+cluster://10.0.0.5:7000/1', env: {} })).toThrow(/a Redis Cluster has no databases but 0/);
  });

  it('refuses a password in the URL, other schemes, a bad database and a bad prefix, with usage errors', () => {
    const bad = [
      { store: 'redis://:s3cret@host:6379' },
      { store: 'http://host:6379' },
      { store: 'redis://host:6379/abc' },
      { store: 'redis://host:6379?db=1' },
      { store: 'redis://host:6379', prefix: 'a b' },
    ];
    for (const input of bad) {
      let error: unknown;
      try {
        parseRedisTarget({ ...input, env: {} });
      } catch (e) {
        error = e;
      }
      expect(error, input.store).toMatchObject({ code: ErrorCode.Usage });
      expect(String((error as Error).message)).not.toContain('s3cret');
    }
  });
});

describe('the encryption keys', () => {
  it('reads several keys from MCP_STORE_KEYS, the first encrypting', () => {
    const keys = loadEncryptionKeys({ env: { MCP_STORE_KEYS: `new:${b64(1)}, old:${b64(2)}` } });
    expect(keys.current.id).toBe('new');
    expect(keys.byId('old')?.key).toEqual(Buffer.alloc(32, 2));
    expect(keys.byId('gone')).toBeUndefined();
  });

  it('reads a 0600 key file with comments, and refuses one other users can read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mab-keys-'));
    onTeardown(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'keys');
    writeFileSync(file, `# rotated 2026-06\nk2:${b64(3)}\n\nk1:${b64(4)}\n`, { mode: 0o600 });
    expect(loadEncryptionKeys({ file, env: { MCP_STORE_KEYS: `ignored:${b64(5)}` } }).current.id).toBe('k2');
    chmodSync(file, 0o644);
    expect(() => loadEncryptionKeys({ file, env: {} })).toThrow(expect.objectContaining({ code: ErrorCode.Config }));
  });

  it('refuses no key, a short key, a malformed entry and a repeated id, never quoting a key', () => {
    const cases = ['', `k1:${b64(1, 16)}`, `k1${b64(1)}`, `k1:${b64(1)},k1:${b64(2)}`];
    for (const value of cases) {
      let error: unknown;
      try {
        loadEncryptionKeys({ env: { MCP_STORE_KEYS: value } });
      } catch (e) {
        error = e;
      }
      expect(error, value).toMatchObject({ code: ErrorCode.Usage });
      expect(String((error as Error).message)).not.toContain(b64(1).slice(0, 20));
    }
  });
});
