/**
 * The outside world, as one record made at the entry (cli/main.ts) and passed down: the clock, timers, the network
 * under both fetch stacks, the standard streams, the environment, the browser opener and shutdown signals. The core
 * reads none of them from globals, so tests run it in-process on a fake clock or against real servers
 * (docs/architecture.md, "The runtime record").
 */
import type { Readable, Writable } from 'node:stream';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { LoginQueue, type InteractiveLogins } from '../auth/login-queue.js';

/** Timers, as the runtime keeps them (a fake clock replaces them together with `now`). */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Opens a URL where the user can act on it (auth/browser.ts's `BrowserOpener`). */
export type OpenBrowser = (url: string) => Promise<void>;

/** Everything the process touches outside itself. */
export interface Runtime {
  /** Wall clock, in milliseconds since the epoch (token expiry, lock ages, `login`'s report). */
  now: () => number;
  timers: Timers;
  /**
   * The network below both fetch stacks, or undefined for the process's own: `node:http` upstream and the built-in
   * fetch for OAuth, or the proxy's with `--use-env-proxy` (net/network.ts).
   */
  fetch: FetchLike | undefined;
  env: NodeJS.ProcessEnv;
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** The system browser (loaded on first use); `--browser <command>` and `--no-browser` replace it per server. */
  openBrowser: OpenBrowser;
  /** The login prompter: shows the user the login URL or a device login's code. */
  prompt: (text: string) => void;
  /** Subscribes to shutdown signals; returns an unsubscribe function. */
  onSignal: (handler: (signal: string) => void) => () => void;
  /**
   * One interactive login at a time, process-wide (auth/login-queue.ts): every server's Authorizer takes its browser
   * or device login's turn here, so two servers never open two tabs or compete for the callback port.
   */
  interactiveLogins: InteractiveLogins;
}

/** The process's own world: `Date.now`, the global timers, stdio, `process.env`, SIGINT/SIGTERM/SIGHUP. */
export function processRuntime(): Runtime {
  return {
    now: Date.now,
    timers: {
      setTimeout: (callback, ms) => setTimeout(callback, ms),
      clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
      setInterval: (callback, ms) => setInterval(callback, ms),
      clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
    },
    fetch: undefined,
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    // The opener's code (and the `open` package) loads only when a login needs a browser.
    openBrowser: async (url) => (await import('../auth/browser.js')).systemOpener(url),
    prompt: (text) => process.stderr.write(text),
    onSignal: processSignals,
    interactiveLogins: new LoginQueue(),
  };
}

function processSignals(handler: (signal: string) => void): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
