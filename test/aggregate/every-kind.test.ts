/**
 * One configuration with every kind of server the issue names, all at once: a remote server behind the real OpenID
 * provider (its login driven in the middle of the session, without holding up the others), a legacy SSE server, a
 * 2026-07-28 server, and two local stdio servers (the SDK's, and server-everything, which exercises sampling,
 * elicitation, progress, subscriptions, resource links and large resources).
 */
import { describe, expect, it } from 'vitest';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { fileURLToPath } from 'node:url';
import { tempDir, fileStore } from '../helpers/auth-bridge.js';
import { loginUrlsIn } from '../helpers/cli.js';
import { useTeardown } from '../helpers/cleanup.js';
import { driveLogin, startAuthStack } from '../helpers/oidc/index.js';
import { startServer2026 } from '../helpers/server-2026.js';
import { startSseServer } from '../helpers/servers.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { connectAggregate } from './aggregate-bridge.js';

useTeardown();

const EVERYTHING = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/stdio/mcp-server.mjs', import.meta.url));

describe('--config with every kind of server', () => {
  it('serves them side by side; the one that needs a login joins after it, the others never wait for it', async () => {
    const stack = await startAuthStack();
    const sse = await startSseServer();
    const modern = await startServer2026({ variant: 'modern-only' });
    const configDir = tempDir();
    const bridge = await connectAggregate(
      {
        mcpServers: {
          secure: { url: stack.server.url, allowHttp: true, browser: false, authTimeout: '30s' },
          legacy: { url: sse.url, transport: 'sse', auth: 'none', allowHttp: true },
          modern: { url: modern.url, auth: 'none', allowHttp: true },
          local: { command: process.execPath, args: [FIXTURE] },
          everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] },
        },
      },
      { args: fileStore(configDir) },
    );
    // Everything but the server waiting for its login can be used without it (a server still connecting after the
    // 1 s that initialize waits joins with list_changed; on a busy machine that happens, so the list is read again).
    const names = await waitFor('every server but the one waiting for its login to be listed', async () => {
      const listed = (await bridge.client.listTools()).tools.map((t) => t.name);
      return ['legacy__echo', 'modern__echo', 'local__echo'].every((n) => listed.includes(n)) && listed.some((n) => n.startsWith('everything__')) ? listed : undefined;
    }, { timeoutMs: 20_000, intervalMs: 200 });
    expect(names).toContain('legacy__echo');
    expect(names).toContain('modern__echo');
    expect(names).toContain('local__echo');
    expect(names.some((n) => n.startsWith('everything__'))).toBe(true);
    expect(names.some((n) => n.startsWith('secure__'))).toBe(false);
    for (const server of ['legacy', 'modern', 'local']) {
      const result = await bridge.client.callTool({ name: `${server}__echo`, arguments: { text: `via ${server}` } });
      expect(JSON.stringify(result.content)).toContain(`via ${server}`);
    }
    // A call to the server waiting for its login says so, with the link.
    await expect(bridge.client.callTool({ name: 'secure__whoami', arguments: {} })).rejects.toThrow(/server "secure" is not available: the browser login/);
    const url = await waitFor('the login URL on stderr', () => loginUrlsIn(bridge.stderr())[0]);
    await withTimeout('the login', driveLogin(url), 20_000);
    await waitFor('secure joins', async () => (await bridge.client.listTools()).tools.some((t) => t.name === 'secure__whoami'), { timeoutMs: 20_000, intervalMs: 200 });
    const who = await bridge.client.callTool({ name: 'secure__whoami', arguments: {} });
    expect(JSON.stringify(who.content)).toContain('sub');
    expect(bridge.notifications.some((n) => n.method === 'notifications/tools/list_changed')).toBe(true);
  });

  it('carries server-everything\'s sampling, progress and resource links through the aggregate', async () => {
    const bridge = await connectAggregate({ mcpServers: { everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] } } });
    // A server still starting after the 1 s that initialize waits joins later (list_changed): on a busy machine
    // server-everything may, so the list is read again until its tools are there.
    let tools: { name: string }[] = [];
    const byEnd = (end: string) => tools.find((t) => t.name.replace(/^everything__/, '').replace(/-/g, '').toLowerCase() === end)?.name;
    const sampling = () => byEnd('triggersamplingrequest') ?? byEnd('samplellm');
    const progressTool = () => byEnd('triggerlongrunningoperation') ?? byEnd('longrunningoperation');
    await waitFor('server-everything\'s tools to be listed', async () => {
      tools = (await bridge.client.listTools()).tools;
      return [sampling(), progressTool(), byEnd('getresourcelinks')].every(Boolean);
    }, { timeoutMs: 20_000, intervalMs: 200 });
    const links = byEnd('getresourcelinks');
    const progress = progressTool();
    const sampled = await bridge.client.callTool({ name: sampling()!, arguments: { prompt: 'hello', maxTokens: 10 } });
    expect(JSON.stringify(sampled)).toContain('sampled: ');
    const seen: number[] = [];
    await bridge.client.callTool({ name: progress!, arguments: { duration: 1, steps: 3 } }, CallToolResultSchema, { onprogress: (p) => void seen.push(p.progress) });
    // The SDK client drops a progress notification it handles after the response: the last one may be lost there.
    expect(seen.slice(0, 2)).toEqual([1, 2]);
    const linked = await bridge.client.callTool({ name: links!, arguments: { count: 2 } });
    const link = (linked.content as Array<{ type: string; uri?: string }>).find((c) => c.type === 'resource_link');
    expect(link?.uri).toMatch(/^everything\+/);
    const read = await bridge.client.readResource({ uri: link!.uri! });
    expect(read.contents[0]?.uri).toBe(link!.uri);
  });

  it('subscribes to a server-everything resource by the URI it listed, and its updates come back under that URI', async () => {
    const bridge = await connectAggregate({ mcpServers: { everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] } } });
    // As above: read again until server-everything, which may join after initialize on a busy machine, lists some.
    const uri = await waitFor('server-everything\'s resources to be listed', async () => (await bridge.client.listResources()).resources[0]?.uri, { timeoutMs: 20_000, intervalMs: 200 });
    expect(uri).toMatch(/^everything\+/);
    await bridge.client.subscribeResource({ uri });
    await bridge.client.callTool({ name: 'everything__toggle-subscriber-updates', arguments: {} });
    const update = await waitFor('resources/updated', () => bridge.notifications.find((n) => n.method === 'notifications/resources/updated'), { timeoutMs: 15_000 });
    expect(update.params?.uri).toBe(uri);
  });
});
