/**
 * The documented messages of `serve`'s browser sign-in, produced for real: a wrong token on the sign-in page, a login
 * link followed by another user's browser, a serve whose JWT users have no way to sign in from a browser, and
 * `--browser-client-id` without `--jwt-issuer`.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { writeConfigFile } from '../aggregate/aggregate-bridge.js';
import { tempDir } from '../helpers/auth-bridge.js';
import { runCli } from '../helpers/cli.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { startAuthStack, startOidcProvider } from '../helpers/oidc/index.js';
import { startStreamableServer } from '../helpers/servers.js';
import { withTimeout } from '../helpers/wait.js';
import { loginLink } from '../helpers/team-member.js';
import { startServe } from '../serve/serve-process.js';
import { HttpBrowser } from '../serve/status/http-browser.js';
import { expectDocumented } from './readme-rows.js';

useTeardown();

const ALICE = 'alice-token-0123456789abcdef0123456789';
const BOB = 'bob-token-0123456789abcdef0123456789abc';

/** The visible text of an HTML page. */
const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/\s+/g, ' ');

describe('serve: browser sign-in', () => {
  it('says a wrong token is not one this server accepts', { timeout: 60_000 }, async () => {
    const open = await startStreamableServer();
    const file = writeConfigFile({ mcpServers: { open: { url: open.url, allowHttp: true, auth: 'none' } }, serve: { auth: { tokens: [{ user: 'alice', token: '${ALICE_TOKEN}' }] } } });
    const serve = await startServe(['--config', file, '--config-dir', tempDir()], { ALICE_TOKEN: ALICE });
    const answer = await new HttpBrowser(serve.base).signInWithToken('wrong-token-0123456789abcdef0123456789');
    expect(answer.status).toBe(401);
    expectDocumented(textOf(await answer.text()), 'That token is not one this server accepts.');
  });

  it('says a login link was made for another user', { timeout: 90_000 }, async () => {
    const stack = await startAuthStack();
    const file = writeConfigFile({
      mcpServers: { secure: { url: stack.server.url, allowHttp: true, authTimeout: '60s' } },
      serve: { auth: { tokens: [{ user: 'alice', token: '${ALICE_TOKEN}' }, { user: 'bob', token: '${BOB_TOKEN}' }] } },
    });
    const serve = await startServe(['--config', file, '--config-dir', tempDir()], { ALICE_TOKEN: ALICE, BOB_TOKEN: BOB });
    const client = new Client({ name: 'alice', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } } });
    onTeardown(() => withTimeout('client close', client.close(), 10_000).catch(() => undefined));
    await withTimeout('connect', client.connect(new StreamableHTTPClientTransport(new URL(`${serve.base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${ALICE}` } } })), 20_000);
    const link = await loginLink(client);
    const bob = new HttpBrowser(serve.base);
    await bob.signInWithToken(BOB);
    const answer = await bob.request(link!);
    expect(answer.status).toBe(403);
    expectDocumented(textOf(await answer.text()), 'This login link was made for another user.');
  });

  it('says when JWT users have no way to sign in from a browser', { timeout: 60_000 }, async () => {
    const provider = await startOidcProvider();
    const upstream = await startStreamableServer();
    const serve = await startServe([upstream.url, '--allow-http', '--jwt-issuer', provider.issuer, '--public-url', 'http://127.0.0.1:1', '--config-dir', tempDir()]);
    const page = await fetch(`${serve.base}/auth/sign-in`, { signal: AbortSignal.timeout(15_000) });
    expectDocumented(textOf(await page.text()), 'This server offers no way to sign in from a browser.');
  });

  it('refuses --browser-client-id without --jwt-issuer', async () => {
    const run = await runCli(['serve', 'http://127.0.0.1:9/mcp', '--browser-client-id', 'status-page']);
    expect(run.code).toBe(2);
    expectDocumented(run.stderr, '--browser-client-id needs --jwt-issuer');
  });
});
