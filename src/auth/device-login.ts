/**
 * The device authorization grant (RFC 8628), for machines without a browser (`--device-code`): ask the
 * authorization server for a device code and a user code (§3.1, with `scope` and the RFC 8707 `resource`), tell the
 * user where to enter the code (stderr), then poll the token endpoint politely (§3.4–3.5): every `interval` seconds
 * (5 when the server names none), 5 s slower after each `slow_down`, until tokens arrive, the user declines
 * (`access_denied`), the code expires (`expired_token` or its `expires_in`), or `--auth-timeout` passes.
 *
 * Split like oauth4webapi: {@link deviceAuthorizationRequest} / {@link processDeviceAuthorization} for the first
 * step, {@link pollDeviceToken} for the second, and {@link runDeviceLogin} for both.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import {
  deviceAuthorizationRequest as oauthDeviceAuthorizationRequest,
  deviceCodeGrantRequest,
  processDeviceAuthorizationResponse,
  processDeviceCodeResponse,
  type AuthorizationServer,
  type TokenEndpointResponse,
} from 'oauth4webapi';
import { BridgeError, ErrorCode, isBridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import { DEVICE_CODE_GRANT, type ResolvedClient } from './client.js';
import { describeOAuthError, OAuthError, oauthErrorCode } from './oauth-errors.js';
import { accountOf, type LoginResult } from './login.js';
import { isNonceRefusal } from './dpop/nonce-retry.js';
import { oauthOptions, tokenRequestOptions, type OAuthHttp } from './oauth-http.js';
import { checkServerUrl, type UrlPolicy } from './url-policy.js';

/** RFC 8628 §3.2: the polling interval when the server names none. */
export const DEFAULT_DEVICE_INTERVAL_S = 5;
/** RFC 8628 §3.5: what each `slow_down` adds to the interval. */
export const SLOW_DOWN_STEP_S = 5;
/** Transport failures in a row (server unreachable while polling) before giving up. */
const MAX_POLL_FAILURES = 3;

/** What the user is told: where to go and which code to enter. */
export interface DevicePrompt {
  verificationUri: string;
  /** The same page with the code filled in, when the server offers one. */
  verificationUriComplete?: string;
  userCode: string;
  /** When the codes expire, epoch ms. */
  expiresAt: number;
}

/** A validated device authorization response (RFC 8628 §3.2). `deviceCode` is a secret. */
export interface DeviceAuthorization extends DevicePrompt {
  deviceCode: string;
  /** Seconds between polls, as the server asked (or {@link DEFAULT_DEVICE_INTERVAL_S}). */
  intervalS: number;
}

/** Refuses an authorization server without a device authorization endpoint, saying what to do instead. */
export function assertDeviceFlowSupported(as: AuthorizationServer): void {
  if (!as.device_authorization_endpoint) {
    throw new BridgeError(ErrorCode.Auth, `the authorization server ${as.issuer} does not support the device authorization grant (RFC 8628): its metadata names no device_authorization_endpoint`, {
      hint: 'log in with a browser instead (drop --device-code); on a machine without one, use --no-browser --callback-port 28000 and forward that port: ssh -L 28000:127.0.0.1:28000 <host>',
    });
  }
}

/** Options for {@link deviceAuthorizationRequest}. */
export interface DeviceAuthorizationRequestOptions {
  as: AuthorizationServer;
  client: ResolvedClient;
  scopes: string[];
  /** RFC 8707 resource indicator; omitted with `--no-resource`. */
  resource: string | undefined;
  http: OAuthHttp;
}

/** RFC 8628 §3.1: asks for a device code and a user code. Resolves with the raw response. */
export function deviceAuthorizationRequest(o: DeviceAuthorizationRequestOptions): Promise<Response> {
  assertDeviceFlowSupported(o.as);
  const params = new URLSearchParams();
  if (o.scopes.length) params.set('scope', o.scopes.join(' '));
  if (o.resource) params.set('resource', o.resource);
  return oauthDeviceAuthorizationRequest(o.as, o.client.client, o.client.auth, params, oauthOptions(o.http, new URL(o.as.device_authorization_endpoint!)));
}

// A user code is shown on a terminal: printable ASCII only, so a hostile server cannot send escape sequences.
const USER_CODE = /^[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?$/;

/**
 * Validates a device authorization response (oauth4webapi, then the URLs against the URL policy and the user code
 * against what a terminal may safely print).
 * @throws BridgeError `AUTH` with the server's error code, or naming what was refused
 */
export async function processDeviceAuthorization(
  as: AuthorizationServer,
  client: ResolvedClient,
  response: Response,
  policy: UrlPolicy,
  now: number,
): Promise<DeviceAuthorization> {
  let body: Awaited<ReturnType<typeof processDeviceAuthorizationResponse>>;
  try {
    body = await processDeviceAuthorizationResponse(as, client.client, response);
  } catch (error) {
    const code = oauthErrorCode(error);
    throw new BridgeError(ErrorCode.Auth, `the authorization server refused to start a device login: ${describeOAuthError(error)}`, {
      cause: error,
      hint:
        code === OAuthError.UnauthorizedClient || code === OAuthError.InvalidClient
          ? `the client ${client.client.client_id} may not use the device authorization grant; register one that may (grant type ${DEVICE_CODE_GRANT}) or log in with a browser`
          : code === OAuthError.InvalidScope
            ? 'pass scopes the server accepts with --scopes'
            : undefined,
    });
  }
  const verificationUri = checkServerUrl(body.verification_uri, 'verification_uri', policy).href;
  const complete = body.verification_uri_complete === undefined ? undefined : checkServerUrl(body.verification_uri_complete, 'verification_uri_complete', policy).href;
  if (!USER_CODE.test(body.user_code)) {
    throw new BridgeError(ErrorCode.Auth, 'refused the device login: the user code has characters that cannot be shown safely', {
      hint: 'the server metadata looks malformed or hostile; contact the server operator',
    });
  }
  const interval = typeof body.interval === 'number' && body.interval > 0 ? Math.max(1, body.interval) : DEFAULT_DEVICE_INTERVAL_S;
  return {
    deviceCode: body.device_code,
    userCode: body.user_code,
    verificationUri,
    ...(complete ? { verificationUriComplete: complete } : {}),
    expiresAt: now + body.expires_in * 1000,
    intervalS: interval,
  };
}

/** Options for {@link pollDeviceToken}. */
export interface PollDeviceTokenOptions {
  as: AuthorizationServer;
  client: ResolvedClient;
  authorization: DeviceAuthorization;
  /** RFC 8707 resource indicator, sent again with the token request; omitted with `--no-resource`. */
  resource: string | undefined;
  /** Give up after this long (`--auth-timeout`), or when the codes expire, whichever is first. */
  timeoutMs: number;
  http: OAuthHttp;
  logger: Logger;
  signal?: AbortSignal;
  now?: () => number;
  /** Waits `ms`; default a timer (tests may speed it up). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<unknown>;
}

/**
 * RFC 8628 §3.4–3.5: polls the token endpoint until the user has approved (tokens), declined or let the code
 * expire (errors). Waits `interval` before every poll; `slow_down` adds 5 s for the rest of the login.
 * @throws BridgeError `AUTH`: declined, expired, timed out, or the server refused for another reason
 */
export async function pollDeviceToken(o: PollDeviceTokenOptions): Promise<TokenEndpointResponse> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number, signal?: AbortSignal) => sleepFor(ms, undefined, signal ? { signal } : {}));
  const a = o.authorization;
  const started = now();
  // `--auth-timeout 0`: no limit of ours; the device code's own expiry still ends the login.
  const deadline = o.timeoutMs > 0 ? Math.min(a.expiresAt, started + o.timeoutMs) : a.expiresAt;
  let intervalMs = a.intervalS * 1000;
  let failures = 0;
  const where = a.verificationUriComplete ?? a.verificationUri;
  // Bounded: every round waits at least the interval (≥ 1 s), and the deadline ends the loop.
  for (;;) {
    const left = deadline - now();
    if (left < intervalMs) {
      await sleep(Math.max(0, left), o.signal);
      break;
    }
    await sleep(intervalMs, o.signal);
    let response: Response;
    try {
      response = await deviceCodeGrantRequest(o.as, o.client.client, o.client.auth, a.deviceCode, {
        ...tokenRequestOptions(o.http, new URL(o.as.token_endpoint!)),
        ...(o.resource ? { additionalParameters: { resource: o.resource } } : {}),
      });
    } catch (error) {
      if (isBridgeError(error) || ++failures >= MAX_POLL_FAILURES) {
        throw new BridgeError(ErrorCode.Auth, `cannot reach the token endpoint of ${o.as.issuer} to finish the device login`, { cause: error });
      }
      o.logger.warn(`polling for the device login failed (${(error as Error).message}); trying again`);
      continue;
    }
    failures = 0;
    try {
      return await processDeviceCodeResponse(o.as, o.client.client, response);
    } catch (error) {
      const code = oauthErrorCode(error);
      // A DPoP nonce refusal (RFC 9449 §8): the next poll's proof carries the nonce.
      if (code === OAuthError.AuthorizationPending || (o.http.dpop && isNonceRefusal(error))) continue;
      if (code === OAuthError.SlowDown) {
        intervalMs += SLOW_DOWN_STEP_S * 1000;
        o.logger.debug(`the authorization server asked to poll more slowly; now every ${intervalMs / 1000} s`);
        continue;
      }
      if (code === OAuthError.AccessDenied) {
        throw new BridgeError(ErrorCode.Auth, 'the device login was declined', { cause: error, hint: 'access was declined on the login page; start the login again to retry' });
      }
      if (code === OAuthError.ExpiredToken) {
        throw new BridgeError(ErrorCode.Auth, `the device code expired before the login at ${where} was completed`, {
          cause: error,
          hint: 'start the login again and enter the new code sooner',
        });
      }
      throw new BridgeError(ErrorCode.Auth, `the device login failed: ${describeOAuthError(error)}`, { cause: error });
    }
  }
  const expired = a.expiresAt <= deadline;
  throw new BridgeError(ErrorCode.Auth, expired ? `the device code expired before the login at ${where} was completed` : `the device login at ${where} was not completed within ${Math.round(o.timeoutMs / 1000)} s`, {
    hint: expired ? 'start the login again and enter the new code sooner' : `enter the code ${a.userCode} there in time, or raise --auth-timeout`,
  });
}

/** Options for {@link runDeviceLogin}. */
export interface DeviceLoginOptions extends DeviceAuthorizationRequestOptions {
  timeoutMs: number;
  logger: Logger;
  /** Shown to the user: which server the login is for. */
  serverLabel: string;
  /** Receives the prompt as soon as it is known (progress displays and error messages). */
  onPrompt?: (prompt: DevicePrompt) => void;
  /** Where the instructions are written. Default stderr (stdout belongs to MCP). */
  out?: { write(text: string): unknown };
  signal?: AbortSignal;
  now?: () => number;
  sleep?: PollDeviceTokenOptions['sleep'];
}

function describeDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

/** The instructions for the user, as printed on stderr. */
export function formatDevicePrompt(prompt: DevicePrompt, serverLabel: string, now: number): string {
  const complete = prompt.verificationUriComplete && prompt.verificationUriComplete !== prompt.verificationUri ? `or open ${prompt.verificationUriComplete} (the code is filled in); ` : '';
  return (
    `\nmcp-auth-bridge: to log in to ${serverLabel}, open ${prompt.verificationUri} on any device and enter the code ${prompt.userCode}\n` +
    `  (${complete}the code expires in ${describeDuration(prompt.expiresAt - now)})\n\n`
  );
}

/** Runs the device login; see the module comment. */
export async function runDeviceLogin(o: DeviceLoginOptions): Promise<LoginResult> {
  const now = o.now ?? Date.now;
  let response: Response;
  try {
    response = await deviceAuthorizationRequest(o);
  } catch (error) {
    if (isBridgeError(error)) throw error;
    throw new BridgeError(ErrorCode.Auth, `cannot send the device authorization request to ${o.as.issuer}: ${(error as Error).message}`, { cause: error });
  }
  const authorization = await processDeviceAuthorization(o.as, o.client, response, o.http.policy, now());
  o.logger.secret(authorization.deviceCode);
  o.onPrompt?.(authorization);
  (o.out ?? process.stderr).write(formatDevicePrompt(authorization, o.serverLabel, now()));
  const tokens = await pollDeviceToken({
    as: o.as,
    client: o.client,
    authorization,
    resource: o.resource,
    timeoutMs: o.timeoutMs,
    http: o.http,
    logger: o.logger,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.now ? { now: o.now } : {}),
    ...(o.sleep ? { sleep: o.sleep } : {}),
  });
  o.logger.secret(tokens.access_token);
  o.logger.secret(tokens.refresh_token);
  o.logger.secret(tokens.id_token);
  return { tokens, account: accountOf(tokens) };
}
