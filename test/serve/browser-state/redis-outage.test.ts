/**
 * A browser page of `serve --store redis://…` while Redis is away: the real built CLI and a real Redis, killed and
 * started again. A page that needs the shared browser state answers a 503 page (logged once for the outage), the
 * process keeps serving what needs no Redis, and the pages work again once Redis is back.
 */
import { describe, expect, it } from 'vitest';
import { writeConfigFile } from '../../aggregate/aggregate-bridge.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { startStreamableServer } from '../../helpers/servers.js';
import { waitFor } from '../../helpers/wait.js';
import { HttpBrowser } from '../status/http-browser.js';
import { startTeam, storeKey } from './instances.js';

useTeardown();

const ALICE = 'alice-token-0123456789abcdef0123456789';
const OUTAGE_LINE = 'the shared sign-in state in Redis cannot be used';

describe('browser pages while Redis is away', () => {
  it('answer 503, log it once, and work again when Redis is back', { timeout: 120_000 }, async () => {
    const upstream = await startStreamableServer();
    const team = await startTeam();
    const file = writeConfigFile({
      mcpServers: { open: { url: upstream.url, allowHttp: true, auth: 'none' } },
      serve: { auth: { tokens: [{ user: 'alice', token: '${ALICE_TOKEN}' }] } },
    });
    const serve = await team.start(['--config', file], storeKey('k1', 11), { ALICE_TOKEN: ALICE });
    team.balancer.to(serve.base);
    const browser = new HttpBrowser(team.balancer.base);
    expect((await browser.signInWithToken(ALICE)).status).toBe(303);
    expect((await browser.request('/')).status).toBe(200);

    await team.redis.stop();
    for (let i = 0; i < 3; i++) {
      const page = await browser.request('/');
      expect(page.status).toBe(503);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toContain('Try again in a moment');
    }
    const signOut = await browser.request('/auth/sign-out', { form: { csrf: 'any' }, headers: { origin: team.balancer.base } });
    expect(signOut.status).toBe(503);
    expect(serve.stderr().split(OUTAGE_LINE).length - 1).toBe(1);
    expect((await fetch(`${serve.base}/healthz`)).status).toBe(200);
    expect(serve.exitStatus()).toBeUndefined();

    await team.redis.start();
    await waitFor('the page to work again', async () => (await browser.request('/')).status === 200, { timeoutMs: 20_000, intervalMs: 250 });
    expect(serve.stderr()).toContain('the shared sign-in state in Redis can be used again');
  });
});
