/**
 * The short-lived loopback server that receives the authorization response (RFC 8252 §7.3). It binds BEFORE the
 * browser opens, on 127.0.0.1 (and ::1 too when the redirect URI says `localhost`), answers only requests whose
 * `Host` is a loopback name with the bound port (421 otherwise: a DNS-rebinding defence) and only GET on the
 * redirect path, hands each hit to the login's `handle` function (which validates it and picks the page), and
 * closes after the login ends or times out.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BridgeError, ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { CallbackSink } from './callback-sink.js';
import { waitForLogin } from './login-wait.js';
import { PAGE_HEADERS, renderPage, type PageContent } from './pages.js';

/** What the login decides about one hit on the callback. */
export type CallbackVerdict =
  /** The login is over (success or failure): show the page, and resolve or reject with `result`. */
  | { done: true; page: PageContent; result: { ok: true } | { ok: false; error: Error } }
  /** Not for this login (stale tab, wrong state): show the page and keep waiting. */
  | { done: false; page: PageContent };

/** Options for {@link CallbackServer.listen}. */
export interface CallbackServerOptions {
  /** Host name from the redirect URI: `127.0.0.1`, `localhost` or `[::1]`. */
  host: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
  /** The redirect URI's path, e.g. `/callback`. */
  path: string;
  logger: Logger;
}

function bindError(error: NodeJS.ErrnoException, port: number): BridgeError {
  if (error.code === 'EADDRINUSE') {
    return new BridgeError(ErrorCode.Auth, `the login callback port ${port} is already in use by another program`, {
      cause: error,
      hint: `close the program using port ${port} (for example another login that is still open), or choose another port with --callback-port`,
    });
  }
  return new BridgeError(ErrorCode.Auth, `cannot listen for the login callback on port ${port}: ${error.code ?? error.message}`, { cause: error });
}

function listenOn(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(error);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/**
 * Whether a request's `Host` header names this machine's loopback callback: `127.0.0.1`, `localhost` or `[::1]`
 * with the bound port (the port may be left out only when it is 80). Anything else is a DNS-rebinding attempt or a
 * stray request (RFC 8252 §8.3).
 */
export function isLoopbackHost(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  const match = /^(127\.0\.0\.1|localhost|\[::1\])(?::(\d{1,5}))?$/i.exec(host);
  if (!match) return false;
  return match[2] === undefined ? port === 80 : Number(match[2]) === port;
}

/** A bound callback server. See the module comment. */
export class CallbackServer implements CallbackSink {
  /** The port actually bound. */
  readonly port: number;
  readonly #servers: Server[];
  readonly #path: string;
  readonly #log: Logger;
  #handle: ((params: URLSearchParams) => Promise<CallbackVerdict>) | undefined;
  #settle: ((result: { ok: true } | { ok: false; error: Error }) => void) | undefined;

  private constructor(servers: Server[], port: number, path: string, logger: Logger) {
    this.#servers = servers;
    this.port = port;
    this.#path = path;
    this.#log = logger;
    for (const s of servers) s.on('request', (req, res) => void this.#onRequest(req, res));
  }

  /** Binds the loopback port(s). Rejects with a clear `AUTH` error when the port is taken. */
  static async listen(options: CallbackServerOptions): Promise<CallbackServer> {
    const host = options.host.replace(/^\[|\]$/g, '');
    const primaryHost = host === 'localhost' ? '127.0.0.1' : host;
    const primary = createServer();
    let port: number;
    try {
      port = await listenOn(primary, primaryHost, options.port);
    } catch (error) {
      throw bindError(error as NodeJS.ErrnoException, options.port);
    }
    const servers = [primary];
    if (host === 'localhost') {
      // The browser may resolve localhost to ::1; listen there too when this machine has IPv6.
      const v6 = createServer();
      try {
        await listenOn(v6, '::1', port);
        servers.push(v6);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') {
          primary.close();
          throw bindError(error as NodeJS.ErrnoException, port);
        }
        options.logger.debug(`no IPv6 loopback for the callback (${code ?? String(error)})`);
      }
    }
    for (const s of servers) s.unref();
    return new CallbackServer(servers, port, options.path, options.logger);
  }

  /**
   * Waits until `handle` says the login is done, or `timeoutMs` passes (0: no time limit), or `signal` aborts.
   * @param handle validates one callback hit and picks its page
   */
  wait(handle: (params: URLSearchParams) => Promise<CallbackVerdict>, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    this.#handle = handle;
    const wait = waitForLogin({
      timeoutMs,
      signal,
      onEnd: () => {
        this.#settle = undefined;
        this.#handle = undefined;
      },
    });
    this.#settle = wait.finish;
    return wait.done;
  }

  /** Stops listening and drops open connections. */
  close(): void {
    for (const s of this.#servers) {
      s.close();
      s.closeAllConnections();
    }
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isLoopbackHost(req.headers.host, this.port)) {
      // DNS rebinding: a web page whose name now resolves to 127.0.0.1 reaches this port with its own Host. Answer
      // before anything else, so that such a request consumes no state and the real callback still completes.
      this.#log.debug('callback: refused a request for a host other than this machine');
      res.writeHead(421, PAGE_HEADERS).end(renderPage({ ok: false, title: 'Wrong address', lines: ['This address only receives login responses on this machine.'] }));
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== this.#path) {
      res.writeHead(404, PAGE_HEADERS).end(renderPage({ ok: false, title: 'Not found', lines: ['This address only receives login responses.'] }));
      return;
    }
    const handle = this.#handle;
    if (!handle) {
      res.writeHead(410, PAGE_HEADERS).end(
        renderPage({ ok: false, title: 'No login in progress', lines: ['This login has already finished or timed out.', 'Start it again from your MCP client.'] }),
      );
      return;
    }
    let verdict: CallbackVerdict;
    try {
      verdict = await handle(url.searchParams);
    } catch (error) {
      this.#log.debug(`callback handling failed: ${(error as Error).message}`);
      verdict = {
        done: true,
        page: { ok: false, title: 'Login failed', lines: ['Something went wrong while finishing the login.', 'Close this tab and try again.'] },
        result: { ok: false, error: error as Error },
      };
    }
    res.writeHead(verdict.page.ok ? 200 : 400, PAGE_HEADERS).end(renderPage(verdict.page));
    if (verdict.done) this.#settle?.(verdict.result);
  }
}
