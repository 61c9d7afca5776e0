/**
 * The routing rules of the aggregate that need more than one request in flight, or a server's own initiative:
 * server requests from two servers at once (their ids collide on purpose), elicitation and roots, list_changed and
 * log messages passed on with their server's name, the client's roots change and log level sent to every server,
 * filters enforced on calls as well as lists, long names shortened within the tool-name limit.
 */
import { describe, expect, it } from 'vitest';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { z } from 'zod';
import { CLIENT_ROOTS, ELICIT_CONTENT } from '../helpers/client.js';
import { useTeardown } from '../helpers/cleanup.js';
import { SAMPLING_PROMPT, startStreamableServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { connectAggregate } from './aggregate-bridge.js';

useTeardown();

const remote = (url: string, extra: Record<string, unknown> = {}) => ({ url, auth: 'none', allowHttp: true, ...extra });
const bodiesOf = (server: { requests: Array<{ body: string }> }) => server.requests.map((r) => r.body);
const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

describe('server requests', () => {
  it('carries sampling requests of two servers at once (both number theirs from 0) to the client and each answer back to its server', async () => {
    const alpha = await startStreamableServer();
    const beta = await startStreamableServer();
    const bridge = await connectAggregate({ mcpServers: { alpha: remote(alpha.url), beta: remote(beta.url) } });
    const results = await Promise.all([
      bridge.client.callTool({ name: 'alpha__sample', arguments: {} }),
      bridge.client.callTool({ name: 'beta__sample', arguments: {} }),
      bridge.client.callTool({ name: 'alpha__elicit', arguments: {} }),
      bridge.client.callTool({ name: 'beta__roots', arguments: {} }),
    ]);
    expect(JSON.stringify(results[0]!.content)).toContain(`sampled: ${SAMPLING_PROMPT}`);
    expect(JSON.stringify(results[1]!.content)).toContain(`sampled: ${SAMPLING_PROMPT}`);
    expect(JSON.stringify(results[2]!.content)).toContain(ELICIT_CONTENT.name);
    expect(JSON.stringify(results[3]!.content)).toContain(CLIENT_ROOTS[0].uri);
    expect([...bridge.serverRequests].sort()).toEqual(['elicitation/create', 'roots/list', 'sampling/createMessage', 'sampling/createMessage']);
  });
});

describe('notifications', () => {
  it('passes a server\'s log message (named after the server) and its tools/list_changed on to the client', async () => {
    const alpha = await startStreamableServer();
    const beta = await startStreamableServer();
    const bridge = await connectAggregate({ mcpServers: { alpha: remote(alpha.url), beta: remote(beta.url) } });
    await bridge.client.listTools();
    await bridge.client.setLoggingLevel('info');
    await bridge.client.callTool({ name: 'beta__notify', arguments: {} });
    await waitFor('the list_changed', () => bridge.notifications.some((n) => n.method === 'notifications/tools/list_changed'));
    const log = bridge.notifications.find((n) => n.method === 'notifications/message');
    expect(log?.params?.logger).toMatch(/^beta/);
  });

  it('sends logging/setLevel and roots/list_changed to every server', async () => {
    const alpha = await startStreamableServer();
    const beta = await startStreamableServer();
    const bridge = await connectAggregate({ mcpServers: { alpha: remote(alpha.url), beta: remote(beta.url) } });
    await bridge.client.setLoggingLevel('warning');
    await bridge.client.sendRootsListChanged();
    for (const server of [alpha, beta]) {
      await waitFor('setLevel and roots/list_changed at each server', () => {
        const bodies = bodiesOf(server).join('\n');
        return bodies.includes('logging/setLevel') && bodies.includes('notifications/roots/list_changed');
      });
    }
  });
});

function annotatedServer(): McpServer {
  const server = new McpServer({ name: 'annotated', version: '1.0.0' });
  server.registerTool('read_file', { annotations: { readOnlyHint: true }, inputSchema: { path: z.string() } }, async ({ path }) => text(`read ${path}`));
  server.registerTool('write_file', { annotations: { readOnlyHint: false }, inputSchema: { path: z.string() } }, async ({ path }) => text(`wrote ${path}`));
  server.registerTool('delete_all', {}, async () => text('deleted'));
  server.registerTool('list_dir', { annotations: { readOnlyHint: true } }, async () => text('listed'));
  server.registerTool(`a_tool_with_a_name_long_enough_to_pass_the_limit_${'x'.repeat(30)}`, {}, async () => text('long one'));
  return server;
}

describe('filters', () => {
  it('lists and lets the client call only what allow, block and readOnly let through', async () => {
    const files = await startStreamableServer({ createServer: annotatedServer });
    const ro = await startStreamableServer({ createServer: annotatedServer });
    const bridge = await connectAggregate({
      mcpServers: {
        files: remote(files.url, { tools: { allow: ['*_file', 'delete_*'], block: ['delete_*'] } }),
        ro: remote(ro.url, { readOnly: true }),
      },
    });
    const { tools } = await bridge.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['files__read_file', 'files__write_file', 'ro__list_dir', 'ro__read_file']);
    await expect(bridge.client.callTool({ name: 'files__delete_all', arguments: {} })).rejects.toThrow(/does not allow it/);
    await expect(bridge.client.callTool({ name: 'ro__write_file', arguments: { path: '/x' } })).rejects.toThrow(/does not allow it/);
    expect(bodiesOf(files).some((b) => b.includes('delete_all') && b.includes('tools/call'))).toBe(false);
    expect(bodiesOf(ro).some((b) => b.includes('write_file') && b.includes('tools/call'))).toBe(false);
    const ok = await bridge.client.callTool({ name: 'ro__read_file', arguments: { path: '/etc/hosts' } });
    expect(ok.content).toEqual([{ type: 'text', text: 'read /etc/hosts' }]);
  });

  it('refuses a read-only server\'s write tool even when the client calls it before any list', async () => {
    const ro = await startStreamableServer({ createServer: annotatedServer });
    const bridge = await connectAggregate({ mcpServers: { ro: remote(ro.url, { readOnly: true }) } });
    await expect(bridge.client.callTool({ name: 'ro__write_file', arguments: { path: '/x' } })).rejects.toThrow(/does not allow it/);
    expect(bodiesOf(ro).some((b) => b.includes('tools/call'))).toBe(false);
  });
});

describe('names', () => {
  it('keeps every name within ^[a-zA-Z0-9_-]{1,64}$ and routes a shortened one, even before a list', async () => {
    const server = await startStreamableServer({ createServer: annotatedServer });
    const config = { mcpServers: { 'a-server-with-a-long-name': remote(server.url) } };
    const bridge = await connectAggregate(config);
    const { tools } = await bridge.client.listTools();
    for (const tool of tools) expect(tool.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    const long = tools.find((t) => !t.name.endsWith('_file') && !['list_dir', 'delete_all'].some((n) => t.name.endsWith(n)))!;
    expect(long.name.length).toBeLessThanOrEqual(64);
    const result = await bridge.client.callTool({ name: long.name, arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'long one' }]);
    // A second bridge, started afresh, gives the same name and routes it without listing first.
    const again = await connectAggregate(config);
    const direct = await again.client.callTool({ name: long.name, arguments: {} });
    expect(direct.content).toEqual([{ type: 'text', text: 'long one' }]);
  });
});

/** A server with a prompt whose argument completes, and a resource template whose variable completes. */
function completingServer(word: string): () => McpServer {
  return () => {
    const server = new McpServer({ name: `completing-${word}`, version: '1.0.0' });
    server.registerPrompt(
      'pick',
      { argsSchema: { choice: completable(z.string(), (value) => [`${word}-${value}`]) } },
      ({ choice }) => ({ messages: [{ role: 'user', content: { type: 'text', text: choice } }] }),
    );
    server.registerResource(
      'notes',
      new ResourceTemplate('notes://{id}', { list: undefined, complete: { id: (value) => [`${word}-note-${value}`] } }),
      {},
      async (uri, { id }) => ({ contents: [{ uri: uri.href, text: `${word} note ${String(id)}` }] }),
    );
    return server;
  };
}

describe('completion and resource templates', () => {
  it('sends completion/complete to the server that owns the prompt or the template, and reads an expanded template through its prefix', async () => {
    const left = await startStreamableServer({ createServer: completingServer('left') });
    const right = await startStreamableServer({ createServer: completingServer('right') });
    const bridge = await connectAggregate({ mcpServers: { left: remote(left.url), right: remote(right.url) } });
    const prompt = await bridge.client.complete({ ref: { type: 'ref/prompt', name: 'right__pick' }, argument: { name: 'choice', value: 'x' } });
    expect(prompt.completion.values).toEqual(['right-x']);
    const { resourceTemplates } = await bridge.client.listResourceTemplates();
    const templates = resourceTemplates.map((t) => t.uriTemplate).sort();
    expect(templates).toEqual(['left+notes://{id}', 'right+notes://{id}']);
    const completed = await bridge.client.complete({ ref: { type: 'ref/resource', uri: 'left+notes://{id}' }, argument: { name: 'id', value: '7' } });
    expect(completed.completion.values).toEqual(['left-note-7']);
    const read = await bridge.client.readResource({ uri: 'left+notes://7' });
    expect(read.contents[0]).toMatchObject({ uri: 'left+notes://7', text: 'left note 7' });
  });
});
