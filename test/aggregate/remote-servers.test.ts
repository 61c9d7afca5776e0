/**
 * One bridge fronting two remote servers of the same kind (so every name and URI collides unless the bridge keeps
 * them apart): namespaced tools and prompts, resources from both readable, and every message that crosses the
 * bridge routed to the server it belongs to.
 */
import { describe, expect, it } from 'vitest';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { startStreamableServer, TEST_RESOURCE_TEXT, TEST_RESOURCE_URI, TEST_TOOL_NAMES, SAMPLING_PROMPT } from '../helpers/servers.js';
import { useTeardown } from '../helpers/cleanup.js';
import { waitFor } from '../helpers/wait.js';
import { connectAggregate } from './aggregate-bridge.js';

useTeardown();

async function twoServers() {
  const alpha = await startStreamableServer();
  const beta = await startStreamableServer();
  const bridge = await connectAggregate({ mcpServers: { alpha: { url: alpha.url, auth: 'none', allowHttp: true }, beta: { url: beta.url, auth: 'none', allowHttp: true } } });
  return { alpha, beta, bridge };
}

const bodiesOf = (server: { requests: Array<{ body: string }> }) => server.requests.map((r) => r.body);

describe('--config with two remote servers', () => {
  it('lists every tool of both under <server>__<name>, and initialize names the bridge', async () => {
    const { bridge } = await twoServers();
    const { tools } = await bridge.client.listTools();
    const names = tools.map((t) => t.name).sort();
    expect(names).toEqual([...TEST_TOOL_NAMES.map((n) => `alpha__${n}`), ...TEST_TOOL_NAMES.map((n) => `beta__${n}`)].sort());
    expect(bridge.client.getServerVersion()?.name).toBe('mcp-auth-bridge');
    expect(bridge.client.getInstructions()).toContain('alpha');
    expect(bridge.client.getInstructions()).toContain('beta');
  });

  it('routes a tool call to the server its name names, under the server\'s own tool name', async () => {
    const { alpha, beta, bridge } = await twoServers();
    const result = await bridge.client.callTool({ name: 'beta__echo', arguments: { text: 'to beta' } });
    expect(result.content).toEqual([{ type: 'text', text: 'to beta' }]);
    expect(bodiesOf(beta).some((b) => b.includes('"name":"echo"') && b.includes('to beta'))).toBe(true);
    expect(bodiesOf(alpha).some((b) => b.includes('to beta'))).toBe(false);
  });

  it('keeps resources of both servers apart and readable by the URIs it lists', async () => {
    const { bridge } = await twoServers();
    const { resources } = await bridge.client.listResources();
    const uris = resources.map((r) => r.uri).sort();
    expect(uris).toEqual([`alpha+${TEST_RESOURCE_URI}`, `beta+${TEST_RESOURCE_URI}`]);
    for (const uri of uris) {
      const read = await bridge.client.readResource({ uri });
      expect(read.contents[0]).toMatchObject({ uri, text: TEST_RESOURCE_TEXT });
    }
  });

  it('gets a prompt of either server by its namespaced name', async () => {
    const { bridge } = await twoServers();
    const { prompts } = await bridge.client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(['alpha__greet', 'beta__greet']);
    const got = await bridge.client.getPrompt({ name: 'alpha__greet', arguments: { name: 'Ada' } });
    expect(JSON.stringify(got.messages)).toContain('Ada');
  });

  it('carries a sampling request from the second server to the client and its answer back', async () => {
    const { bridge } = await twoServers();
    await bridge.client.listTools();
    const result = await bridge.client.callTool({ name: 'beta__sample', arguments: {} });
    expect(JSON.stringify(result.content)).toContain(`sampled: ${SAMPLING_PROMPT}`);
    expect(bridge.serverRequests).toContain('sampling/createMessage');
  });

  it('passes progress of a call back to the client', async () => {
    const { bridge } = await twoServers();
    const seen: number[] = [];
    const result = await bridge.client.callTool({ name: 'alpha__slow', arguments: { ms: 300, steps: 3 } }, CallToolResultSchema, {
      onprogress: (p) => void seen.push(p.progress),
    });
    expect(result.content).toEqual([{ type: 'text', text: 'done after 3 steps' }]);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('sends the client\'s cancellation to the server that has the request, and only to it', async () => {
    const { alpha, beta, bridge } = await twoServers();
    const controller = new AbortController();
    const call = bridge.client.callTool({ name: 'alpha__stall', arguments: {} }, undefined, { signal: controller.signal });
    await waitFor('alpha got the call', () => bodiesOf(alpha).some((b) => b.includes('"name":"stall"')));
    controller.abort('user gave up');
    await expect(call).rejects.toThrow();
    await waitFor('alpha got the cancellation', () => bodiesOf(alpha).some((b) => b.includes('notifications/cancelled')));
    expect(bodiesOf(beta).some((b) => b.includes('notifications/cancelled'))).toBe(false);
  });

  it('answers ping itself and refuses a tool no server has with a clear error', async () => {
    const { bridge } = await twoServers();
    await expect(bridge.client.ping()).resolves.toBeDefined();
    await expect(bridge.client.callTool({ name: 'gamma__echo', arguments: {} })).rejects.toThrow(/no server of this configuration has a tool named "gamma__echo"/);
  });
});

describe('--config when a server is down', () => {
  it('initializes at once, serves the other server, and says why the missing one fails', async () => {
    const alpha = await startStreamableServer();
    const bridge = await connectAggregate({
      mcpServers: { alpha: { url: alpha.url, auth: 'none', allowHttp: true }, down: { url: 'http://127.0.0.1:9/mcp', auth: 'none', allowHttp: true } },
    });
    const { tools } = await bridge.client.listTools();
    expect(tools.map((t) => t.name)).toContain('alpha__echo');
    expect(tools.some((t) => t.name.startsWith('down__'))).toBe(false);
    await expect(bridge.client.callTool({ name: 'down__echo', arguments: { text: 'x' } })).rejects.toThrow(/server "down" is not available/);
    const ok = await bridge.client.callTool({ name: 'alpha__echo', arguments: { text: 'still here' } });
    expect(ok.content).toEqual([{ type: 'text', text: 'still here' }]);
  });
});

describe('--config on the command line', () => {
  it('refuses an option that belongs to one server, naming where it goes', async () => {
    const { runCli } = await import('../helpers/cli.js');
    const { writeConfigFile } = await import('./aggregate-bridge.js');
    const file = writeConfigFile({ mcpServers: { a: { url: 'https://mcp.example.com/mcp' } } });
    const result = await runCli(['--config', file, '--client-id', 'abc']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--client-id is an option of one server, and the servers come from');
    expect(result.stderr).toContain('"client-id"');
    const both = await runCli(['--config', file, 'https://mcp.example.com/mcp']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give a server URL or --config, not both');
  });
});
