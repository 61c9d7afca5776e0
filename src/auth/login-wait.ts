/**
 * A browser login's wait for its end, wherever its callback arrives (callback-sink.ts): settled by the callback's
 * verdict, by the time limit (`--auth-timeout`) or by the signal — whichever comes first, once.
 */
import { BridgeError, ErrorCode } from '../errors.js';

/** How a login's wait ends. */
export type LoginWaitResult = { ok: true } | { ok: false; error: Error };

/** A wait under way: `done` settles once `finish` is called, or the time runs out, or the signal aborts. */
export interface LoginWait {
  done: Promise<void>;
  finish(result: LoginWaitResult): void;
}

/** Starts waiting; `onEnd` runs once when the wait ends, however it ends. */
export function waitForLogin(o: { timeoutMs: number; signal?: AbortSignal | undefined; onEnd: () => void }): LoginWait {
  let finish!: (result: LoginWaitResult) => void;
  const done = new Promise<void>((resolve, reject) => {
    const expire = () =>
      finish({
        ok: false,
        // No link in it: this login's callback closes now, so its URL would lead nowhere.
        error: new BridgeError(ErrorCode.Auth, `the login timed out: it was not completed within ${Math.round(o.timeoutMs / 1000)} s; the next request starts a new one`, {
          hint: 'finish the new login in the browser in time, or raise --auth-timeout',
        }),
      });
    const timer = o.timeoutMs > 0 ? setTimeout(expire, o.timeoutMs) : undefined;
    const onAbort = () => finish({ ok: false, error: new BridgeError(ErrorCode.Auth, 'the login was cancelled') });
    o.signal?.addEventListener('abort', onAbort, { once: true });
    let ended = false;
    finish = (result) => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      o.onEnd();
      if (result.ok) resolve();
      else reject(result.error);
    };
  });
  return { done, finish: (result) => finish(result) };
}
