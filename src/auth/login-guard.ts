/**
 * The login guard answers one question for one server: "may the bridge start an interactive login (open a browser,
 * show a device code) now?". It exists because a server that refuses every token would otherwise make the bridge
 * log in again for every failing request — five calls, five browser tabs.
 *
 * The rule: when the token of a login that just finished is refused by the server on the very request that waited
 * for it (401, or 403 — plain, or `insufficient_scope` after a step-up), the server has said no to the user, not to
 * a stale token. The refusal is recorded, every request that waits for that login is answered with it (the server's
 * own words), and no new interactive login starts for `backoffMs` (`--login-backoff`; 0: no time limit) — or until
 * the user acts: a restart (the guard lives in memory), or a login stored by another process
 * (`mcp-auth-bridge login --force`), which the Authorizer adopts and reports here with {@link LoginGuard.reset}. The back-off only blocks starting a login; a good stored login is
 * always used.
 *
 * Tokens are remembered by a SHA-256 fingerprint only, never kept here in clear.
 */
import { createHash } from 'node:crypto';
import { BridgeError, ErrorCode } from '../errors.js';
import { quoteServerText } from './unadvertised-auth.js';

/**
 * How long, by default, no new interactive login starts after the server refused a fresh one: 5 minutes
 * (`--login-backoff`).
 */
export const DEFAULT_LOGIN_BACKOFF_MS = 5 * 60_000;

/** How a token was obtained, as far as the guard cares. */
export type TokenOrigin = 'login' | 'refresh';

/** What the server said when it refused a token: status and its own words (already escaped and bounded). */
export interface ServerRefusal {
  status: number;
  /** The server's words: its `WWW-Authenticate` error and description, and/or a short escaped body snippet. */
  words: string;
}

/** A recorded refusal of a fresh login. */
export interface RecordedRefusal extends ServerRefusal {
  /** When it was recorded (the guard's clock). */
  at: number;
  /** When a new interactive login may start again by itself. */
  until: number;
}

/** The guard's answer to "may I start an interactive login now?". */
export type LoginPermission = { allowed: true } | { allowed: false; refusal: RecordedRefusal; error: BridgeError };

/** Options for {@link LoginGuard}. */
export interface LoginGuardOptions {
  /** The server's name for messages (its host). */
  serverLabel: string;
  /** The server URL, for the `login` command in the hint. */
  serverUrl: string;
  /**
   * How long no new interactive login starts after a refused one; 0 = no time limit (until the user acts: a restart,
   * or a login stored by another process). Default {@link DEFAULT_LOGIN_BACKOFF_MS}.
   */
  backoffMs?: number;
  now: () => number;
}

function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** See the module comment. */
export class LoginGuard {
  readonly #o: LoginGuardOptions;
  readonly #backoffMs: number;
  /** Fingerprints of tokens this process obtained, with how. */
  readonly #origins = new Map<string, TokenOrigin>();
  #refusal: RecordedRefusal | undefined;

  constructor(options: LoginGuardOptions) {
    this.#o = options;
    this.#backoffMs = options.backoffMs ?? DEFAULT_LOGIN_BACKOFF_MS;
  }

  /** Records that `token` was just obtained by an interactive login or a refresh in this process. */
  obtained(token: string, origin: TokenOrigin): void {
    if (this.#origins.size > 64) this.#origins.clear(); // bounded: only the latest tokens matter
    this.#origins.set(fingerprint(token), origin);
  }

  /** How `token` was obtained in this process, if it was. */
  originOf(token: string | undefined): TokenOrigin | undefined {
    return token === undefined ? undefined : this.#origins.get(fingerprint(token));
  }

  /**
   * The server refused `token` on the request that waited for it to be obtained. When `token` came from an
   * interactive login, the refusal is recorded (blocking new logins) and returned as the error for that request;
   * otherwise nothing is recorded and undefined is returned.
   */
  refusedAfterRenewal(token: string | undefined, refusal: ServerRefusal): BridgeError | undefined {
    if (this.originOf(token) !== 'login') return undefined;
    const at = this.#o.now();
    // A refusal already recorded for this login keeps its time: every waiting request gets the same answer.
    if (!this.#refusal || this.#refusal.until <= at) {
      this.#refusal = { ...refusal, at, until: this.#backoffMs === 0 ? Number.POSITIVE_INFINITY : at + this.#backoffMs };
    }
    return this.#error(this.#refusal);
  }

  /** The refusal in force, if any (expired ones are forgotten). */
  get refusal(): RecordedRefusal | undefined {
    if (this.#refusal && this.#refusal.until <= this.#o.now()) this.#refusal = undefined;
    return this.#refusal;
  }

  /** Whether an interactive login may start now; when not, the error to answer with. */
  mayLogin(): LoginPermission {
    const refusal = this.refusal;
    return refusal ? { allowed: false, refusal, error: this.#error(refusal) } : { allowed: true };
  }

  /** The user acted (a login stored by another process was adopted): logins may start again. */
  reset(): void {
    this.#refusal = undefined;
  }

  #error(refusal: RecordedRefusal): BridgeError {
    const pause =
      refusal.until === Number.POSITIVE_INFINITY
        ? 'until you log in again' // `--login-backoff 0`: no time limit
        : `for ${Math.max(1, Math.ceil((refusal.until - this.#o.now()) / 60_000))} min`;
    return new BridgeError(
      ErrorCode.Auth,
      `${this.#o.serverLabel} refused the new login (HTTP ${refusal.status}: ${refusal.words}); not opening the browser again ${pause}`,
      {
        status: refusal.status,
        hint: `check that your account may use this server, then run: mcp-auth-bridge login --force ${this.#o.serverUrl} (or restart your MCP client)`,
        cause: { status: refusal.status, words: refusal.words },
      },
    );
  }

}

/** Longest snippet of a refusal's body quoted in errors. */
export const REFUSAL_SNIPPET_CHARS = 200;

/**
 * The server's words for a refusal: the Bearer challenge's `error` and `error_description` (RFC 6750 §3), and/or
 * the start of the body, with control characters escaped and the length bounded.
 */
export function refusalWords(options: { error?: string | undefined; errorDescription?: string | undefined; body?: string | undefined }): string {
  const parts: string[] = [];
  if (options.error) parts.push(options.error);
  if (options.errorDescription) parts.push(options.errorDescription);
  let words = parts.join(': ');
  if (!words && options.body) words = options.body.replace(/\s+/g, ' ').trim();
  if (!words) return 'no reason given';
  return quoteServerText(words, REFUSAL_SNIPPET_CHARS);
}
