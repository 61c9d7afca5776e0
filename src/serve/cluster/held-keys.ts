/**
 * Where the cluster's records live in Redis, under the store's prefix: what an instance holds, by a hash of its kind
 * and id (an id — a session id, a login's `state` — is a capability, so it is never a key name), each in a hash tag
 * of its own so that Redis Cluster can place it anywhere; and each instance's heartbeat.
 */
import { createHash } from 'node:crypto';
import type { HeldKind } from './types.js';

/** The key of what holds `kind`/`id`. */
export function heldKey(prefix: string, kind: HeldKind, id: string): string {
  const hash = createHash('sha256').update(`${kind}\0${id}`, 'utf8').digest('hex').slice(0, 40);
  return `${prefix}{held:${hash}}`;
}

/** The heartbeat key of `instance`: present while it is alive. */
export function instanceKey(prefix: string, instance: string): string {
  return `${prefix}{instance:${instance}}`;
}
