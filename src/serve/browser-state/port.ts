/**
 * What serve's browser pages keep beyond one request, as a port (browser-session/ and status/ depend on this, never
 * on where it lives): HMAC keys, one per use, small records kept for a while — signed-out sessions, started
 * issuer sign-ins, login links — and failures counted per address (the sign-in page's limit). In memory by default (memory-browser-state.ts: keys made at start, records in
 * this process), or, with `serve --store redis://…`, shared by every instance on the same Redis
 * (redis-browser-state.ts: keys derived from the store's encryption keys, records sealed in Redis), so a browser's
 * requests may land on any instance.
 */

/** An HMAC key for one use (the session cookie, the sign-in form, the status page's forms). */
export interface MacKey {
  /** The MAC of `text`, as text safe in a cookie value or a form field (base64url, `.`, `-`, `_` and `~` only). */
  sign(text: string): string;
  /** Whether `mac` is a MAC of `text` under one of the keys in force (constant-time comparison). */
  verify(text: string, mac: string): boolean;
}

/** One kind of record (its own name and bound), each record under a random id with a time to live. */
export interface SharedRecords {
  /** Keeps `value` under `id` for `ttlMs` (replacing any); the oldest records go beyond the kind's bound. */
  put(id: string, value: string, ttlMs: number): Promise<void>;
  /** The value under `id` while it is kept. */
  get(id: string): Promise<string | undefined>;
  /** Whether a record is kept under `id` (even one this instance cannot read). */
  has(id: string): Promise<boolean>;
  /** The value under `id`, removed in the same step: of several takers of one id, only one gets it. */
  take(id: string): Promise<string | undefined>;
}

/** The kinds of records the browser pages keep. */
export type BrowserRecordKind = 'signed-out' | 'oidc-pending' | 'login-link';

/**
 * Failures counted per key (a client address) in windows of a fixed length: a key's window starts with its first
 * failure and ends `windowMs` later, its count with it. Shared by every instance on a shared state, so a limit on the
 * count holds for the whole deployment.
 */
export interface FailureCounts {
  /** The failures of `key` in its current window (0 when it has none). */
  count(key: string): Promise<number>;
  /** Counts one failure of `key` (starting its window when it has none); resolves the count with this one. */
  add(key: string): Promise<number>;
}

/** The kinds of failures the browser pages count. */
export type FailureKind = 'sign-in';

/** How a kind of failures is counted. */
export interface FailureWindow {
  /** The length of a window, ms. */
  windowMs: number;
  /** Keys kept at most where memory is bounded (this process's state); a shared state bounds them by `windowMs`. */
  maxKeys: number;
}

/**
 * Where the browser pages keep their keys, records and failure counts. Methods of {@link SharedRecords} and
 * {@link FailureCounts} may reject with a
 * `BridgeError` of code `STORE` while the shared store is unreachable; the pages answer 503 then.
 */
export interface BrowserState {
  /** `memory` (this process only) or `redis` (shared by every instance on the store). */
  readonly kind: 'memory' | 'redis';
  /** The HMAC key for `use` (a fixed label per use, so no MAC of one use passes for another's). */
  macKey(use: string): MacKey;
  /** The records of `kind`, at most `max` kept at once. */
  records(kind: BrowserRecordKind, max: number): SharedRecords;
  /** The failure counts of `kind` (the same counts for every call with one kind). */
  failures(kind: FailureKind, window: FailureWindow): FailureCounts;
}
