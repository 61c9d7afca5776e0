/**
 * Where a browser login's authorization response arrives, as the login sees it: the loopback
 * {@link CallbackServer} of the one-user bridge, or a registration with `serve`'s shared callback endpoint
 * (web-callback/). Either hands each hit to the login's `handle`, and settles when `handle` says the login is done.
 */
import type { CallbackVerdict } from './callback-server.js';

/** A login's callback, wherever it listens. */
export interface CallbackSink {
  /**
   * Waits until `handle` says the login is done, or `timeoutMs` passes (0: no time limit), or `signal` aborts.
   * @param handle validates one callback hit and picks its page
   */
  wait(handle: (params: URLSearchParams) => Promise<CallbackVerdict>, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** The `state` this login will send (a shared endpoint routes by it); called before the browser is sent. */
  expect?(state: string): void;
  /** Stops receiving; idempotent. */
  close(): void;
}
