/**
 * A lease per (user, credential key) across every serve instance on one Redis, held around a refresh or a login so
 * a rotated refresh token is spent once. Taken with one script (SET NX PX under a fencing value from INCR), renewed
 * while held, released with a compare-and-delete script, and taken over by anyone once it expires (a dead
 * instance's lease lapses after its TTL). The fencing value is checked by the store's fenced write
 * (redis-store.ts): a holder whose lease lapsed (a long GC pause, a partition) cannot overwrite a token written
 * under a newer lease.
 *
 * A holder may leave a note beside its lease (the browser login it waits for, so those waiting can offer the same
 * login instead of waiting in silence): written only while the lease is this holder's, renewed and deleted with it,
 * and read by each waiter's attempt to take the lease, in the same script.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BridgeError, ErrorCode } from '../../errors.js';
import type { RedisConnection } from './redis-connection.js';

/** Default lease TTL: renewed every third of it while held. */
export const DEFAULT_LEASE_TTL_MS = 30_000;

/** KEYS: lease, fence[, note]. ARGV: holder, ttl ms. The fence when taken; else the note ('' = none) when there is a note key, or nil. */
const ACQUIRE = `if redis.call('EXISTS', KEYS[1]) == 1 then
  if KEYS[3] then return redis.call('GET', KEYS[3]) or '' end
  return false
end
local f = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], f .. ':' .. ARGV[1], 'PX', ARGV[2])
if KEYS[3] then redis.call('DEL', KEYS[3]) end
return f`;
/** KEYS: lease[, note]. ARGV: value, ttl ms. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  if KEYS[2] then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;
/** KEYS: lease[, note]. ARGV: value. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  if KEYS[2] then redis.call('DEL', KEYS[2]) end
  return redis.call('DEL', KEYS[1])
end
return 0`;
/** KEYS: lease, note. ARGV: value, note ('' = delete it). */
const NOTE = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[2]) return 1 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('SET', KEYS[2], ARGV[2], 'PX', ttl) else redis.call('SET', KEYS[2], ARGV[2]) end
return 1`;

/** A held lease. */
export interface Lease {
  /** The lease's Redis key. */
  readonly leaseKey: string;
  /** The fencing value: larger than every earlier holder's. */
  readonly fence: number;
  /** What the lease key holds while this holder has it: `<fence>:<holder id>`. */
  readonly value: string;
  /** Aborted when the lease is known lost (a renewal found another holder, or none succeeded for a whole TTL). */
  readonly lost: AbortSignal;
  /** Stops renewing and deletes the lease (and its note) if it is still this holder's. Idempotent. */
  release(): Promise<void>;
  /**
   * Leaves `text` beside the lease for those waiting for it ({@link AcquireLeaseOptions.onHeld}), or removes the
   * note (`undefined`). Only while the lease is still this holder's; a lease taken without a note key has none.
   */
  note(text: string | undefined): Promise<void>;
}

/** Options for {@link acquireLease}. */
export interface AcquireLeaseOptions {
  connection: RedisConnection;
  /** The lease key and the fencing counter key (key-layout.ts). */
  leaseKey: string;
  fenceKey: string;
  /** Names this instance in the lease value (for operators reading Redis). */
  holder: string;
  /** Default {@link DEFAULT_LEASE_TTL_MS}. */
  ttlMs?: number;
  /** Give up after this long with a {@link ErrorCode.Store} error. Default 5 minutes (a login may need the user). */
  waitMs?: number;
  /** Between attempts while another holds it. Default 100 ms. */
  pollMs?: number;
  signal?: AbortSignal;
  /** The key of the note the holder may leave beside the lease (key-layout.ts); without it, no note. */
  noteKey?: string;
  /** While another holds the lease: called with its note (undefined: none) on the first attempt and whenever it changes. */
  onHeld?: (note: string | undefined) => void;
}

/**
 * Takes the lease, waiting while another instance holds it.
 * @throws {BridgeError} `ErrorCode.Store` after `waitMs`, or when Redis fails.
 */
export async function acquireLease(o: AcquireLeaseOptions): Promise<Lease> {
  const ttlMs = o.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const waitMs = o.waitMs ?? 5 * 60_000;
  const pollMs = o.pollMs ?? 100;
  const holder = `${o.holder}:${randomBytes(6).toString('hex')}`;
  const started = performance.now();
  const keys = o.noteKey ? [o.leaseKey, o.fenceKey, o.noteKey] : [o.leaseKey, o.fenceKey];
  let seen: string | null | undefined = null;
  for (;;) {
    o.signal?.throwIfAborted();
    const fence = await o.connection.run('take a lease', (r) => r.eval(ACQUIRE, { keys, arguments: [holder, String(ttlMs)] }));
    if (typeof fence === 'number') return heldLease(o, ttlMs, fence, `${fence}:${holder}`);
    const note = typeof fence === 'string' && fence !== '' ? fence : undefined;
    if (note !== seen) {
      seen = note;
      o.onHeld?.(note);
    }
    if (performance.now() - started >= waitMs) {
      throw new BridgeError(ErrorCode.Store, `another instance has held the login lease for over ${Math.round(waitMs / 1000)} s`, {
        hint: 'a login or refresh is in progress elsewhere; try again when it ends',
      });
    }
    await sleep(pollMs * (0.75 + Math.random() / 2), undefined, o.signal ? { signal: o.signal } : undefined);
  }
}

function heldLease(o: AcquireLeaseOptions, ttlMs: number, fence: number, value: string): Lease {
  const lost = new AbortController();
  let lastRenewed = performance.now();
  let released: Promise<void> | undefined;
  const keys = o.noteKey ? [o.leaseKey, o.noteKey] : [o.leaseKey];
  const timer = setInterval(() => {
    void o.connection
      .run('renew a lease', (r) => r.eval(RENEW, { keys, arguments: [value, String(ttlMs)] }))
      .then((renewed) => {
        if (renewed === 1) lastRenewed = performance.now();
        else lost.abort(new BridgeError(ErrorCode.Store, 'the login lease was taken over by another instance'));
      })
      .catch((error: unknown) => {
        if (performance.now() - lastRenewed >= ttlMs) lost.abort(error);
      });
  }, Math.max(10, Math.floor(ttlMs / 3)));
  timer.unref();
  lost.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  return {
    leaseKey: o.leaseKey,
    fence,
    value,
    lost: lost.signal,
    release() {
      released ??= (async () => {
        clearInterval(timer);
        await o.connection.run('release a lease', (r) => r.eval(RELEASE, { keys, arguments: [value] }));
      })();
      return released;
    },
    async note(text) {
      const noteKey = o.noteKey;
      if (noteKey === undefined || released) return;
      await o.connection.run('leave a note on a lease', (r) => r.eval(NOTE, { keys: [o.leaseKey, noteKey], arguments: [value, text ?? ''] }));
    },
  };
}
