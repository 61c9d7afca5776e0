/**
 * The interactive login: authorization code + PKCE S256 + `state` + `resource` (RFC 8707), through the user's
 * browser and an already-bound {@link CallbackServer}. The callback's `iss` is checked first (RFC 9207,
 * response-issuer.ts: before its code or its error is used), then oauth4webapi validates the rest (state, `error=`);
 * the code is exchanged before the browser gets its page, so the page tells the real outcome.
 */
import {
  AuthorizationResponseError,
  authorizationCodeGrantRequest,
  calculatePKCECodeChallenge,
  generateRandomCodeVerifier,
  generateRandomState,
  getValidatedIdTokenClaims,
  processAuthorizationCodeResponse,
  validateAuthResponse,
  type AuthorizationServer,
  type TokenEndpointResponse,
} from 'oauth4webapi';
import { BridgeError, ErrorCode, isBridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { BrowserOpener } from './browser.js';
import type { CallbackVerdict } from './callback-server.js';
import type { CallbackSink } from './callback-sink.js';
import type { ResolvedClient } from './client.js';
import { describeOAuthError, OAuthError } from './oauth-errors.js';
import { checkResponseIssuer } from './response-issuer.js';
import { withDPoPNonce } from './dpop/nonce-retry.js';
import { tokenRequestOptions, type OAuthHttp } from './oauth-http.js';
import { checkServerUrl, checkUrlLength } from './url-policy.js';

/** Options for {@link runLogin}. */
export interface LoginOptions {
  as: AuthorizationServer;
  client: ResolvedClient;
  redirectUri: string;
  /** Where the authorization response arrives (the loopback server, or serve's shared endpoint). */
  callback: CallbackSink;
  scopes: string[];
  /** RFC 8707 resource indicator; omitted with `--no-resource`. */
  resource: string | undefined;
  /** Extra authorization request parameters (`--authorize-param`); reserved names were refused by the CLI. */
  extraParams: Record<string, string>;
  /** Opens the URL; undefined prints it only (`--no-browser`). */
  opener: BrowserOpener | undefined;
  timeoutMs: number;
  http: OAuthHttp;
  logger: Logger;
  /** Shown to the user: which server the login is for. */
  serverLabel: string;
  /** Shows the user the login URL; it is always shown, whatever the log level. Default: stderr. */
  print?: (text: string) => void;
  /** Receives the authorization URL as soon as it is known (for progress displays and error messages). */
  onUrl?: (url: string) => void;
  signal?: AbortSignal;
}

/** The outcome of a login. */
export interface LoginResult {
  tokens: TokenEndpointResponse;
  /** Who logged in, when the ID token says (email, preferred_username or sub). */
  account: string | undefined;
}

/** Builds the authorization URL (exported for tests and for `login --print-url` style displays). */
export function authorizationUrl(options: {
  as: AuthorizationServer;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  state: string;
  scopes: string[];
  resource: string | undefined;
  extraParams: Record<string, string>;
  policy: OAuthHttp['policy'];
}): URL {
  const url = checkServerUrl(options.as.authorization_endpoint, 'authorization_endpoint', options.policy);
  const p = url.searchParams;
  for (const [k, v] of Object.entries(options.extraParams)) p.set(k, v);
  p.set('response_type', 'code');
  p.set('client_id', options.clientId);
  p.set('redirect_uri', options.redirectUri);
  p.set('code_challenge', options.codeChallenge);
  p.set('code_challenge_method', 'S256');
  p.set('state', options.state);
  if (options.scopes.length) p.set('scope', options.scopes.join(' '));
  if (options.resource) p.set('resource', options.resource);
  checkUrlLength(url.href, 'authorization URL');
  return url;
}

/** Who logged in, from a validated ID token in `tokens` (email, preferred_username, name or sub), if any. */
export function accountOf(tokens: TokenEndpointResponse): string | undefined {
  const claims = tokens.id_token ? getValidatedIdTokenClaims(tokens) : undefined;
  if (!claims) return undefined;
  for (const k of ['email', 'preferred_username', 'name', 'sub']) {
    const v = claims[k];
    if (typeof v === 'string' && v) return v;
  }
  return undefined;
}

/** What to do when no browser can be opened here: the device flow when the server offers it, else port forwarding. */
export function noBrowserHint(as: AuthorizationServer): string {
  const forward = 'open the printed URL on a machine with a browser and forward the callback port (--callback-port 28000, ssh -L 28000:127.0.0.1:28000 <host>)';
  return as.device_authorization_endpoint
    ? `this machine has no usable browser: run with --device-code (the server supports it) to log in on another device, or ${forward}`
    : `this machine has no usable browser: ${forward}`;
}

/** Runs the login; see the module comment. */
export async function runLogin(o: LoginOptions): Promise<LoginResult> {
  const verifier = generateRandomCodeVerifier();
  const state = generateRandomState();
  o.logger.secret(verifier);
  o.callback.expect?.(state);
  const url = authorizationUrl({
    as: o.as,
    clientId: o.client.client.client_id,
    redirectUri: o.redirectUri,
    codeChallenge: await calculatePKCECodeChallenge(verifier),
    state,
    scopes: o.scopes,
    resource: o.resource,
    extraParams: o.extraParams,
    policy: o.http.policy,
  });
  o.onUrl?.(url.href);
  (o.print ?? ((text) => process.stderr.write(text)))(`\nmcp-auth-bridge: log in to ${o.serverLabel} in your browser:\n  ${url.href}\n\n`);
  let openFailed: string | undefined;
  if (o.opener) {
    await o.opener(url.href).catch((error: unknown) => {
      openFailed = (error as Error).message;
      const device = o.as.device_authorization_endpoint ? '; on a machine without a browser, run with --device-code instead' : '';
      o.logger.warn(`could not open a browser (${openFailed}); open the URL above yourself${device}`);
    });
  }
  /** Whether the browser ever came back with this login's state (then the user had a browser after all). */
  let answered = false;

  let result: LoginResult | undefined;
  const handle = async (params: URLSearchParams): Promise<CallbackVerdict> => {
    if (params.get('state') !== state) {
      o.logger.warn('ignored a login callback that does not belong to this login (state mismatch)');
      return {
        done: false,
        page: { ok: false, title: 'Not this login', lines: ['This response does not belong to the login in progress (its state does not match).', 'If you started a new login, finish it in its own tab.'] },
      };
    }
    answered = true;
    const refused = checkResponseIssuer(o.as, params);
    if (refused) {
      return {
        done: true,
        page: { ok: false, title: 'Login refused', lines: ['The response did not come from the expected authorization server, so it was not used.', 'Close this tab and try again.'] },
        result: { ok: false, error: refused.error },
      };
    }
    let validated: URLSearchParams;
    try {
      validated = validateAuthResponse(o.as, o.client.client, params, state);
    } catch (error) {
      if (error instanceof AuthorizationResponseError) {
        const denied = error.error === OAuthError.AccessDenied;
        return {
          done: true,
          page: {
            ok: false,
            title: denied ? 'Login declined' : 'Login failed',
            lines: denied
              ? [`Access to ${o.serverLabel} was not granted.`, 'Start the login again from your MCP client if this was a mistake.']
              : [`The authorization server answered: ${error.error}.`, 'Close this tab and try again; if it keeps failing, contact the server operator.'],
          },
          result: {
            ok: false,
            error: new BridgeError(ErrorCode.Auth, `the authorization server refused the login: ${describeOAuthError(error)}`, {
              cause: error,
              hint: denied ? 'access was declined in the browser; start the login again to retry' : undefined,
            }),
          },
        };
      }
      return {
        done: true,
        page: { ok: false, title: 'Login refused', lines: ['The response did not come from the expected authorization server, so it was not used.', 'Close this tab and try again.'] },
        result: {
          ok: false,
          error: new BridgeError(ErrorCode.Auth, `refused the login response: ${(error as Error).message}`, { cause: error }),
        },
      };
    }
    const code = validated.get('code');
    o.logger.secret(code ?? undefined);
    let tokens: TokenEndpointResponse;
    try {
      // With DPoP, once more after a use_dpop_nonce refusal (the code is not spent by it, RFC 9449 §8).
      tokens = await withDPoPNonce(!!o.http.dpop, async () => {
        const response = await authorizationCodeGrantRequest(o.as, o.client.client, o.client.auth, validated, o.redirectUri, verifier, {
          ...tokenRequestOptions(o.http, new URL(o.as.token_endpoint!)),
          ...(o.resource ? { additionalParameters: { resource: o.resource } } : {}),
        });
        return processAuthorizationCodeResponse(o.as, o.client.client, response);
      });
    } catch (error) {
      return {
        done: true,
        page: { ok: false, title: 'Login failed', lines: ['The authorization server did not issue tokens.', 'Close this tab and try again.'] },
        result: { ok: false, error: new BridgeError(ErrorCode.Auth, `the token exchange failed: ${describeOAuthError(error)}`, { cause: error }) },
      };
    }
    o.logger.secret(tokens.access_token);
    o.logger.secret(tokens.refresh_token);
    o.logger.secret(tokens.id_token);
    const account = accountOf(tokens);
    result = { tokens, account };
    return {
      done: true,
      page: {
        ok: true,
        title: 'Logged in',
        lines: [`mcp-auth-bridge is now connected to ${o.serverLabel}${account ? ` as ${account}` : ''}.`, 'You can close this tab.'],
      },
      result: { ok: true },
    };
  };

  try {
    await o.callback.wait(handle, o.timeoutMs, o.signal);
  } catch (error) {
    if (openFailed !== undefined && !answered && isBridgeError(error)) {
      throw new BridgeError(error.code, `${error.message} (no browser could be opened: ${openFailed})`, {
        cause: error.cause,
        hint: noBrowserHint(o.as),
      });
    }
    throw error;
  }
  if (!result) throw new BridgeError(ErrorCode.Internal, 'the login ended without tokens');
  return result;
}
