/**
 * Sign-in with the JWT issuer across `serve --store redis://…` instances: the real OpenID provider sends the browser
 * back to the public URL's `/auth/callback`, which the balancer gives to another instance than the one that started
 * the sign-in; that instance finishes it (the started sign-in is in Redis, sealed), and the answer is taken once, so
 * the first instance refuses it afterwards.
 */
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../../helpers/cleanup.js';
import { driveLoginToCallback, startOidcProvider } from '../../helpers/oidc/index.js';
import { startStreamableServer } from '../../helpers/servers.js';
import { HttpBrowser } from '../status/http-browser.js';
import { startTeam, storeKey } from './instances.js';

useTeardown();

describe('sign-in with the issuer across instances on one Redis', () => {
  it('is finished by whichever instance the issuer\'s answer reaches, once', { timeout: 120_000 }, async () => {
    const team = await startTeam();
    const lb = team.balancer;
    const provider = await startOidcProvider({
      extraClients: [{
        client_id: 'serve-status-page',
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        redirect_uris: [`${lb.base}/auth/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      }],
    });
    const upstream = await startStreamableServer();
    const args = [upstream.url, '--allow-http', '--jwt-issuer', provider.issuer, '--browser-client-id', 'serve-status-page'];
    const key = storeKey('k1', 11);
    const [a, b] = [await team.start(args, key), await team.start(args, key)];

    const browser = new HttpBrowser(lb.base);
    lb.to(a.base);
    const start = await browser.request('/auth/oidc?next=%2F');
    expect(start.status).toBe(303);
    const binding = browser.cookies.get('mab-oidc');
    expect(binding).toBeTruthy();
    const { callbackUrl } = await driveLoginToCallback(new URL(start.headers.get('location')!), { user: 'dana' });
    expect(callbackUrl.startsWith(`${lb.base}/auth/callback?`)).toBe(true);

    lb.to(b.base);
    const done = await browser.request(callbackUrl);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/');
    expect(await (await browser.request('/')).text()).toContain('Signed in as <strong>dana</strong>');
    expect(b.stderr()).toContain('dana signed in with');

    // The same answer, with the same binding cookie, on the instance that started it: already taken.
    lb.to(a.base);
    const replay = new HttpBrowser(lb.base);
    replay.cookies.set('mab-oidc', binding!);
    expect((await replay.request(callbackUrl)).status).toBe(400);
    expect(replay.cookies.has('mab-session')).toBe(false);
    // The session made on B holds on A.
    expect(await (await browser.request('/')).text()).toContain('Signed in as <strong>dana</strong>');
    expect(provider.tokenRequests).toHaveLength(1);
  });
});
