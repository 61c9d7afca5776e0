// A local MCP server for the "sessions": "shared" tests: the SDK's McpServer over its StdioServerTransport, with
// tools that show what a shared process sees — its pid, a slow call that reports progress (and the calls that were
// cancelled), a sampling request, a ping of its client, a crash, resource subscriptions it counts (and updates it
// sends on request), a log line at a given level, how many handshakes it had, and a task-based tool.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import { SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

const server = new McpServer(
  { name: 'shared-fixture', version: '1.0.0' },
  {
    capabilities: { logging: {}, resources: { subscribe: true, listChanged: true }, tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
    taskStore: new InMemoryTaskStore(),
  },
);
const text = (value) => ({ content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value) }] });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

server.registerTool('pid', {}, async () => text(String(process.pid)));

// Reports two progress steps naming `tag`, then answers with `tag`; a cancellation is recorded under its tag.
const cancelled = [];
server.registerTool('cancelled', {}, async () => text(cancelled));
server.registerTool('slow', { inputSchema: { tag: z.string(), ms: z.number() } }, async ({ tag, ms }, extra) => {
  extra.signal.addEventListener('abort', () => cancelled.push(tag));
  const token = extra._meta?.progressToken;
  for (let step = 1; step <= 2; step++) {
    if (token !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: step, total: 2, message: tag } });
    await sleep(ms / 2);
  }
  return text(tag);
});

server.registerTool('sample', { inputSchema: { prompt: z.string() } }, async ({ prompt }, extra) => {
  const answer = await extra.sendRequest(
    { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 10 } },
    (await import('@modelcontextprotocol/sdk/types.js')).CreateMessageResultSchema,
  );
  return text(answer.content.text);
});

server.registerTool('ping-client', {}, async () => {
  await server.server.ping();
  return text('pong');
});

server.registerTool('crash', {}, async () => {
  setTimeout(() => process.exit(7), 20);
  return text('crashing');
});

const subscribeCalls = {};
server.registerTool('subscribe-calls', {}, async () => text(subscribeCalls));
server.registerTool('touch', { inputSchema: { uri: z.string() } }, async ({ uri }) => {
  await server.server.sendResourceUpdated({ uri });
  return text('touched');
});
server.registerTool('log', { inputSchema: { level: z.string(), data: z.string() } }, async ({ level, data }) => {
  await server.server.sendLoggingMessage({ level, data });
  return text('logged');
});

server.registerResource('a', 'test://a', {}, async (uri) => ({ contents: [{ uri: uri.href, text: 'a' }] }));
server.registerResource('b', 'test://b', {}, async (uri) => ({ contents: [{ uri: uri.href, text: 'b' }] }));
server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
  subscribeCalls[request.params.uri] = (subscribeCalls[request.params.uri] ?? 0) + 1;
  return {};
});
server.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
  subscribeCalls[request.params.uri] = (subscribeCalls[request.params.uri] ?? 0) - 1;
  return {};
});

// A task-based tool: its task completes at once with `tag` (the store is one for the whole process, as over stdio).
server.experimental.tasks.registerToolTask('job', { inputSchema: { tag: z.string() }, execution: { taskSupport: 'optional' } }, {
  createTask: async ({ tag }, extra) => {
    const task = await extra.taskStore.createTask({ ttl: 60_000 });
    await extra.taskStore.storeTaskResult(task.taskId, 'completed', text(tag));
    return { task };
  },
  getTask: async (_args, extra) => extra.taskStore.getTask(extra.taskId),
  getTaskResult: async (_args, extra) => extra.taskStore.getTaskResult(extra.taskId),
});

let handshakes = 0;
server.server.oninitialized = () => handshakes++;
server.registerTool('handshakes', {}, async () => text(String(handshakes)));

await server.connect(new StdioServerTransport());
