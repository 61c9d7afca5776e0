/**
 * The bridge's Authorizer in the test process, built exactly as the CLI builds it (config/validate.ts →
 * cli/auth-wiring.ts) but on a runtime record whose clock is a {@link FakeClock} and whose browser is the scripted
 * login ({@link driveLogin}). Moving the clock past a token's end proves the refresh logic against the real provider
 * without sleeping through real token lifetimes.
 */
import { PassThrough } from 'node:stream';
import { chooseFetches, createAuthorizer, type CreateAuthorizerOptions } from '../../src/cli/auth-wiring.js';
import { initializeProbe } from '../../src/cli/probe.js';
import type { Authorizer } from '../../src/auth/authorizer.js';
import type { ConfigInput } from '../../src/config/input.js';
import { processRuntime, type OpenBrowser, type Runtime } from '../../src/config/runtime.js';
import { oauthOf, type Config } from '../../src/config/types.js';
import { validateConfig } from '../../src/config/validate.js';
import { createLogger, type Logger } from '../../src/log.js';
import { driveLogin, type DriveLoginOptions } from './oidc/index.js';

/** A wall clock that moves only when told. */
export class FakeClock {
  #now: number;
  constructor(start = Date.now()) {
    this.#now = start;
  }
  /** The runtime's `now`. */
  readonly now = (): number => this.#now;
  /** Moves the clock to `ms` (never back). */
  setTo(ms: number): void {
    this.#now = Math.max(this.#now, ms);
  }
}

/** Options for {@link inProcessAuthorizer}. */
export interface InProcessAuthorizerOptions {
  /** Option values as the command line names them; `url` is required. */
  input: ConfigInput & { url: string };
  clock: FakeClock;
  /** The scripted browser's user and choices. Default: alice, approving. */
  login?: DriveLoginOptions;
  /** The browser instead of the scripted one (e.g. one that records the URL and leaves the login to the test). */
  openBrowser?: OpenBrowser;
  /** The process's queue of interactive logins, to share it between Authorizers as one process does. Default: its own. */
  interactiveLogins?: Runtime['interactiveLogins'];
  /** serve's shared callback endpoint for this user (with `input.redirectUrl` its URL). */
  webCallback?: CreateAuthorizerOptions['webCallback'];
}

/** One Authorizer, as one bridge process would hold it. */
export interface InProcessAuthorizer {
  authorizer: Authorizer;
  config: Config;
  /** Logs in now, as `mcp-auth-bridge login` (`--force`) does (the scripted browser completes it). */
  loginNow(options?: { force?: boolean }): ReturnType<Authorizer['loginNow']>;
  /** Whether the MCP server accepts `token` (an initialize with it is answered 200). */
  accepted(token: string | undefined): Promise<boolean>;
  /** Everything logged (debug level). */
  log(): string;
}

/** Builds the Authorizer for `options.input` on a fake clock; see the module comment. */
export async function inProcessAuthorizer(options: InProcessAuthorizerOptions): Promise<InProcessAuthorizer> {
  const config = validateConfig(options.input, {});
  const auth = oauthOf(config.server);
  if (!auth) throw new TypeError('inProcessAuthorizer: the configuration does not log in');
  const logged: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => logged.push(chunk.toString()));
  const logger: Logger = createLogger({ level: 'debug', stream });
  const runtime: Runtime = {
    ...processRuntime(),
    now: options.clock.now,
    env: {},
    stderr: stream,
    prompt: (text) => logged.push(text),
    // The callback is waited for after the opener returns: drive the login without awaiting it here.
    openBrowser:
      options.openBrowser ??
      (async (url) => {
        void driveLogin(url, options.login).catch((error: unknown) => logged.push(`scripted login failed: ${String(error)}\n`));
      }),
    ...(options.interactiveLogins ? { interactiveLogins: options.interactiveLogins } : {}),
  };
  const fetches = await chooseFetches(config, logger, runtime);
  const authorizer = await createAuthorizer({ server: config.server, auth, log: logger, oauthFetch: fetches.oauth, runtime, ...(options.webCallback ? { webCallback: options.webCallback } : {}) });
  return {
    authorizer,
    config,
    loginNow: (o = {}) => authorizer.loginNow({ ...o, probe: () => initializeProbe(config.server, fetches.upstream) }),
    async accepted(token) {
      const response = await initializeProbe({ ...config.server, headers: token ? { authorization: `Bearer ${token}` } : {} }, globalThis.fetch);
      return response.status === 200;
    },
    log: () => logged.join(''),
  };
}
