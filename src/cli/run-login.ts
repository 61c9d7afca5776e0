/**
 * `mcp-auth-bridge login <url>`: discovery and the login now (browser, device code, client credentials or cross-app
 * access, as the options say), so a server can be added to a client already logged in. Reports who is logged in and
 * until when (stdout); progress, the login URL and a device login's code go to stderr.
 */
import type { LoginSummary } from '../auth/authorizer.js';
import { isMachineGrant } from '../auth/grants.js';
import { BridgeError, ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { chooseFetches, createAuthorizer } from './auth-wiring.js';
import { ExitCode } from './exit-codes.js';
import { initializeProbe } from './probe.js';
import { ProgressLine } from './progress-line.js';
import type { Runtime } from '../config/runtime.js';
import { oauthOf, type Config } from '../config/types.js';

/** Options for {@link runLoginCommand}. */
export interface LoginCommandOptions {
  config: Config;
  force: boolean;
  logger: Logger;
  /** The outside world (config/runtime.ts); the report goes to its stdout. */
  runtime: Runtime;
  /**
   * The progress line, shown only on a terminal. Default: one on the runtime's stderr. Give the logger its
   * `passthrough` as stream, so log lines clear it first.
   */
  progress?: ProgressLine;
  /** Told the HTTP status of the unauthenticated request that asked the server for its challenge, when one was sent. */
  onProbeStatus?: (status: number) => void;
}

/** Formats an expiry for people: the local time and how far away it is. */
export function describeExpiry(expiresAt: number | undefined, now: number): string {
  if (expiresAt === undefined) return 'no expiry given';
  const minutes = Math.round((expiresAt - now) / 60_000);
  const when = new Date(expiresAt).toLocaleString();
  if (expiresAt <= now) return `expired ${when}`;
  return minutes < 1 ? `until ${when} (less than a minute)` : minutes < 120 ? `until ${when} (${minutes} min)` : `until ${when} (${Math.round(minutes / 60)} h)`;
}

/** How a client id was obtained, in words (the same in `login` and `status`). */
export function describeClientSource(source: string): string {
  return source === 'dynamic' ? 'dynamic registration' : source === 'metadata-document' ? 'metadata document' : 'pre-registered';
}

/**
 * Logs in to the server of `o.config` as `login <url>` does (a stored login that is still good is reused unless
 * `force`), showing the progress line while the user acts, and returns what was stored.
 * @throws BridgeError when the configuration has nothing to log in to, or the login fails
 */
export async function loginToServer(o: LoginCommandOptions): Promise<LoginSummary> {
  const { runtime } = o;
  const config = o.config.server;
  const auth = oauthOf(config);
  if (!auth) {
    throw new BridgeError(ErrorCode.Usage, 'login: an Authorization header is set with --header, so there is nothing to log in to', {
      hint: 'drop the Authorization header to let the bridge log in',
    });
  }
  const now = runtime.now;
  const fetches = await chooseFetches(o.config, o.logger, runtime);
  const authorizer = await createAuthorizer({ server: config, auth, log: o.logger, oauthFetch: fetches.oauth, runtime });
  const progress = o.progress ?? new ProgressLine(runtime.stderr);
  const started = now();
  const timer = progress.enabled
    ? runtime.timers.setInterval(() => {
        if (!authorizer.pendingLoginUrl) return;
        const seconds = Math.round((now() - started) / 1000);
        progress.show(`waiting for the login ${auth.grant === 'device_code' ? 'on your other device' : 'in your browser'}: ${seconds} s (Ctrl-C to cancel)`);
      }, 1000)
    : undefined;
  try {
    const probe = async () => {
      const response = await initializeProbe(config, fetches.upstream);
      o.onProbeStatus?.(response.status);
      return response;
    };
    return await authorizer.loginNow({ force: o.force, probe });
  } finally {
    if (timer) runtime.timers.clearInterval(timer);
    progress.clear();
  }
}

/** How the login's tokens are renewed, in words (`, refreshed automatically`). */
export function describeRenewal(summary: LoginSummary): string {
  if (summary.hasRefreshToken) return ', refreshed automatically';
  if (isMachineGrant(summary.grant)) return `, requested again automatically (${summary.grant === 'client_credentials' ? 'client credentials' : 'cross-app access'})`;
  return ', no refresh token: log in again when it expires';
}

/** Runs `login`. */
export async function runLoginCommand(o: LoginCommandOptions): Promise<ExitCode> {
  const summary = await loginToServer(o);
  const now = o.runtime.now;
  const who = summary.account ? ` as ${summary.account}` : '';
  o.runtime.stdout.write(
    `${summary.reused ? 'Already logged in' : 'Logged in'} to ${summary.serverUrl}${who}\n` +
      `  issuer:   ${summary.issuer}\n` +
      `  client:   ${summary.clientId} (${describeClientSource(summary.clientIdSource)})\n` +
      `  scopes:   ${summary.scopes.join(' ') || '(none)'}\n` +
      `  access:   ${describeExpiry(summary.expiresAt, now())}${describeRenewal(summary)}\n` +
      `  stored:   ${summary.store === 'keychain' ? 'OS keychain' : 'files (0600)'}\n`,
  );
  return ExitCode.Ok;
}
