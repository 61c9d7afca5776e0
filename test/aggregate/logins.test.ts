/**
 * Logins in a `--config` bridge: two servers that both need one are logged in one at a time (one browser tab, one
 * callback port), each joining the aggregate when its login is done, while the first is never held up by the second.
 */
import { describe, expect, it } from 'vitest';
import { fileStore, tempDir } from '../helpers/auth-bridge.js';
import { loginUrlsIn } from '../helpers/cli.js';
import { useTeardown } from '../helpers/cleanup.js';
import { driveLogin, startAuthStack, startProtectedMcpServer } from '../helpers/oidc/index.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { connectAggregate } from './aggregate-bridge.js';

useTeardown();

describe('two servers that need a login', () => {
  it('ask for one login at a time, and each joins once its own is done', async () => {
    const stack = await startAuthStack();
    const second = await startProtectedMcpServer({ issuer: stack.provider.issuer, jwksUri: stack.provider.jwksUri });
    const entry = (url: string) => ({ url, allowHttp: true, browser: false, authTimeout: '60s' });
    const bridge = await connectAggregate({ mcpServers: { one: entry(stack.server.url), two: entry(second.url) } }, { args: fileStore(tempDir()) });
    const first = await waitFor('the first login URL', () => loginUrlsIn(bridge.stderr())[0]);
    // The other login waits for its turn: no second URL while the first is open.
    await waitFor('the other login waiting for its turn', () => /waiting for the login to .* to finish/.test(bridge.stderr()));
    expect(loginUrlsIn(bridge.stderr())).toHaveLength(1);
    // A call to the server whose login waits says so at once, rather than waiting.
    const tools = (await bridge.client.listTools()).tools.map((t) => t.name);
    expect(tools.some((n) => n.endsWith('__whoami'))).toBe(false);
    const waiting = await bridge.client.callTool({ name: 'two__whoami', arguments: {} }).then(() => '', (e: Error) => e.message);
    const other = await bridge.client.callTool({ name: 'one__whoami', arguments: {} }).then(() => '', (e: Error) => e.message);
    expect([waiting, other].join('\n')).toMatch(/is not available: its login, which starts when the login to .* is done/);
    expect([waiting, other].join('\n')).toMatch(/is not available: the browser login to finish; to log in, open /);
    await withTimeout('the first login', driveLogin(first), 20_000);
    const next = await waitFor('the second login URL', () => loginUrlsIn(bridge.stderr())[1], { timeoutMs: 20_000 });
    expect(next).not.toBe(first);
    // The first server is in before the second login is done.
    await waitFor('the first server joins', async () => (await bridge.client.listTools()).tools.some((t) => t.name.endsWith('__whoami')), { timeoutMs: 20_000, intervalMs: 200 });
    await withTimeout('the second login', driveLogin(next), 20_000);
    await waitFor('both servers are in', async () => (await bridge.client.listTools()).tools.filter((t) => t.name.endsWith('__whoami')).length === 2, { timeoutMs: 20_000, intervalMs: 200 });
    for (const name of ['one__whoami', 'two__whoami']) {
      const result = await bridge.client.callTool({ name, arguments: {} });
      expect(JSON.stringify(result.content)).toContain('sub');
    }
  });
});
