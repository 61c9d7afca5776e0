/**
 * Sign-in with the JWT issuer, attacked over plain HTTP (the real built CLI, the real OpenID provider): the issuer's
 * answer is taken once, only in the browser that started the sign-in (the binding cookie), and never again; an
 * issuer's refusal signs nobody in. A JWT user following a login link without a session is led through the issuer's
 * sign-in and back to the link.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { writeConfigFile } from '../../aggregate/aggregate-bridge.js';
import { freePort } from '../../helpers/child-server.js';
import { tempDir } from '../../helpers/auth-bridge.js';
import { startCli } from '../../helpers/cli.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { driveLoginToCallback, startAuthStack, startOidcProvider, type OidcProvider } from '../../helpers/oidc/index.js';
import { startStreamableServer } from '../../helpers/servers.js';
import { waitFor, withTimeout } from '../../helpers/wait.js';
import { loginLink } from '../../helpers/team-member.js';
import { clientCredentialsToken } from '../inbound-auth/provider-tokens.js';
import { HttpBrowser } from './http-browser.js';

useTeardown();

/** serve's client at the issuer, for a serve on `port`. */
const browserClient = (port: number) => ({
  client_id: 'serve-status-page',
  application_type: 'web',
  token_endpoint_auth_method: 'none',
  redirect_uris: [`http://127.0.0.1:${port}/auth/callback`],
  grant_types: ['authorization_code'],
  response_types: ['code'],
});

async function jwtServe(): Promise<{ base: string; provider: OidcProvider }> {
  const port = await freePort();
  const provider = await startOidcProvider({ extraClients: [browserClient(port)] });
  const upstream = await startStreamableServer();
  const cli = startCli(['serve', upstream.url, '--allow-http', '--port', String(port), '--jwt-issuer', provider.issuer, '--browser-client-id', 'serve-status-page', '--config-dir', tempDir()]);
  await cli.waitForStderr(/serving .* at http:\/\/127\.0\.0\.1:\d+\/mcp/, 20_000);
  return { base: `http://127.0.0.1:${port}`, provider };
}

/** Starts a sign-in in `browser` and plays the user at the issuer; resolves the issuer's answer (not delivered). */
async function signInAnswer(browser: HttpBrowser, user: string, next = '/'): Promise<string> {
  const start = await browser.request(`/auth/oidc?next=${encodeURIComponent(next)}`);
  expect(start.status).toBe(303);
  const authorization = new URL(start.headers.get('location')!);
  expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorization.searchParams.get('nonce')).toBeTruthy();
  expect(authorization.searchParams.get('state')).toBeTruthy();
  const { callbackUrl } = await driveLoginToCallback(authorization, { user });
  return callbackUrl;
}

describe('sign-in with the issuer', () => {
  it('takes the issuer\'s answer once, and only in the browser that started the sign-in', { timeout: 60_000 }, async () => {
    const { base } = await jwtServe();
    const starter = new HttpBrowser(base);
    const answer = await signInAnswer(starter, 'dana');
    expect(answer.startsWith(`${base}/auth/callback?`)).toBe(true);
    // Another browser (an attacker who got the answer's URL) is refused, and that spends it.
    const other = await new HttpBrowser(base).request(answer);
    expect(other.status).toBe(403);
    expect(other.headers.get('set-cookie') ?? '').not.toContain('mab-session=');
    expect((await starter.request(answer)).status).toBe(400);
    expect(starter.cookies.has('mab-session')).toBe(false);

    const again = await signInAnswer(starter, 'dana');
    const done = await starter.request(again);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/');
    expect(starter.cookies.has('mab-session')).toBe(true);
    expect(await (await starter.request('/')).text()).toContain('Signed in as <strong>dana</strong>');
    // Replayed: a used answer signs nobody in again.
    const replay = new HttpBrowser(base);
    replay.cookies.set('mab-oidc', 'x');
    expect((await replay.request(again)).status).toBe(400);
    expect(replay.cookies.has('mab-session')).toBe(false);
  });

  it('signs nobody in on an answer that is not the issuer\'s, or is its refusal', { timeout: 60_000 }, async () => {
    const { base, provider } = await jwtServe();
    const browser = new HttpBrowser(base);
    const stateOf = async () => new URL((await browser.request('/auth/oidc')).headers.get('location')!).searchParams.get('state')!;
    // Without the issuer's `iss` (RFC 9207; the issuer says it sends one): not taken.
    const noIss = await browser.request(`/auth/callback?code=forged&state=${encodeURIComponent(await stateOf())}`);
    expect(noIss.status).toBe(400);
    expect(await noIss.text()).toContain('could not be used');
    const otherIss = await browser.request(`/auth/callback?code=forged&iss=${encodeURIComponent('http://127.0.0.1:9')}&state=${encodeURIComponent(await stateOf())}`);
    expect(otherIss.status).toBe(400);
    const refused = await browser.request(`/auth/callback?error=access_denied&iss=${encodeURIComponent(provider.issuer)}&state=${encodeURIComponent(await stateOf())}`);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('access_denied');
    expect(browser.cookies.has('mab-session')).toBe(false);
    expect(provider.tokenRequests).toHaveLength(0);
    const unknown = await browser.request('/auth/callback?code=forged&state=never-issued');
    expect(unknown.status).toBe(400);
    expect(browser.cookies.has('mab-session')).toBe(false);
  });

  it('leads a JWT user who follows a login link without a session through the issuer\'s sign-in, back to the link and on to the upstream login', { timeout: 90_000 }, async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const stack = await startAuthStack({ provider: { extraClients: [browserClient(port)] } });
    const file = writeConfigFile({
      mcpServers: { secure: { url: stack.server.url, allowHttp: true, authTimeout: '60s' } },
      serve: { auth: { jwt: { issuer: stack.provider.issuer, browserClientId: 'serve-status-page' } } },
    });
    const cli = startCli(['serve', '--config', file, '--port', String(port), '--config-dir', tempDir()]);
    await cli.waitForStderr(/serving .* at http:\/\/127\.0\.0\.1:\d+\/mcp/, 20_000);
    // The MCP client's user is the token's `sub`: for a client-credentials token, the client's id.
    const user = stack.provider.confidentialClient.clientId;
    const token = await clientCredentialsToken(stack.provider, `${base}/mcp`);
    const client = new Client({ name: 'jwt-member', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } } });
    onTeardown(() => withTimeout('client close', client.close(), 10_000).catch(() => undefined));
    await withTimeout('connect to serve', client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } })), 20_000);
    const link = await loginLink(client);
    const linkPath = new URL(link!).pathname;
    expect(link!.startsWith(`${base}/login/`)).toBe(true);

    const browser = new HttpBrowser(base);
    const toSignIn = await browser.request(link!);
    expect(toSignIn.headers.get('location')).toBe(`/auth/sign-in?next=${encodeURIComponent(linkPath)}`);
    const answer = await signInAnswer(browser, user, linkPath);
    const signedIn = await browser.request(answer);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe(linkPath);
    const onward = await browser.request(linkPath);
    expect(onward.status).toBe(303);
    const upstreamLogin = onward.headers.get('location')!;
    expect(new URL(upstreamLogin).searchParams.get('redirect_uri')).toBe(`${base}/oauth/callback`);
    const { callbackUrl } = await driveLoginToCallback(upstreamLogin, { user: 'upstream-account' });
    const landed = await browser.request(callbackUrl);
    expect(landed.status).toBe(200);
    expect(await landed.text()).toContain('Logged in');
    await waitFor('the call to work', async () => (await client.callTool({ name: 'secure__whoami', arguments: {} }, undefined, { timeout: 3_000 }).catch(() => undefined)) !== undefined, { timeoutMs: 20_000, intervalMs: 250 });
    expect(JSON.stringify((await client.callTool({ name: 'secure__whoami', arguments: {} })).content)).toContain('upstream-account');
  });
});
