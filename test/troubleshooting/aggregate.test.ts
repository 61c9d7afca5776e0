// docs/troubleshooting.md, `--config`: a server that is down, a local command that is not installed, a tool name
// no server has, a tool a filter hides, and a file saved with a mistake — each produced with the real CLI.
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../helpers/cleanup.js';
import { startStreamableServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { connectAggregate } from '../aggregate/aggregate-bridge.js';
import { expectDocumented } from './readme-rows.js';

useTeardown();

const errorOf = (promise: Promise<unknown>) => promise.then(() => '', (e: unknown) => String((e as Error).message));

describe('troubleshooting: --config', () => {
  it('`server "NAME" is not available: …` and `could not start the local server …`', async () => {
    const bridge = await connectAggregate({ mcpServers: { down: { url: 'http://127.0.0.1:9/mcp', auth: 'none', allowHttp: true }, tool: { command: 'no-such-mcp-command' } } });
    await bridge.client.listTools();
    const unavailable = await errorOf(bridge.client.callTool({ name: 'down__echo', arguments: {} }));
    expectDocumented(unavailable, 'is not available: …', { NAME: 'down' });
    await waitFor('the start failure in the log', () => bridge.stderr().includes('could not start the local server'));
    expectDocumented(bridge.stderr(), 'could not start the local server', { NAME: 'tool', X: 'no-such-mcp-command' });
  });

  it('`no server of this configuration has a tool named "X"` and a tool the filter hides', async () => {
    const server = await startStreamableServer();
    const bridge = await connectAggregate({ mcpServers: { web: { url: server.url, auth: 'none', allowHttp: true, tools: { block: ['add'] } } } });
    const unknown = await errorOf(bridge.client.callTool({ name: 'gone__echo', arguments: {} }));
    expectDocumented(unknown, 'has a tool named', { X: 'gone__echo' });
    const hidden = await errorOf(bridge.client.callTool({ name: 'web__add', arguments: { a: 1, b: 2 } }));
    expectDocumented(hidden, 'does not allow it', { X: 'web__add', NAME: 'web' });
  });

  it('`configuration not applied: …`, and the old configuration keeps serving', async () => {
    const server = await startStreamableServer();
    const bridge = await connectAggregate({ mcpServers: { web: { url: server.url, auth: 'none', allowHttp: true } } });
    writeFileSync(bridge.file, JSON.stringify({ mcpServers: { web: { url: server.url, auth: 'none', allowHttp: true, transport: 'carrier-pigeon' } } }));
    await waitFor('the refusal', () => bridge.stderr().includes('configuration not applied'), { timeoutMs: 15_000 });
    expectDocumented(bridge.stderr(), 'configuration not applied');
    expect(bridge.stderr()).toContain('"transport"');
    await expect(bridge.client.callTool({ name: 'web__echo', arguments: { text: 'still' } })).resolves.toMatchObject({ content: [{ text: 'still' }] });
  });
});
