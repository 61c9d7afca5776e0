/**
 * {@link ServeCluster} on the Redis of `--store redis://…` (the same connection and encryption keys as the credential
 * store). Each instance:
 * - keeps a heartbeat key that expires {@link HEARTBEAT_TTL_MS} after its last beat, so others can tell it is gone;
 * - records what it holds in a hash `{i: instance, d: sealed record}` with a lifetime, renewed while it holds it;
 *   adoption swaps the instance only if it is still the one the adopter saw (a script: compare and set);
 * - reads its own relay channel (a direct channel of the connection: sharded on a Redis Cluster, so its readers are
 *   counted exactly) and answers requests relayed to it in frames (relay-wire.ts), the first of which acknowledges
 *   the request (or an acknowledgement of its own when the answer takes a while); and relays requests to others the
 *   same way, giving up with `gone` when nobody
 *   reads the owner's channel (Redis closed its connection: it stopped, even before its heartbeat expires), or when
 *   the owner neither acknowledges within {@link ACK_MS} nor has a heartbeat.
 * Relayed requests carry no credentials: `Authorization`, `Cookie` and the like are removed, the identity the
 * relaying instance established travels instead. While the relay channel's subscription is down, answers may have
 * been missed, so the relays in progress end (their clients reconnect, as after a dropped connection).
 */
import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { BridgeError, ErrorCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import { openRecord, sealRecord } from '../../store/redis/record-seal.js';
import type { RedisStores } from '../../store/redis/redis-store.js';
import type { EncryptionKeys } from '../../store/redis/encryption-keys.js';
import { heldKey, instanceKey } from './held-keys.js';
import { RelayedResponse, relayedIncoming } from './relayed-response.js';
import { bodyOf, frameEnvelope, parseEnvelope, relayChannel, requestEnvelope, requestOf, type Envelope } from './relay-wire.js';
import { NOT_HELD_STATUS, type HeldKind, type HeldRecord, type RelayedRequest, type RelayHandler, type RelayOutcome, type ServeCluster } from './types.js';

/** A heartbeat key lives this long after its last beat. */
export const HEARTBEAT_TTL_MS = 10_000;
/** Beats this often. */
const BEAT_MS = 3_000;
/** How long a relaying instance waits for the owner's acknowledgement. */
export const ACK_MS = 2_000;
/** How long an owner waits for its answer's first frame before it acknowledges a relayed request on its own. */
const ACK_SOON_MS = 50;
/** How long a relaying instance waits before it looks again for a reader of an owner's channel. */
const RESUBSCRIBE_MS = 300;
/** How often relays in progress check that their owners still beat and read their channels. */
const WATCH_MS = 3_000;

/** Headers that carry credentials or belong to one connection: never relayed. */
const DROPPED_HEADERS: ReadonlySet<string> = new Set(['authorization', 'cookie', 'proxy-authorization', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade']);

const HOLD = `redis.call('HSET', KEYS[1], 'i', ARGV[1], 'd', ARGV[2]) redis.call('PEXPIRE', KEYS[1], ARGV[3]) return 1`;
const RENEW = `local i = redis.call('HGET', KEYS[1], 'i') if i == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 elseif not i then return 2 end return 0`;
const RELEASE = `if redis.call('HGET', KEYS[1], 'i') == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const ADOPT = `if redis.call('HGET', KEYS[1], 'i') == ARGV[1] then redis.call('HSET', KEYS[1], 'i', ARGV[2]) return 1 end return 0`;
const FIND = `return redis.call('HMGET', KEYS[1], 'i', 'd')`;
const BEAT = `redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1`;
const ALIVE = `return redis.call('EXISTS', KEYS[1])`;
const FORGET = `return redis.call('DEL', KEYS[1])`;

/** Options for {@link openRedisCluster}. */
export interface RedisClusterOptions {
  stores: RedisStores;
  keys: EncryptionKeys;
  logger: Logger;
  /** Default: random. */
  instanceId?: string;
}

/** A relay this instance is waiting on. */
interface Outgoing {
  instance: string;
  kind: HeldKind;
  res: ServerResponse;
  acked: boolean;
  ack: () => void;
  done: () => void;
  /** The owner does not hold the session: nothing is written, the caller routes again. */
  misdirected: () => void;
}

/** Opens the cluster: subscribes to this instance's relay channel and starts the heartbeat. */
export async function openRedisCluster(o: RedisClusterOptions): Promise<ServeCluster> {
  const cluster = new RedisCluster(o);
  await cluster.start();
  return cluster;
}

class RedisCluster implements ServeCluster {
  readonly instanceId: string;
  readonly #o: RedisClusterOptions;
  readonly #prefix: string;
  readonly #log: Logger;
  #handler: RelayHandler | undefined;
  #serial = 0;
  readonly #outgoing = new Map<number, Outgoing>();
  /** Requests relayed to this instance, by sender and correlation. */
  readonly #incoming = new Map<string, RelayedResponse>();
  #beat: NodeJS.Timeout | undefined;
  #watch: NodeJS.Timeout | undefined;
  #renewFailed = false;
  #retired = false;

  constructor(o: RedisClusterOptions) {
    this.#o = o;
    this.#log = o.logger;
    this.#prefix = o.stores.connection.target.prefix;
    this.instanceId = o.instanceId ?? randomBytes(9).toString('base64url');
  }

  async start(): Promise<void> {
    await this.#o.stores.connection.subscribeDirect(relayChannel(this.#prefix, this.instanceId), (m) => this.#receive(m), (live) => {
      if (!live) this.#endAll('the relay channel to Redis dropped');
    });
    await this.#heartbeat();
    this.#beat = setInterval(() => void this.#heartbeat().catch(() => undefined), BEAT_MS);
    this.#beat.unref();
  }

  async hold(o: { kind: HeldKind; id: string; owner: { user: string; method: string }; data: string; ttlMs: number }): Promise<void> {
    const key = heldKey(this.#prefix, o.kind, o.id);
    const sealed = sealRecord(this.#o.keys, key, JSON.stringify({ u: o.owner.user, m: o.owner.method, d: o.data }));
    await this.#run(`record a ${o.kind}`, (r) => r.eval(HOLD, { keys: [key], arguments: [this.instanceId, sealed, String(Math.max(1_000, Math.round(o.ttlMs)))] }));
  }

  async renew(kind: HeldKind, ids: readonly string[], ttlMs: number): Promise<{ lost: string[]; missing: string[] }> {
    const ttl = String(Math.max(1_000, Math.round(ttlMs)));
    const lost: string[] = [];
    const missing: string[] = [];
    let failed = false;
    await Promise.all(
      ids.map((id) =>
        this.#run(`renew a ${kind}`, (r) => r.eval(RENEW, { keys: [heldKey(this.#prefix, kind, id)], arguments: [this.instanceId, ttl] })).then(
          (kept) => void (kept === 0 ? lost.push(id) : kept === 2 ? missing.push(id) : undefined),
          (error: unknown) => {
            if (!this.#renewFailed) this.#log.warn(`could not renew what this instance holds in Redis: ${(error as Error).message}`);
            failed = true;
          },
        ),
      ),
    );
    this.#renewFailed = failed;
    return { lost, missing };
  }

  release(kind: HeldKind, id: string): void {
    void this.#run(`forget a ${kind}`, (r) => r.eval(RELEASE, { keys: [heldKey(this.#prefix, kind, id)], arguments: [this.instanceId] })).catch(() => undefined);
  }

  async find(kind: HeldKind, id: string): Promise<HeldRecord | undefined> {
    const key = heldKey(this.#prefix, kind, id);
    const [instance, sealed] = (await this.#run(`find a ${kind}`, (r) => r.eval(FIND, { keys: [key], arguments: [] }))) as [string | null, string | null];
    if (!instance || !sealed) return undefined;
    const opened = openRecord(this.#o.keys, key, sealed);
    if (!opened.ok) return undefined;
    const record = JSON.parse(opened.plaintext) as { u: string; m: string; d: string };
    const alive = instance === this.instanceId || (await this.#alive(instance));
    return { instance, alive, owner: { user: record.u, method: record.m }, data: record.d };
  }

  async adopt(kind: HeldKind, id: string, from: string): Promise<boolean> {
    const taken = await this.#run(`take over a ${kind}`, (r) => r.eval(ADOPT, { keys: [heldKey(this.#prefix, kind, id)], arguments: [from, this.instanceId] }));
    return taken === 1;
  }

  onRelayed(handler: RelayHandler): void {
    this.#handler = handler;
  }

  relay(instance: string, request: RelayedRequest, res: ServerResponse): Promise<RelayOutcome> {
    const c = ++this.#serial;
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !DROPPED_HEADERS.has(name)));
    return new Promise<RelayOutcome>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const out: Outgoing = {
        instance,
        kind: request.kind,
        res,
        acked: false,
        ack: () => {
          out.acked = true;
          clearTimeout(timer);
        },
        done: () => {
          clearTimeout(timer);
          this.#outgoing.delete(c);
          this.#watchOwners();
          resolve('relayed');
        },
        misdirected: () => {
          clearTimeout(timer);
          this.#outgoing.delete(c);
          this.#watchOwners();
          resolve('misdirected');
        },
      };
      this.#outgoing.set(c, out);
      res.on('close', () => {
        if (!this.#outgoing.has(c)) return;
        // The client went away before the end: the owner stops writing.
        if (out.acked) this.#publish(instance, JSON.stringify({ t: 'abort', c, f: this.instanceId }));
        out.done();
      });
      timer = setTimeout(() => {
        if (out.acked || !this.#outgoing.has(c)) return;
        this.#outgoing.delete(c);
        void this.#alive(instance).then(
          (alive) => {
            if (!alive) return resolve('gone');
            this.#log.warn(`instance ${instance} did not take a relayed request within ${ACK_MS} ms`);
            reject(new BridgeError(ErrorCode.Store, `the instance holding this session did not answer within ${ACK_MS} ms`, { hint: 'retry; if it persists, check that every instance reaches Redis' }));
          },
          (error: unknown) => reject(error),
        );
      }, ACK_MS);
      this.#run<number>('relay a request', (r) => r.publishDirect(relayChannel(this.#prefix, instance), requestEnvelope(c, this.instanceId, { ...request, headers }))).then(
        (listeners) => {
          // Nobody reads the owner's channel: it stopped (Redis closed its connection) — unless its subscription
          // is coming back after a reconnection, which a second look a moment later tells.
          if (listeners === 0 && !out.acked && this.#outgoing.has(c)) {
            clearTimeout(timer);
            this.#outgoing.delete(c);
            void this.#reading(instance).then((reading) => (reading ? reject(new BridgeError(ErrorCode.Store, 'the instance holding this session could not be reached through Redis', { hint: 'retry in a moment' })) : resolve('gone')), reject);
          }
        },
        (error: unknown) => {
          clearTimeout(timer);
          this.#outgoing.delete(c);
          reject(error);
        },
      );
      this.#watchOwners();
    });
  }

  async retire(): Promise<void> {
    if (this.#retired) return;
    this.#retired = true;
    clearInterval(this.#beat);
    await this.#o.stores.connection.unsubscribeDirect(relayChannel(this.#prefix, this.instanceId)).catch(() => undefined);
    await this.#run('stop the heartbeat', (r) => r.eval(FORGET, { keys: [instanceKey(this.#prefix, this.instanceId)], arguments: [] })).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.retire();
    clearInterval(this.#watch);
    this.#endAll('shutting down');
    for (const res of this.#incoming.values()) res.abort();
  }

  #receive(text: string): void {
    const e = parseEnvelope(text);
    if (!e) return void this.#log.debug('dropped a malformed relay message');
    if (e.t === 'req') return this.#retired ? undefined : this.#answer(e);
    if (e.t === 'abort') return void this.#incoming.get(`${e.f} ${e.c}`)?.abort();
    const out = this.#outgoing.get(e.c);
    if (!out || out.instance !== e.f) return;
    out.ack();
    if (e.t === 'res') this.#write(out, e);
  }

  #write(out: Outgoing, e: Extract<Envelope, { t: 'res' }>): void {
    const { res } = out;
    if (e.h && !res.headersSent && e.h[0] === NOT_HELD_STATUS && out.kind === 'session') return out.misdirected();
    if (e.h && !res.headersSent) res.writeHead(e.h[0], e.h[1]);
    const body = bodyOf(e);
    if (body !== undefined && !res.writableEnded) res.write(body);
    if (e.e) {
      if (!res.writableEnded) res.end();
      out.done();
    }
  }

  #answer(e: Extract<Envelope, { t: 'req' }>): void {
    const key = `${e.f} ${e.c}`;
    // The first frame of the answer acknowledges the request too; a separate acknowledgement goes only when the
    // answer takes a while (one Redis command and one message fewer for a quick answer).
    let ack: NodeJS.Timeout | undefined = setTimeout(() => {
      ack = undefined;
      this.#publish(e.f, JSON.stringify({ t: 'ack', c: e.c, f: this.instanceId }));
    }, ACK_SOON_MS);
    const res = new RelayedResponse((frame) => {
      if (ack) ack = void clearTimeout(ack);
      this.#publish(e.f, frameEnvelope(e.c, this.instanceId, frame));
    });
    this.#incoming.set(key, res);
    res.once('close', () => this.#incoming.delete(key));
    const request = requestOf(e);
    const handler = this.#handler;
    const done = handler ? handler(request, relayedIncoming(request), res.asResponse()) : Promise.resolve(void res.writeHead(503).end());
    void done.catch((error: unknown) => {
      this.#log.error(`a relayed ${request.method} ${request.url.split('?')[0]} failed: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal error"}');
      else res.end();
    });
  }

  #publish(instance: string, message: string): void {
    void this.#run('relay an answer', (r) => r.publishDirect(relayChannel(this.#prefix, instance), message)).catch((error: unknown) => {
      this.#log.debug(`a relay message was lost: ${(error as Error).message}`);
    });
  }

  /** While relays are in progress, ends those whose owner stopped (see {@link RedisCluster.#stopped}). */
  #watchOwners(): void {
    if (this.#outgoing.size === 0) {
      clearInterval(this.#watch);
      this.#watch = undefined;
      return;
    }
    if (this.#watch) return;
    this.#watch = setInterval(() => {
      const owners = new Set([...this.#outgoing.values()].filter((x) => x.acked).map((x) => x.instance));
      for (const owner of owners) {
        void this.#stopped(owner).then((stopped) => {
          if (!stopped) return;
          this.#log.info(`instance ${owner} stopped; ending the streams relayed to it (their clients reconnect)`);
          for (const out of [...this.#outgoing.values()]) if (out.instance === owner) this.#end(out);
        }, () => undefined);
      }
    }, WATCH_MS);
    this.#watch.unref();
  }

  #endAll(why: string): void {
    if (this.#outgoing.size > 0) this.#log.info(`${why}: ending ${this.#outgoing.size} relayed stream(s) (their clients reconnect)`);
    for (const out of [...this.#outgoing.values()]) this.#end(out);
  }

  #end(out: Outgoing): void {
    if (!out.res.headersSent) out.res.writeHead(503, { 'retry-after': '1', 'content-type': 'application/json' }).end('{"error":"the instance holding this session stopped; retry"}');
    else out.res.destroy();
    out.done();
  }

  /**
   * Whether `instance` stopped: its heartbeat expired, or nobody reads its relay channel (Redis closed its connection,
   * seen at once, where the heartbeat takes up to {@link HEARTBEAT_TTL_MS}) and still nobody does a moment later.
   */
  async #stopped(instance: string): Promise<boolean> {
    if (!(await this.#alive(instance))) return true;
    const channel = relayChannel(this.#prefix, instance);
    const readers = await this.#run<number>('count readers', (r) => r.directReaders(channel));
    return readers === 0 && !(await this.#reading(instance));
  }

  /** Whether `instance` reads its relay channel again after {@link RESUBSCRIBE_MS}. */
  async #reading(instance: string): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, RESUBSCRIBE_MS));
    const channel = relayChannel(this.#prefix, instance);
    return (await this.#run<number>('count readers', (r) => r.directReaders(channel))) > 0;
  }

  async #alive(instance: string): Promise<boolean> {
    return (await this.#run('check an instance', (r) => r.eval(ALIVE, { keys: [instanceKey(this.#prefix, instance)], arguments: [] }))) === 1;
  }

  async #heartbeat(): Promise<void> {
    await this.#run('beat', (r) => r.eval(BEAT, { keys: [instanceKey(this.#prefix, this.instanceId)], arguments: ['1', String(HEARTBEAT_TTL_MS)] }));
  }

  #run<T>(what: string, work: Parameters<RedisStores['connection']['run']>[1]): Promise<T> {
    return this.#o.stores.connection.run(what, work) as Promise<T>;
  }
}
