/**
 * The port through which `serve` instances on one Redis (`--store redis://…`) share what lives in one process: who
 * holds each inbound session (and a 2026-07-28 suspended request, and an upstream login waiting for its browser), so
 * that a request a load balancer sends to another instance reaches it. The holder is the *owner*; any other instance
 * *relays* the request to it and writes the owner's answer as it comes (redis-cluster.ts, over Redis pub/sub). When
 * the owner is gone (its heartbeat expired), an instance *adopts* what it held: for a session, by opening it again
 * from its record (session-adoption.ts). Without Redis there is no cluster and serve is one process, as before.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { InboundIdentity } from '../inbound-auth/types.js';

/** What an instance holds for others to find. */
export type HeldKind = 'session' | 'input-state' | 'login';

/** One thing held by an instance, as others find it. */
export interface HeldRecord {
  /** The instance that holds it. */
  instance: string;
  /** Whether that instance is alive (its heartbeat has not expired). */
  alive: boolean;
  /** Who it belongs to: only this user's requests may reach it (`method`: how the user was established, or `any`). */
  owner: { user: string; method: string };
  /** What the kind keeps with it (for a session: what adopting it needs), JSON. */
  data: string;
}

/** What a relayed request carries to its owner: the request as the front saw it, after inbound auth. */
export interface RelayedRequest {
  /** The kind of what it names, and its id, for the owner's routing. */
  kind: HeldKind;
  method: string;
  /** Path and query. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The body already read (POST), else empty. */
  body: Buffer;
  identity: InboundIdentity;
  /** CORS headers the front decided on. */
  cors: Record<string, string>;
}

/** The owner's side: answers one relayed request on `res` (a response object whose bytes go back over Redis). */
export type RelayHandler = (request: RelayedRequest, req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * The outcome of a relay: `relayed` (the owner answered), `gone` (the owner stopped: nothing was answered), or
 * `misdirected` (the owner answered 421: it does not hold what the request names; nothing was answered here).
 */
export type RelayOutcome = 'relayed' | 'gone' | 'misdirected';

/** The status with which an owner says it does not hold the session a relayed request names (RFC 9110 §15.5.20). */
export const NOT_HELD_STATUS = 421;

/** See the module comment. */
export interface ServeCluster {
  /** This instance's id (random; names it in records and channels). */
  readonly instanceId: string;
  /**
   * Records that this instance holds `kind`/`id` for `owner`, for `ttlMs` (renewed by {@link renew}).
   * @throws {BridgeError} `ErrorCode.Store` when Redis cannot be reached.
   */
  hold(o: { kind: HeldKind; id: string; owner: HeldRecord['owner']; data: string; ttlMs: number }): Promise<void>;
  /**
   * Extends the life of what this instance holds; resolves the ids it no longer holds (`lost`: another instance took
   * them over while this one seemed gone) and those whose record is gone (`missing`: Redis lost it; hold them
   * again). A failure to reach Redis is logged once and loses nothing.
   */
  renew(kind: HeldKind, ids: readonly string[], ttlMs: number): Promise<{ lost: string[]; missing: string[] }>;
  /** Forgets `kind`/`id` (in the background): it ended here. */
  release(kind: HeldKind, id: string): void;
  /** Who holds `kind`/`id`, if anyone. @throws {BridgeError} `ErrorCode.Store` when Redis cannot be reached. */
  find(kind: HeldKind, id: string): Promise<HeldRecord | undefined>;
  /** Takes over `kind`/`id` from the instance `from` (gone): true when this instance now holds it. */
  adopt(kind: HeldKind, id: string, from: string): Promise<boolean>;
  /**
   * Sends `request` to `instance` and writes its answer on `res` as it comes (status, headers, body, event by
   * event), until either side ends. `gone`, with nothing written, when the instance did not take it in time.
   */
  relay(instance: string, request: RelayedRequest, res: ServerResponse): Promise<RelayOutcome>;
  /** Sets the handler of requests relayed to this instance. */
  onRelayed(handler: RelayHandler): void;
  /**
   * Leaves the cluster at the start of a drain: stops beating and reading relays at once, so the others take over
   * this instance's sessions as soon as their clients come to them; answers already being relayed go on.
   */
  retire(): Promise<void>;
  /** Retires (if not yet) and ends the relays still in progress. */
  close(): Promise<void>;
}

/** The id of an instance is in records and channel names: letters, digits, `-` and `_`. */
export const INSTANCE_ID = /^[A-Za-z0-9_-]{8,64}$/;
