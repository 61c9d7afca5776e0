/**
 * What serve writes to Redis keeps to Redis Cluster's rule — the keys of one command or script in one hash slot —
 * proved on a real Redis Cluster (one node serving every slot, so a plain client reaches it; Redis itself refuses a
 * command whose keys span slots with CROSSSLOT): the credential store contract runs there; and, with MONITOR
 * recording every command clients send and scripts run, one user's logins, registrations, eras, leases, the browser
 * pages' records and the cluster room's records for one session are written and read, then each command (a script
 * with the commands it ran) is checked with CLUSTER KEYSLOT: one slot per command, and one slot for all of the
 * user's keys (a multi-node Cluster: redis-cluster.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { redisBrowserState } from '../../../src/serve/browser-state/redis-browser-state.js';
import { openRedisCluster } from '../../../src/serve/cluster/redis-cluster.js';
import { encryptionKeys, userHash } from '../../../src/store/redis/index.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { monitorRedis, type MonitoredCommand } from '../../helpers/redis-monitor.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { sampleLogin, sampleRegistration } from '../helpers/fixtures.js';
import { newKey, openTestStores } from './open-stores.js';
import { KEY, REG_KEY, credentialStoreContract } from './store-contract.js';

useTeardown('all');

let redis: TestRedis;
let n = 0;
beforeAll(async () => {
  redis = await startRedis({ cluster: 'one-node' });
}, 30_000);

const freshPrefix = () => `c${process.pid}-${++n}:`;

/** Commands whose every argument is a key. */
const ALL_KEYS = new Set(['DEL', 'UNLINK', 'EXISTS']);
/** Commands whose first argument is their only key. */
const FIRST_KEY = new Set([
  'GET', 'SET', 'INCR', 'PEXPIRE', 'EXPIRE', 'PTTL', 'TTL', 'HSET', 'HGET', 'HMGET', 'HDEL', 'HGETALL', 'SADD', 'SREM', 'SMEMBERS',
  'ZADD', 'ZREM', 'ZCARD', 'ZPOPMIN', 'ZREMRANGEBYSCORE', 'ZRANGE', 'ZSCORE', 'TYPE',
]);
/** Commands that name no key (a channel is not a key: classic PUBLISH reaches every node of a Cluster). */
const NO_KEY = new Set(['PING', 'HELLO', 'CLIENT', 'SELECT', 'AUTH', 'INFO', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PUBLISH', 'PUBSUB', 'CLUSTER', 'KEYS', 'MONITOR', 'COMMAND']);

/** The keys `command` names; throws on a command this table does not know, so a new one gets looked at. */
function keysOf(command: MonitoredCommand): string[] {
  const [name = '', ...rest] = command.args;
  const upper = name.toUpperCase();
  if (upper === 'EVAL' || upper === 'EVALSHA') return rest.slice(2, 2 + Number(rest[1]));
  if (ALL_KEYS.has(upper)) return rest;
  if (FIRST_KEY.has(upper)) return rest.slice(0, 1);
  if (NO_KEY.has(upper)) return [];
  throw new Error(`a command the slot check does not know: ${upper} (add it to keysOf)`);
}

/** The commands grouped as Cluster sees them: each client command with the commands its script ran. */
function calls(commands: MonitoredCommand[]): { what: string; keys: string[] }[] {
  const out: { what: string; keys: string[] }[] = [];
  for (const command of commands) {
    const keys = keysOf(command);
    const last = out.at(-1);
    if (command.client === 'lua' && last) last.keys.push(...keys);
    else out.push({ what: command.args[0]!.toUpperCase() === 'EVAL' ? `EVAL ${command.args[1]!.slice(0, 60)}` : command.args[0]!, keys });
  }
  return out.filter((c) => c.keys.length > 0);
}

const slotOf = async (key: string) => Number(await redis.command(['CLUSTER', 'KEYSLOT', key]));

describe('on a Redis Cluster (one node serving every slot)', () => {
  credentialStoreContract(async () => {
    const prefix = freshPrefix();
    const key = newKey('shared');
    const one = await openTestStores(redis, { prefix, keys: [key] });
    const two = await openTestStores(redis, { prefix, keys: [key] });
    return { store: one.stores.forUser('alice', '/nonexistent'), reopen: async () => two.stores.forUser('alice', '/nonexistent') };
  });

  it("keeps each command's keys, and all of one user's keys, in one slot", { timeout: 30_000 }, async () => {
    const prefix = freshPrefix();
    const key = newKey('k1');
    const { stores, logger } = await openTestStores(redis, { prefix, keys: [key] });
    const monitor = await monitorRedis(redis);

    // One user's credentials: a login under the lease of (issuer, resource), a registration, an era, a listing.
    const store = stores.forUser('alice', '/nonexistent');
    const login = sampleLogin();
    await store.exclusive({ issuer: login.metadata.issuer, resource: login.metadata.resource, timeoutMs: 5_000 }, () => store.setTokens(KEY, login));
    await store.setRegistration(REG_KEY, sampleRegistration());
    await store.writeServerEra('https://mcp.example.com/mcp', '2026-07-28', new Date());
    expect((await store.readServerEra('https://mcp.example.com/mcp'))?.era).toBe('2026-07-28');
    expect((await store.list()).logins).toHaveLength(1);
    const userKeys = ((await redis.command(['KEYS', `{${prefix}${userHash('alice')}}*`])) as string[]).sort();
    expect(userKeys.length).toBeGreaterThanOrEqual(5);

    // The browser pages' records, over their bound (the keeping script drops the oldest by name).
    const browser = redisBrowserState({ connection: stores.connection, keys: encryptionKeys([key]), logger }).records('oidc-pending', 2);
    for (const id of ['s1', 's2', 's3']) await browser.put(id, id, 60_000);
    expect(await browser.take('s3')).toBe('s3');

    // The cluster room's records for one session: held, renewed, found, taken over, released; the heartbeat.
    const room = await openRedisCluster({ stores, keys: encryptionKeys([key]), logger, instanceId: 'instance-one' });
    const other = await openRedisCluster({ stores, keys: encryptionKeys([key]), logger, instanceId: 'instance-two' });
    await room.hold({ kind: 'session', id: 'session-1', owner: { user: 'alice', method: 'token' }, data: '{}', ttlMs: 30_000 });
    expect(await room.renew('session', ['session-1'], 30_000)).toEqual({ lost: [], missing: [] });
    expect((await other.find('session', 'session-1'))?.instance).toBe('instance-one');
    expect(await other.adopt('session', 'session-1', 'instance-one')).toBe(true);
    other.release('session', 'session-1');
    await room.close();
    await other.close();

    await store.forgetServerEra('https://mcp.example.com/mcp');
    await store.deleteAll();
    monitor.stop();

    const checked = calls(monitor.commands());
    expect(checked.some((c) => c.what.startsWith('EVAL') && c.keys.length >= 3), 'a multi-key script was seen').toBe(true);
    expect(checked.some((c) => c.keys.some((k) => k.includes('{held:'))), "the cluster room's records were seen").toBe(true);
    expect(checked.some((c) => c.keys.some((k) => k.includes('browser:oidc-pending'))), "the browser pages' records were seen").toBe(true);
    const spanning: string[] = [];
    for (const call of checked) {
      const slots = new Set(await Promise.all(call.keys.map(slotOf)));
      if (slots.size !== 1) spanning.push(`${call.what}: ${call.keys.join(' ')}`);
    }
    expect(spanning, 'commands whose keys span slots').toEqual([]);
    expect(new Set(await Promise.all(userKeys.map(slotOf))).size, userKeys.join(' ')).toBe(1);
  });

  it('refuses, as a Cluster does, a script whose keys span slots (the check above is real)', async () => {
    const error = await redis.command(['EVAL', "return redis.call('GET', KEYS[1])", '2', '{a}x', '{b}y']).catch((e: unknown) => e);
    expect(String(error)).toMatch(/CROSSSLOT/);
  });
});
