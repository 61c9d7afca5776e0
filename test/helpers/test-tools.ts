/**
 * The MCP server every fixture serves: a fixed identity, instructions, tools that exercise each message kind a
 * bridge must carry (results, progress, logging, list_changed, sampling, elicitation, roots, a request that never
 * answers), one resource and one prompt.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/** The `serverInfo` every test server reports; distinctive so tests can see it came from the real upstream. */
export const TEST_SERVER_INFO = { name: 'bridge-test-server', version: '9.8.7-test' } as const;

/** The `instructions` every test server reports in its initialize result. */
export const TEST_INSTRUCTIONS = 'Test server for mcp-auth-bridge. Use echo to repeat text; stall never answers.';

/** URI of the one resource every test server serves. */
export const TEST_RESOURCE_URI = 'test://greeting';

/** Text of that resource. */
export const TEST_RESOURCE_TEXT = 'hello from the test server resource';

/** The prompt every test server serves (argument `name`). */
export const TEST_PROMPT_NAME = 'greet';

/** The message a `sample` call sends to the client (the client's sampling handler answers it). */
export const SAMPLING_PROMPT = 'ping from the server, please answer';

/** Names of every tool registered by {@link registerTestTools}, sorted. */
export const TEST_TOOL_NAMES = ['add', 'big', 'echo', 'elicit', 'notify', 'roots', 'sample', 'session', 'slow', 'stall'];

const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

/**
 * Registers the test tools on `server`:
 * `echo {text}`, `add {a,b}`, `big {bytes}`, `slow {ms, steps}` (progress when asked), `sample` (sampling request to
 * the client), `elicit` (elicitation request), `roots` (roots/list request), `notify` (a logging message on the
 * request's stream, then tools/list_changed), `session` (the upstream session id this call arrived on) and `stall`
 * (never answers; it gives up only when the request is cancelled or the server closes).
 */
export function registerTestTools(server: McpServer): void {
  server.registerTool(
    'echo',
    { description: 'Returns its text argument unchanged', inputSchema: { text: z.string() } },
    async ({ text: value }) => text(value),
  );
  server.registerTool(
    'add',
    { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => text(String(a + b)),
  );
  server.registerTool(
    'big',
    { description: 'Returns one text content of `bytes` ASCII bytes', inputSchema: { bytes: z.number().int().min(0) } },
    async ({ bytes }) => text(patternText(bytes)),
  );
  server.registerTool(
    'slow',
    {
      description: 'Waits `ms` in total over `steps` steps, reporting progress at each step when asked',
      inputSchema: { ms: z.number().int().min(0), steps: z.number().int().min(1) },
    },
    async ({ ms, steps }, extra) => {
      const token = extra._meta?.progressToken;
      // Progress goes out at the start of each step, so the last one is never in the same chunk as the result
      // (the SDK client drops a progress notification processed after its response).
      for (let step = 1; step <= steps; step++) {
        if (token !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: step, total: steps, message: `step ${step}/${steps}` },
          });
        }
        await new Promise((resolve) => setTimeout(resolve, ms / steps));
      }
      return text(`done after ${steps} steps`);
    },
  );
  server.registerTool('sample', { description: 'Asks the client to sample one message' }, async () => {
    const result = await server.server.createMessage({
      messages: [{ role: 'user', content: { type: 'text', text: SAMPLING_PROMPT } }],
      maxTokens: 32,
    });
    const content = Array.isArray(result.content) ? result.content[0] : result.content;
    return text(`${result.model}: ${content && content.type === 'text' ? content.text : JSON.stringify(content)}`);
  });
  server.registerTool('elicit', { description: 'Asks the client for a name' }, async () => {
    const result = await server.server.elicitInput({
      message: 'What is your name?',
      requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
    });
    return text(JSON.stringify({ action: result.action, content: result.content }));
  });
  server.registerTool('roots', { description: 'Lists the client roots' }, async () => {
    const result = await server.server.listRoots();
    return text(JSON.stringify(result.roots));
  });
  server.registerTool('notify', { description: 'Sends a log message, then tools/list_changed' }, async (extra) => {
    await extra.sendNotification({
      method: 'notifications/message',
      params: { level: 'info', logger: 'test-server', data: 'hello from notify' },
    });
    server.sendToolListChanged();
    return text('notified');
  });
  server.registerTool('session', { description: 'Returns the upstream session id of this call' }, async (extra) =>
    text(extra.sessionId ?? 'none'),
  );
  server.registerTool('stall', { description: 'Never answers' }, async (extra) => {
    await new Promise<void>((resolve) => {
      if (extra.signal.aborted) resolve();
      extra.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return text('stall was cancelled');
  });

  server.registerResource(
    'greeting',
    TEST_RESOURCE_URI,
    { description: 'A fixed greeting', mimeType: 'text/plain' },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: TEST_RESOURCE_TEXT }] }),
  );
  server.registerPrompt(
    TEST_PROMPT_NAME,
    { description: 'Greets someone', argsSchema: { name: z.string() } },
    ({ name }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Please greet ${name}.` } }] }),
  );
}

/**
 * A deterministic ASCII text of exactly `bytes` bytes (digits and letters, so a truncation or a shift shows).
 */
export function patternText(bytes: number): string {
  const unit = '0123456789abcdefghijklmnopqrstuvwxyz';
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

/** A new {@link McpServer} with {@link TEST_SERVER_INFO}, {@link TEST_INSTRUCTIONS}, logging and the test tools. */
export function createTestMcpServer(): McpServer {
  const server = new McpServer(TEST_SERVER_INFO, {
    instructions: TEST_INSTRUCTIONS,
    capabilities: { logging: {} },
  });
  registerTestTools(server);
  return server;
}
