/**
 * `mcp-auth-bridge doctor <url>`: a step-by-step diagnosis of everything between the client and a working
 * session — reaching the server, its transport, its 401 challenge, protected-resource and authorization-server
 * metadata, PKCE, how a client id would be obtained, the credential store, the callback port, stored logins. Each
 * step prints ✓ or ✗ with the fix (a step that passes may add a note, e.g. that files are used because the keychain
 * is locked); the exit code is 0 only when every step passes.
 */
import { createServer } from 'node:net';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { AuthorizationServer } from 'oauth4webapi';
import type { RefusalEvidence } from '../auth/unadvertised-auth.js';
import type { KeychainFallback } from '../store/index.js';
import { GRANTS } from '../auth/grants.js';
import { bridgeLoginCriteria, selectLogins } from '../auth/stored-logins.js';
import { connectError } from '../net/connect-error.js';
import { describeError, isBridgeError } from '../errors.js';
import { type Logger, terminalSafe } from '../log.js';
import { chooseFetches, storedLoginsFor } from './auth-wiring.js';
import { ExitCode } from './exit-codes.js';
import { initializeProbe, type ProbeResponse } from './probe.js';
import { describeModernRefusal, describeRememberedEra, rememberedEra } from './era-report.js';
import { resolveConfigDir } from '../store/paths.js';
import { describeExpiry } from './run-login.js';
import type { Runtime } from '../config/runtime.js';
import { oauthOf, type Config } from '../config/types.js';

/** One diagnosed step. */
export interface DoctorStep {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do when it failed. */
  fix?: string;
  /** For a step that passed: what the user may want to know or do all the same (printed as `note:`). */
  note?: string;
}

/** Options for {@link runDoctorCommand}. */
export interface DoctorOptions {
  config: Config;
  logger: Logger;
  /** The outside world (config/runtime.ts): the network, the clock, the environment; the report goes to its stdout. */
  runtime: Runtime;
}

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function probeSse(url: URL, headers: Record<string, string>, fetch: FetchLike, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(url.href, { method: 'GET', headers: { ...headers, accept: 'text/event-stream' }, signal: AbortSignal.timeout(timeoutMs) });
    const ok = response.ok && (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
    await response.body?.cancel().catch(() => undefined);
    return ok;
  } catch {
    return false;
  }
}

/** An error's message for a ✗ line; its hint goes on the fix line, not here too. */
function errorText(error: unknown): string {
  return isBridgeError(error) ? error.message : describeError(error);
}

/**
 * `--token-store auto` with a keychain that cannot be used and no login kept in it: files are a working store (a
 * pass), but the user is told why the keychain is not used and how to use it.
 */
function keychainFallbackStep(description: string, fallback: KeychainFallback): DoctorStep {
  return {
    name: 'Credential store',
    ok: true,
    detail: `${description} (mode 0600): the OS keychain is locked or unavailable (${fallback.why})`,
    note: 'files work; to keep logins in the OS keychain instead, unlock it (log in to your desktop session, or unlock the "login" keyring in your keyring manager; on Linux a Secret Service such as gnome-keyring must be running), then run doctor again',
  };
}

/** Prints `steps`, each ✓ or ✗ with its detail, and the fix of a failed one or the note of a passed one. */
export function writeSteps(out: { write(text: string): unknown }, steps: readonly DoctorStep[]): void {
  for (const s of steps) {
    // Details may quote what a server said: print them terminal-safe.
    out.write(`${s.ok ? '✓' : '✗'} ${s.name}: ${terminalSafe(s.detail)}\n`);
    if (!s.ok && s.fix) out.write(`    fix: ${terminalSafe(s.fix)}\n`);
    if (s.ok && s.note) out.write(`    note: ${terminalSafe(s.note)}\n`);
  }
}

/** Runs the diagnosis and prints it; see the module comment. */
export async function runDoctorCommand(o: DoctorOptions): Promise<ExitCode> {
  const steps = await diagnose(o);
  const out = o.runtime.stdout;
  writeSteps(out, steps);
  const failed = steps.filter((s) => !s.ok).length;
  out.write(failed ? `\n${failed} of ${steps.length} checks failed.\n` : `\nAll ${steps.length} checks passed.\n`);
  return failed ? ExitCode.Failure : ExitCode.Ok;
}

/** The steps, in order; later steps are skipped (not failed) when they cannot apply. */
export async function diagnose(o: DoctorOptions): Promise<DoctorStep[]> {
  const { runtime } = o;
  const { server: config, process: proc } = o.config;
  const env = runtime.env;
  const steps: DoctorStep[] = [];
  const now = runtime.now();
  const url = config.url;
  const timeoutMs = config.connectTimeoutMs > 0 ? config.connectTimeoutMs : 30_000;
  steps.push({ name: 'URL', ok: true, detail: `${url.origin}${url.pathname} (${url.protocol === 'https:' ? 'TLS' : 'plain http on a trusted network'})` });

  const fetches = await chooseFetches(o.config, o.logger, runtime);
  const proxyVars = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].filter((n) => env[n]);
  let probe: ProbeResponse;
  let refusal: RefusalEvidence | undefined;
  let modern: ProbeResponse['modern'];
  try {
    probe = await initializeProbe(config, fetches.upstream);
    // A 401's challenge and the start of its body are the evidence quoted when the server names no way to log in.
    if (probe.status === 401) refusal = await (await import('../auth/unadvertised-auth.js')).readRefusal(probe);
    else await probe.body?.cancel().catch(() => undefined);
    modern = probe.modern;
    steps.push({ name: 'Reach the server', ok: true, detail: `HTTP ${probe.status} to an MCP initialize${proc.useEnvProxy ? ' (through the proxy)' : ''}` });
  } catch (error) {
    const e = isBridgeError(error) ? error : connectError(url, error);
    const proxyHint = proxyVars.length && !proc.useEnvProxy ? `; ${proxyVars.join(', ')} is set: add --use-env-proxy` : '';
    steps.push({ name: 'Reach the server', ok: false, detail: e.message, fix: `${e.hint ?? 'check the URL and your network'}${proxyHint}` });
    return steps;
  }

  const status = modern ? 200 : probe.status;
  const configDir = resolveConfigDir(oauthOf(config)?.configDir ? { configDir: oauthOf(config)!.configDir! } : {});
  const remembered = await rememberedEra(configDir, url).catch(() => undefined);
  const eraNote = remembered ? { note: `the bridge remembers this server as ${describeRememberedEra(remembered)}` } : {};
  if (modern) {
    steps.push({ name: 'Transport', ok: true, detail: describeModernRefusal(modern), ...eraNote });
  } else if (status >= 200 && status < 300) {
    steps.push({ name: 'Transport', ok: true, detail: 'Streamable HTTP', ...eraNote });
  } else if (status === 400 || status === 404 || status === 405) {
    const sse = await probeSse(url, config.headers, fetches.upstream, timeoutMs);
    steps.push(
      sse
        ? { name: 'Transport', ok: true, detail: `legacy SSE (initialize POST answered ${status}; the GET stream works)` }
        : { name: 'Transport', ok: false, detail: `initialize answered HTTP ${status} and no SSE stream answered either`, fix: 'check the URL path: it must be the MCP endpoint (often /mcp, or /sse for legacy servers)' },
    );
    if (!sse) return steps;
  } else if (status === 401) {
    steps.push({ name: 'Transport', ok: true, detail: 'not known before logging in (the server asks for authorization first)' });
  } else if (status === 403) {
    steps.push({ name: 'Transport', ok: false, detail: 'the server answered 403 Forbidden to an anonymous initialize', fix: 'check -H headers or ask the server operator for access' });
    return steps;
  } else {
    steps.push({ name: 'Transport', ok: false, detail: `the server answered HTTP ${status}`, fix: 'the server failed or the URL is wrong; check its logs' });
    return steps;
  }

  const auth = oauthOf(config);
  if (!auth) {
    steps.push(
      status === 401
        ? { name: 'Authorization', ok: false, detail: 'the server refused the Authorization header given with --header (HTTP 401)', fix: 'check the key or token in that header; without the header the bridge logs in by itself' }
        : { name: 'Authorization', ok: true, detail: 'a static Authorization header is set with --header and the server accepts it' },
    );
    return steps;
  }
  if (status !== 401 && !auth.issuer) {
    steps.push({ name: 'Authorization', ok: true, detail: 'the server does not ask for authorization' });
    return steps;
  }

  const [{ bearerChallenge }, discovery, { assertPkceS256, discoverAuthorizationServer }, { callbackAddress }, store] = await Promise.all([
    import('../auth/challenge.js'),
    import('../auth/discovery-context.js'),
    import('../auth/discovery.js'),
    import('../auth/callback-address.js'),
    import('../store/index.js'),
  ]);
  // The bridge's OAuth stack (net/fetch-stack.ts), private-address guard included.
  const authFetch = fetches.oauth;
  const http = { fetch: authFetch, policy: { allowHttp: auth.allowHttp }, timeoutMs };
  const challenge = status === 401 ? bearerChallenge(probe) : undefined;
  if (status === 401) {
    // Without a Bearer challenge a server may still be found the 2025-03-26 way: discovery below decides, as it does
    // for the bridge and `login`.
    steps.push(
      challenge
        ? { name: '401 challenge', ok: true, detail: `${challenge.dpop ? 'DPoP' : 'Bearer'}${challenge.resourceMetadata ? `, resource_metadata=${challenge.resourceMetadata}` : ' (no resource_metadata)'}${challenge.scope ? `, scope="${challenge.scope}"` : ''}` }
        : { name: '401 challenge', ok: true, detail: 'no Bearer challenge in WWW-Authenticate (discovery decides below)' },
    );
  }

  // The bridge's own discovery (discovery-context.ts), in its two steps, each reported.
  const { DiscoveryPath } = discovery;
  let location: Awaited<ReturnType<typeof discovery.locateAuthorizationServer>>;
  try {
    // The issuer of the login the bridge would start with, kept when the server still names it (issuer-trust.ts).
    const loginIssuer = (await storedLoginsFor(config, auth).catch(() => []))[0]?.metadata.issuer;
    location = await discovery.locateAuthorizationServer({ serverUrl: url, issuer: auth.issuer, resource: auth.resource, challenge, refusal, loginIssuer, http });
  } catch (error) {
    steps.push({ name: 'Protected-resource metadata', ok: false, detail: errorText(error), fix: isBridgeError(error) ? error.hint : undefined });
    return steps;
  }
  if (location.path === DiscoveryPath.Issuer) {
    steps.push({ name: 'Protected-resource metadata', ok: true, detail: `not needed: --issuer ${auth.issuer}` });
  } else if ('metadata' in location) {
    steps.push({ name: 'Protected-resource metadata', ok: true, detail: `resource ${location.metadata.resource}, authorization server ${location.issuer}` });
  } else {
    const found = location.path === DiscoveryPath.DefaultEndpoints ? 'the default endpoints' : 'authorization server metadata';
    steps.push({ name: 'Protected-resource metadata', ok: true, detail: `not published (RFC 9728); ${found} at ${url.origin} (MCP 2025-03-26)` });
  }

  let as: AuthorizationServer;
  let resource: string;
  try {
    // PKCE is its own step below (checkPkce: false), so its failure comes with its own fix.
    ({ as, resource } = await discovery.readAuthorizationServer(location, { http, checkPkce: false }));
    steps.push({ name: 'Authorization server metadata', ok: true, detail: 'as' in location ? `issuer ${as.issuer} (at the server's origin)` : `issuer ${as.issuer} checked` });
  } catch (error) {
    steps.push({ name: 'Authorization server metadata', ok: false, detail: errorText(error), fix: isBridgeError(error) ? error.hint : undefined });
    return steps;
  }
  const grant = auth.grant;
  const traits = GRANTS[grant];
  if (traits.browser) {
    try {
      assertPkceS256(as);
      steps.push({ name: 'PKCE', ok: true, detail: 'S256 supported' });
    } catch (error) {
      steps.push({ name: 'PKCE', ok: false, detail: errorText(error), fix: 'ask the server operator to enable PKCE (S256)' });
    }
  }
  if (traits.obtainBy === 'device-login') {
    steps.push(
      as.device_authorization_endpoint
        ? { name: 'Device login', ok: true, detail: `device authorization endpoint ${as.device_authorization_endpoint}` }
        : { name: 'Device login', ok: false, detail: 'the authorization server names no device_authorization_endpoint (RFC 8628)', fix: 'drop --device-code and log in with a browser (or --no-browser with the callback port forwarded)' },
    );
  }
  if (!traits.user) {
    const wanted = grant === 'client_credentials' ? 'client_credentials' : 'urn:ietf:params:oauth:grant-type:jwt-bearer';
    const listed = as.grant_types_supported;
    steps.push(
      !listed || listed.includes(wanted)
        ? { name: 'Grant', ok: true, detail: `${wanted}${listed ? ' advertised' : ' (the metadata lists no grant types; it will be tried)'}` }
        : { name: 'Grant', ok: false, detail: `the authorization server does not list ${wanted} in grant_types_supported`, fix: 'ask the server operator whether it accepts this grant' },
    );
    const methods = as.token_endpoint_auth_methods_supported;
    const method = auth.clientKey ? 'private_key_jwt' : auth.clientSecret || grant !== 'workload_identity' ? 'client_secret_basic' : 'none';
    const ok = !methods || methods.includes(method) || (method === 'client_secret_basic' && methods.includes('client_secret_post'));
    steps.push(!auth.clientId ? { name: 'Client', ok: true, detail: 'none: the workload identity token identifies the workload' } : {
      name: 'Client',
      ok,
      detail: `pre-registered client ${auth.clientId} with ${auth.clientKey ? `private_key_jwt (${auth.clientKey.alg}, key from ${auth.clientKey.source})` : method === 'none' ? 'no secret (a public client)' : 'its secret'}${ok ? '' : `; the server accepts ${methods!.join(', ')}`}`,
      ...(ok ? {} : { fix: auth.clientKey ? 'use the client secret instead of --client-key' : 'use --client-key (private_key_jwt) instead of a secret' }),
    });
  }
  if (traits.obtainBy === 'cross-app-access' && auth.enterpriseIdp) {
    const { readIdToken, describeIdTokenSource } = await import('../auth/cross-app-access.js');
    const idp = auth.enterpriseIdp;
    try {
      const idpAs = await discoverAuthorizationServer({ issuer: idp.issuer, http, checkPkce: false });
      steps.push({ name: 'Enterprise IdP', ok: true, detail: `issuer ${idpAs.issuer} checked, token endpoint ${idpAs.token_endpoint}` });
    } catch (error) {
      steps.push({ name: 'Enterprise IdP', ok: false, detail: errorText(error), fix: isBridgeError(error) ? (error.hint ?? 'check --idp-issuer') : 'check --idp-issuer' });
    }
    try {
      await readIdToken(idp.idToken, now);
      steps.push({ name: 'ID token', ok: true, detail: `from ${describeIdTokenSource(idp.idToken)}, not expired` });
    } catch (error) {
      steps.push({ name: 'ID token', ok: false, detail: errorText(error), fix: isBridgeError(error) ? error.hint : undefined });
    }
  }
  steps.push(...(await (await import('./doctor-extensions.js')).extensionSteps({ auth, as, challenge, now })));

  if (!traits.user) {
    // the client was diagnosed with the grant above
  } else if (auth.clientId) steps.push({ name: 'Client', ok: true, detail: `pre-registered client ${auth.clientId}${auth.clientSecret ? ' (confidential)' : auth.clientKey ? ' (private_key_jwt)' : ''}` });
  else if (auth.clientMetadataUrl && as.client_id_metadata_document_supported === true) steps.push({ name: 'Client', ok: true, detail: `client ID metadata document ${auth.clientMetadataUrl}` });
  else if (as.registration_endpoint) steps.push({ name: 'Client', ok: true, detail: `dynamic client registration at ${as.registration_endpoint}` });
  else steps.push({ name: 'Client', ok: false, detail: 'no pre-registered client, no metadata document support, no dynamic registration', fix: 'register a client with the provider and pass --client-id' });

  let credentials: Awaited<ReturnType<typeof store.openCredentialStore>> | undefined;
  try {
    let fallback: KeychainFallback | undefined;
    credentials = await store.openCredentialStore({
      mode: auth.tokenStore,
      ...(auth.configDir ? { configDir: auth.configDir } : {}),
      logger: o.logger,
      onKeychainFallback: (f) => (fallback = f),
    });
    steps.push(fallback ? keychainFallbackStep(credentials.description, fallback) : { name: 'Credential store', ok: true, detail: credentials.description });
  } catch (error) {
    steps.push({ name: 'Credential store', ok: false, detail: errorText(error), fix: isBridgeError(error) ? error.hint : '--token-store file' });
  }

  // Only the browser login has a callback; it listens where the bridge's would (callback-address.ts).
  if (traits.browser) {
    const { host, port, fixed } = callbackAddress(auth, as.issuer, resource);
    const free = await portFree(port, host === 'localhost' ? '127.0.0.1' : host);
    steps.push(
      free
        ? { name: 'Callback port', ok: true, detail: `${host}:${port} is free` }
        : {
            name: 'Callback port',
            ok: !fixed,
            detail: fixed ? `${host}:${port} is in use by another program` : `${host}:${port} is in use; a free port will be used instead`,
            fix: `close the program using port ${port}, or choose another with --callback-port`,
          },
    );
  }

  if (credentials) {
    const { logins, unreadable } = await credentials.list();
    // The logins this configuration would use (stored-logins.ts), newest first.
    const mine = selectLogins(logins, bridgeLoginCriteria({ serverUrl: url, grant, issuer: auth.issuer, clientId: auth.clientId }));
    const broken = unreadable.length;
    if (mine.length === 0) steps.push({ name: 'Stored login', ok: broken === 0, detail: 'none yet: the first request will open the login', ...(broken ? { fix: `${broken} unreadable record(s): run mcp-auth-bridge logout --all` } : {}) });
    for (const l of mine) {
      const m = l.metadata;
      const expired = m.expiresAt !== undefined && m.expiresAt <= now;
      steps.push({
        name: 'Stored login',
        ok: true,
        detail: `${m.issuer}, ${describeExpiry(m.expiresAt, now)}${expired ? (m.hasRefreshToken ? ' (will be refreshed)' : ' (will log in again)') : ''}, refresh token ${m.hasRefreshToken ? 'yes' : 'no'}`,
      });
    }
  }
  return steps;
}
