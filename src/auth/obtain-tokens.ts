/**
 * Obtains new tokens by a grant, as the grants table (grants.ts) says: a user's login in the browser
 * (authorization code + PKCE, login.ts) or on another device (RFC 8628, device-login.ts), or a machine's tokens
 * with no user — client credentials (SEP-1046) or cross-app access (SEP-990). The Authorizer calls
 * {@link obtainTokens} under its lock and stores what it returns.
 */
import type { TokenEndpointResponse } from 'oauth4webapi';
import { BridgeError, ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { registrationKey, type CredentialStore, type LoginGrant } from '../store/index.js';
import type { BrowserOpener } from './browser.js';
import type { CallbackHub } from './web-callback/hub.js';
import { bindCallback, type BoundCallback, type CallbackOptions } from './callback-address.js';
import { requestClientCredentials } from './client-credentials.js';
import type { ClientKey } from './client-key.js';
import { DEVICE_REGISTRATION_URI, preRegisteredClient, resolveClient, type ResolvedClient } from './client.js';
import { runCrossAppAccess, type EnterpriseIdp } from './cross-app-access.js';
import { runDeviceLogin } from './device-login.js';
import type { AuthContext } from './discovery-context.js';
import { GRANTS } from './grants.js';
import { describeJwtSource } from './grants/jwt-source.js';
import { runWorkloadIdentity, workloadClient, type WorkloadToken } from './grants/workload-identity.js';
import { runLogin, type LoginResult } from './login.js';
import { OAuthError, oauthErrorCode } from './oauth-errors.js';
import type { OAuthHttp } from './oauth-http.js';

/** The options a grant runs with (the Authorizer's, as far as grants go). */
export interface GrantConfig extends CallbackOptions {
  serverUrl: URL;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  clientKey?: ClientKey | undefined;
  clientMetadataUrl?: string | undefined;
  enterpriseIdp?: EnterpriseIdp | undefined;
  workloadToken?: WorkloadToken | undefined;
  extraParams: Record<string, string>;
  authTimeoutMs: number;
  opener: BrowserOpener | undefined;
  /** Shows the user the login URL or a device login's code. Default: stderr. */
  prompt?: ((text: string) => void) | undefined;
  /** `serve`: the shared callback endpoint and the user (authorizer-options.ts). */
  webCallback?: { hub: CallbackHub; owner: string } | undefined;
  http: OAuthHttp;
  now: () => number;
}

/** Options for {@link obtainTokens}. */
export interface ObtainOptions {
  grant: LoginGrant;
  config: GrantConfig;
  ctx: AuthContext;
  scopes: string[];
  /** The RFC 8707 resource to send, if any. */
  resource: string | undefined;
  store: CredentialStore;
  logger: Logger;
  /** Whether no login has used this client id yet (a stored registration is then checked before the browser opens). */
  neverUsed: (clientId: string) => Promise<boolean>;
  /** The URL of the login under way (the browser's, or the device login's page), and undefined when it ends. */
  onPending: (url: string | undefined) => void;
}

/** What a grant obtained. */
export interface Obtained {
  tokens: TokenEndpointResponse;
  clientId: string;
  source: ResolvedClient['source'];
  /** The redirect URI the client used (a device login's registration URI); none for a machine's grant. */
  redirectUri: string | undefined;
  /** Who logged in, when the ID token said. */
  account: string | undefined;
  /** How, for the log line: "… as <account> on another device", "… with the client credentials of <id>". */
  how: string;
}

/** Runs the grant's module (grants.ts `obtainBy`). */
export function obtainTokens(o: ObtainOptions): Promise<Obtained> {
  return GRANTS[o.grant].user ? userLogin(o) : machineTokens(o);
}

/** Where a browser login's response arrives: serve's shared endpoint for its user, else a loopback server. */
async function callbackFor(config: ObtainOptions['config'], issuer: string, resource: string, logger: Logger): Promise<BoundCallback> {
  const web = config.webCallback;
  if (!web) return bindCallback({ ...config, logger }, issuer, resource);
  if (!config.redirectUrl) throw new BridgeError(ErrorCode.Internal, 'a web callback needs its redirect URL');
  return { server: web.hub.sink(web.owner), redirectUri: config.redirectUrl };
}

/** A user's login: in the browser (authorization code + PKCE) or on another device (RFC 8628). */
async function userLogin(o: ObtainOptions): Promise<Obtained> {
  const { ctx, config, store, logger } = o;
  const device = GRANTS[o.grant].obtainBy === 'device-login';
  for (let attempt = 0; ; attempt++) {
    const bound = device ? undefined : await callbackFor(config, ctx.as.issuer, ctx.resource, logger);
    const redirectUri = bound?.redirectUri ?? DEVICE_REGISTRATION_URI;
    let client: ResolvedClient | undefined;
    try {
      client = await resolveClient({
        as: ctx.as,
        redirectUri,
        scopes: o.scopes,
        registerScopes: ctx.scopesSupported ?? [],
        // A device login finds out itself: its first request is refused with invalid_client (then: register again).
        ...(device ? {} : { verifyStored: o.neverUsed }),
        ...(config.clientId ? { clientId: config.clientId } : {}),
        ...(config.clientSecret ? { clientSecret: config.clientSecret } : {}),
        ...(config.clientKey ? { clientKey: config.clientKey } : {}),
        ...(config.clientMetadataUrl ? { clientMetadataUrl: config.clientMetadataUrl } : {}),
        store,
        http: config.http,
        now: config.now,
        logger,
      });
      const prompt = config.prompt;
      const common = {
        as: ctx.as,
        client,
        scopes: o.scopes,
        resource: o.resource,
        timeoutMs: config.authTimeoutMs,
        http: config.http,
        logger,
        serverLabel: config.serverUrl.host,
      };
      const login: Promise<LoginResult> = bound
        ? runLogin({ ...common, redirectUri, callback: bound.server, extraParams: config.extraParams, opener: config.opener, onUrl: o.onPending, ...(prompt ? { print: prompt } : {}) })
        : runDeviceLogin({ ...common, onPrompt: (p) => o.onPending(p.verificationUriComplete ?? p.verificationUri), ...(prompt ? { out: { write: prompt } } : {}) });
      const { tokens, account } = await login.finally(() => o.onPending(undefined));
      const how = `${account ? ` as ${account}` : ''}${device ? ' on another device' : ''}`;
      return { tokens, clientId: client.client.client_id, source: client.source, redirectUri, account, how };
    } catch (error) {
      const code = oauthErrorCode((error as { cause?: unknown }).cause);
      const registration = registrationKey({ issuer: ctx.as.issuer, redirectUri });
      if (code === OAuthError.InvalidClient && client?.registeredNow) {
        // Registering again would be refused the same way, after another login: say so instead.
        throw new BridgeError(ErrorCode.Auth, `the authorization server ${ctx.as.issuer} refused the client it registered moments ago (invalid_client)`, {
          cause: error,
          hint: 'the server does not accept its own registrations from this client; register a client with the provider yourself and pass --client-id',
        });
      }
      if (attempt === 0 && code === OAuthError.InvalidClient && !config.clientId && !config.clientMetadataUrl && (await store.deleteRegistration(registration))) {
        logger.info('the authorization server no longer knows this client; registering again');
        continue;
      }
      // No login URL here: the login has ended and its callback is closed, so the link would be dead.
      throw error;
    } finally {
      bound?.server.close();
    }
  }
}

/**
 * A machine's tokens, with no user: client credentials (SEP-1046), cross-app access (SEP-990) or workload identity
 * (SEP-1933), as the pre-registered client (a workload may have none). Stored like a login; the client secret or
 * key never is.
 */
async function machineTokens(o: ObtainOptions): Promise<Obtained> {
  const { ctx, config, logger } = o;
  const by = GRANTS[o.grant].obtainBy;
  const client = config.clientId
    ? await preRegisteredClient(ctx.as, config.clientId, {
        ...(config.clientSecret ? { secret: config.clientSecret } : {}),
        ...(config.clientKey ? { key: config.clientKey } : {}),
      })
    : undefined;
  logger.secret(config.clientSecret);
  const { http } = config;
  const base = { as: ctx.as, scopes: o.scopes, resource: o.resource, http, logger };
  if (by === 'workload-identity') {
    const tokens = await runWorkloadIdentity({ ...base, client, source: config.workloadToken!, now: config.now });
    const clientId = workloadClient(client).client.client_id;
    return { tokens, clientId, source: 'pre-registered', redirectUri: undefined, account: undefined, how: ` with the workload identity token from ${describeJwtSource(config.workloadToken!)}` };
  }
  const clientId = config.clientId!;
  const credentials = by === 'client-credentials';
  const tokens = credentials ? await requestClientCredentials({ ...base, client: client! }) : await runCrossAppAccess({ ...base, client: client!, idp: config.enterpriseIdp!, now: config.now });
  const how = credentials ? ` with the client credentials of ${clientId}` : ` through cross-app access from ${config.enterpriseIdp!.issuer}`;
  return { tokens, clientId, source: 'pre-registered', redirectUri: undefined, account: undefined, how };
}
