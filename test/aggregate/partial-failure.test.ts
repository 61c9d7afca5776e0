/**
 * Partial failure is normal: a server that is down when the client connects joins later (the client is told with
 * list_changed), a slow server does not hold up a list of the others, and lists page across servers.
 */
import { describe, expect, it } from 'vitest';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListToolsRequestSchema, CallToolRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { freePort } from '../helpers/child-server.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startStreamableServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { connectAggregate } from './aggregate-bridge.js';

useTeardown();

const remote = (url: string) => ({ url, auth: 'none', allowHttp: true });

describe('a server that is down at first', () => {
  it('joins when it comes up: the client gets tools/list_changed and then its tools', async () => {
    const alpha = await startStreamableServer();
    const port = await freePort();
    const bridge = await connectAggregate({ mcpServers: { alpha: remote(alpha.url), late: remote(`http://127.0.0.1:${port}/mcp`) } });
    expect((await bridge.client.listTools()).tools.some((t) => t.name.startsWith('late__'))).toBe(false);
    await startStreamableServer({ port });
    await waitFor('tools/list_changed after the server came up', () => bridge.notifications.some((n) => n.method === 'notifications/tools/list_changed'), { timeoutMs: 20_000 });
    const { tools } = await bridge.client.listTools();
    expect(tools.map((t) => t.name)).toContain('late__echo');
    const result = await bridge.client.callTool({ name: 'late__echo', arguments: { text: 'made it' } });
    expect(result.content).toEqual([{ type: 'text', text: 'made it' }]);
  });
});

/** A server whose tools/list pages two tools at a time, and whose `wait` tool list takes `delayMs`. */
function pagingServer(prefix: string, count: number, delayMs = 0): () => McpServer {
  return () => {
    const mcp = new McpServer({ name: 'paging', version: '1.0.0' }, { capabilities: { tools: {} } });
    const server: Server = mcp.server;
    const names = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
    server.setRequestHandler(ListToolsRequestSchema, async (request) => {
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const start = Number(request.params?.cursor ?? 0);
      const page = names.slice(start, start + 2).map((name) => ({ name, inputSchema: { type: 'object' as const } }));
      return { tools: page, ...(start + 2 < names.length ? { nextCursor: String(start + 2) } : {}) };
    });
    server.setRequestHandler(CallToolRequestSchema, async (request) => ({ content: [{ type: 'text', text: `called ${request.params.name}` }] }));
    return mcp;
  };
}

describe('lists across servers', () => {
  it('pages through every server\'s pages with one opaque cursor, and nothing is lost or repeated', async () => {
    const a = await startStreamableServer({ createServer: pagingServer('a', 5) });
    const b = await startStreamableServer({ createServer: pagingServer('b', 3) });
    const bridge = await connectAggregate({ mcpServers: { a: remote(a.url), b: remote(b.url) } });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await bridge.client.listTools(cursor ? { cursor } : {});
      seen.push(...page.tools.map((t) => t.name));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(['a__a0', 'a__a1', 'a__a2', 'a__a3', 'a__a4', 'b__b0', 'b__b1', 'b__b2']);
    await expect(bridge.client.listTools({ cursor: 'not-ours' })).rejects.toThrow(/cursor/);
  });

  it('does not wait past its bound for a slow server, and tells the client when the slow one answers', async () => {
    const fast = await startStreamableServer({ createServer: pagingServer('f', 1) });
    const slow = await startStreamableServer({ createServer: pagingServer('s', 1, 4_000) });
    const bridge = await connectAggregate({ listTimeout: '1s', mcpServers: { fast: remote(fast.url), slow: remote(slow.url) } });
    const { tools } = await bridge.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['fast__f0']);
    await waitFor('tools/list_changed once the slow server answered', () => bridge.notifications.some((n) => n.method === 'notifications/tools/list_changed'), { timeoutMs: 15_000 });
  });
});
