/**
 * `serve`'s one login callback for every user and server: logins register the `state` they send, each bound to the
 * user who started it, and the endpoint (`<public URL>/oauth/callback`) hands each authorization response to the
 * login its `state` names. A response whose request says it comes from another user (the front knows, e.g. from a
 * trusted identity header) is refused and the login keeps waiting; without an identity on the callback, the `state`
 * is the capability: random, single-use, known only to the user it was shown to, and forgotten when the login ends.
 */
import { BridgeError, ErrorCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { CallbackVerdict } from '../callback-server.js';
import type { CallbackSink } from '../callback-sink.js';
import { waitForLogin } from '../login-wait.js';
import type { PageContent } from '../pages.js';

/** What the endpoint answers the browser. */
export interface CallbackAnswer {
  status: number;
  page: PageContent;
}

/** Options for {@link CallbackHub}. */
export interface CallbackHubOptions {
  logger: Logger;
  /** Bound on logins waiting at once, across users (a flood of abandoned logins cannot grow memory). Default 1000. */
  maxPending?: number;
  /**
   * Other processes that may receive the browser's answer (serve's instances on one Redis): told of each `state`
   * this hub waits for, and when it stops waiting.
   */
  sharing?: { announce(state: string, owner: string): void; forget(state: string): void };
}

interface Pending {
  owner: string;
  handle?: (params: URLSearchParams) => Promise<CallbackVerdict>;
  settle?: (result: { ok: true } | { ok: false; error: Error }) => void;
}

/** The shared callback; see the module comment. */
export class CallbackHub {
  readonly #log: Logger;
  readonly #o: CallbackHubOptions;
  readonly #max: number;
  readonly #byState = new Map<string, Pending>();

  constructor(options: CallbackHubOptions) {
    this.#log = options.logger;
    this.#o = options;
    this.#max = options.maxPending ?? 1_000;
  }

  /** How many logins wait for their callback. */
  get pending(): number {
    return this.#byState.size;
  }

  /** Whether a login here waits for the answer that names `state`. */
  waits(state: string): boolean {
    return this.#byState.has(state);
  }

  /** A callback for one login of `owner` (the user it is for). */
  sink(owner: string): CallbackSink {
    const hub = this;
    let state: string | undefined;
    const entry: Pending = { owner };
    return {
      expect(value) {
        if (hub.#byState.size >= hub.#max) {
          throw new BridgeError(ErrorCode.Auth, `too many logins are waiting for their browser step (${hub.#max})`, { hint: 'finish or abandon open logins, then try again' });
        }
        state = value;
        hub.#byState.set(value, entry);
        hub.#o.sharing?.announce(value, owner);
      },
      wait(handle, timeoutMs, signal) {
        entry.handle = handle;
        const wait = waitForLogin({
          timeoutMs,
          signal,
          onEnd: () => {
            if (state !== undefined && hub.#byState.delete(state)) hub.#o.sharing?.forget(state);
            entry.settle = undefined;
            entry.handle = undefined;
          },
        });
        entry.settle = wait.finish;
        return wait.done;
      },
      close() {
        if (state !== undefined && hub.#byState.get(state) === entry && !entry.settle) {
          hub.#byState.delete(state);
          hub.#o.sharing?.forget(state);
        }
      },
    };
  }

  /**
   * Hands one authorization response (the callback's query) to its login. `caller` is the user the front
   * established for this request, when it could (undefined: no identity on browser requests).
   */
  async deliver(params: URLSearchParams, caller: string | undefined): Promise<CallbackAnswer> {
    const state = params.get('state');
    const entry = state === null ? undefined : this.#byState.get(state);
    if (!entry?.handle) {
      return { status: 410, page: { ok: false, title: 'No login in progress', lines: ['This login has already finished, timed out, or was never started here.', 'Start it again from your MCP client or the status page.'] } };
    }
    if (caller !== undefined && caller !== entry.owner) {
      this.#log.warn('refused a login callback from another user than the one who started the login');
      return { status: 403, page: { ok: false, title: 'Not your login', lines: ['This login was started by another user.', 'Start your own login from your MCP client or the status page.'] } };
    }
    let verdict: CallbackVerdict;
    try {
      verdict = await entry.handle(params);
    } catch (error) {
      this.#log.debug(`callback handling failed: ${(error as Error).message}`);
      verdict = { done: true, page: { ok: false, title: 'Login failed', lines: ['Something went wrong while finishing the login.', 'Try again.'] }, result: { ok: false, error: error as Error } };
    }
    if (verdict.done) entry.settle?.(verdict.result);
    return { status: verdict.page.ok ? 200 : 400, page: verdict.page };
  }
}
