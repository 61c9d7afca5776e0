/**
 * A server that gives up its own request to the client (here: the tool call that needed a sampling answer was
 * cancelled) says so with notifications/cancelled under its own id; through the aggregate the client must receive it
 * under the id it knows for that request, or it would go on sampling for nobody.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { BIN_PATH, baseEnv } from '../helpers/cli.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { startStreamableServer } from '../helpers/servers.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { writeConfigFile } from './aggregate-bridge.js';

useTeardown();

/** A tool that asks the client to sample and gives the request up when its own call is cancelled. */
function askingServer(): McpServer {
  const server = new McpServer({ name: 'asking', version: '1.0.0' });
  server.registerTool('ask', {}, async (extra) => {
    await server.server.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'think hard' } }], maxTokens: 8 }, { signal: extra.signal });
    return { content: [{ type: 'text', text: 'answered' }] };
  });
  return server;
}

describe('a server cancelling its own request to the client', () => {
  it('reaches the client under the id the client knows, and aborts the client\'s handler', async () => {
    const quiet = await startStreamableServer();
    const asking = await startStreamableServer({ createServer: askingServer });
    const file = writeConfigFile({ mcpServers: { quiet: { url: quiet.url, auth: 'none', allowHttp: true }, asking: { url: asking.url, auth: 'none', allowHttp: true } } });
    const client = new Client({ name: 'cancel-test', version: '1.0.0' }, { capabilities: { sampling: {} } });
    let started = false;
    let aborted = false;
    client.setRequestHandler(CreateMessageRequestSchema, async (_request, extra) => {
      started = true;
      await new Promise<void>((resolve) => extra.signal.addEventListener('abort', () => resolve(), { once: true }));
      aborted = true;
      return { model: 'never', role: 'assistant', content: { type: 'text', text: 'too late' } };
    });
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN_PATH, '--config', file], env: baseEnv(), stderr: 'pipe' });
    onTeardown(() => client.close());
    await withTimeout('connect', client.connect(transport), 15_000);
    const controller = new AbortController();
    const call = client.callTool({ name: 'asking__ask', arguments: {} }, undefined, { signal: controller.signal });
    await waitFor('the sampling request reached the client', () => started);
    controller.abort('changed my mind');
    await expect(call).rejects.toThrow();
    await waitFor('the server\'s cancellation aborted the client\'s sampling', () => aborted);
  });
});
