/**
 * The errors of a connection to Redis, one or a Cluster (redis-connection.ts, redis-cluster-connection.ts): a failed
 * start in words with what to do (unreachable, credentials refused, TLS), and any error reduced to its code and
 * message without URL credentials. Also a bound on a start-up probe.
 */
import { ErrorReply } from 'redis';
import { BridgeError, ErrorCode } from '../../errors.js';
import type { RedisCommands, RedisConnection } from './redis-connection.js';
import { type RedisTarget, REDIS_PASSWORD_ENV, withoutUrlCredentials } from './redis-target.js';
import { type RedisTlsFailure, redisTlsFailure } from './redis-tls.js';

/** The codes of Redis's error replies that refuse the credentials (a password for no user, a wrong pair). */
const CREDENTIAL_REFUSALS: ReadonlySet<string> = new Set(['WRONGPASS', 'NOAUTH']);

/**
 * The code of a Redis error reply: the reply's first word, which Redis sends as the error's code (`WRONGPASS …`,
 * `NOAUTH …`, `MOVED …`); undefined for an error that is not a reply (a socket error has its own `code`).
 */
function redisErrorCode(error: unknown, depth = 0): string | undefined {
  if (depth > 4) return undefined;
  if (error instanceof ErrorReply) return /^([A-Z]+)\b/.exec(error.message)?.[1];
  const e = error as { errors?: unknown; originalError?: unknown; cause?: unknown } | undefined;
  // A connection attempt that failed at several addresses carries each failure; a reconnection, the one it gave up on.
  if (Array.isArray(e?.errors)) return e.errors.map((inner) => redisErrorCode(inner, depth + 1)).find((code) => code !== undefined);
  const inner = e?.originalError ?? e?.cause;
  return inner === undefined ? undefined : redisErrorCode(inner, depth + 1);
}

/** A failure to start, in words with what to do. */
export function startError(target: RedisTarget, error: unknown): BridgeError {
  const text = brief(error);
  if (CREDENTIAL_REFUSALS.has(redisErrorCode(error) ?? '')) {
    return new BridgeError(ErrorCode.Store, `Redis at ${target.display} refused the credentials (${text})`, {
      cause: error,
      hint: `check the user in --store and the password in ${REDIS_PASSWORD_ENV}`,
    });
  }
  const tls = redisTlsFailure(error);
  if (tls) return tlsStartError(target, tls, error);
  return new BridgeError(ErrorCode.Store, `cannot reach Redis at ${target.display} (${text})`, {
    cause: error,
    hint: `start Redis, or check --store (scheme, host, port${target.tls ? ', TLS' : ''})`,
  });
}

/** A TLS failure at start, in words with what to do; never advice to turn certificate checks off. */
function tlsStartError(target: RedisTarget, failure: RedisTlsFailure, error: unknown): BridgeError {
  const text = failure.code;
  const at = `Redis at ${target.display}`;
  switch (failure.kind) {
    case 'untrusted':
      return new BridgeError(ErrorCode.Store, `the TLS certificate of ${at} is not trusted (${text})`, {
        cause: error,
        hint: 'give the CA that signed it with --store-tls-ca <file> (PEM), or add it to NODE_EXTRA_CA_CERTS',
      });
    case 'wrong-name':
      return new BridgeError(ErrorCode.Store, `the TLS certificate of ${at} is for another name (${text})`, {
        cause: error,
        hint: 'put in --store a host name or address the certificate names (its subjectAltName), or have the certificate reissued',
      });
    case 'expired':
      return new BridgeError(ErrorCode.Store, `the TLS certificate of ${at} has expired or is not yet valid (${text})`, {
        cause: error,
        hint: 'renew the Redis server\'s certificate (and check this machine\'s clock)',
      });
    case 'client-certificate':
      return new BridgeError(ErrorCode.Store, `${at} refused the TLS connection: it wants a client certificate it trusts (${text})`, {
        cause: error,
        hint: 'give one with --store-tls-cert <file> and --store-tls-key <file>, signed by a CA in Redis\'s tls-ca-cert-file',
      });
  }
}

/** `work`, or an error after `ms` (a timer that keeps the process waiting, unlike the client's own). */
export async function bounded<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms + 100);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** An error's code or class and message, without any URL credentials. */
export function brief(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' && e.message ? e.message : typeof e?.name === 'string' ? e.name : String(error);
  return withoutUrlCredentials(code && !message.includes(code) ? `${code}: ${message}` : message).slice(0, 200);
}

/**
 * A connection's `run`: `work` on `commands`; a failure becomes a `STORE` error that says what could not be done
 * where, with `hint` (a BridgeError passes as it is).
 */
export function storeRunner(target: RedisTarget, commands: RedisCommands, hint: string): RedisConnection['run'] {
  return async (what, work) => {
    try {
      return await work(commands);
    } catch (error) {
      if (error instanceof BridgeError) throw error;
      throw new BridgeError(ErrorCode.Store, `Redis at ${target.display} could not ${what} (${brief(error)})`, { cause: error, hint });
    }
  };
}
