/**
 * The names of serve's keys in Redis. Every key of one user starts with the hash tag `{<prefix><user hash>}`, so on
 * Redis Cluster all of a user's keys live in one slot and the scripts that touch several of them (leases, fenced
 * writes, indexes) stay legal. The user's name never reaches Redis: only the first 32 hex digits of its SHA-256.
 *
 * ```
 * {<prefix><user>}:login:<credential key>   hash: rec (sealed login), fence (last fencing value that wrote it)
 * {<prefix><user>}:reg:<credential key>     string: sealed registration
 * {<prefix><user>}:era:<sha256(url)>        string: the server's protocol era record (not secret)
 * {<prefix><user>}:lease:<credential key>   string: the lease holder's value (lease.ts)
 * {<prefix><user>}:fence:<credential key>   integer: the fencing counter (INCR)
 * {<prefix><user>}:note:<credential key>    string: the lease holder's sealed note (the login it waits for), as long as the lease
 * {<prefix><user>}:logins, :regs            sets: the credential keys stored, for list and deleteAll
 * <prefix>changed                           pub/sub channel: "<instance> <redis key>" after each write
 * ```
 */
import { createHash } from 'node:crypto';
import { assertCredentialKey } from '../model/keys.js';

/** The hash of `user` that names their keys (the same as serve's per-user directory names). */
export function userHash(user: string): string {
  return createHash('sha256').update(user, 'utf8').digest('hex').slice(0, 32);
}

/** The key names of one user. */
export class UserKeys {
  readonly tag: string;

  constructor(prefix: string, user: string) {
    this.tag = `{${prefix}${userHash(user)}}`;
  }

  login(key: string): string {
    assertCredentialKey(key);
    return `${this.tag}:login:${key}`;
  }

  registration(key: string): string {
    assertCredentialKey(key);
    return `${this.tag}:reg:${key}`;
  }

  era(url: string): string {
    return `${this.tag}:era:${createHash('sha256').update(url, 'utf8').digest('hex')}`;
  }

  lease(key: string): string {
    assertCredentialKey(key);
    return `${this.tag}:lease:${key}`;
  }

  leaseNote(key: string): string {
    assertCredentialKey(key);
    return `${this.tag}:note:${key}`;
  }

  fence(key: string): string {
    assertCredentialKey(key);
    return `${this.tag}:fence:${key}`;
  }

  get logins(): string {
    return `${this.tag}:logins`;
  }

  get registrations(): string {
    return `${this.tag}:regs`;
  }
}

/** The invalidation channel of `prefix`. */
export function changeChannel(prefix: string): string {
  return `${prefix}changed`;
}
