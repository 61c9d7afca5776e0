/**
 * The fixture tools of test/fixtures/py2026/tools.py again, on the SDK's 2.x `McpServer`: the era tests' second 2026
 * implementation, so the one client script can run against it too. One factory serves both eras; where they deliver
 * a thing differently the handler branches on the era it was built for (sampling, elicitation and roots as
 * server-to-client requests on 2025, `input_required` results on 2026; change notifications to the 2025 sessions
 * that asked, or on the handler's `subscriptions/listen` bus on 2026).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  completable,
  inputRequired,
  inputResponse,
  McpServer,
  ResourceTemplate,
  type CallToolResult,
  type CreateMessageRequestParams,
  type LoggingLevel,
  type ServerNotifier,
} from '@modelcontextprotocol/server';
import * as z from 'zod';

const COUNTER_URI = 'fixture://counter';
const LEVELS: LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];
const NAMES = ['Ada', 'Alan', 'Grace'];

/** What every instance shares: the counter, the last slow call's fate, the added tools, the 2025 subscribers. */
export interface Sdk2State {
  counter: number;
  slow: string;
  added: string[];
  /** Handshake-era sessions (their instance) subscribed to the counter. */
  subscribers: Set<McpServer>;
  /** The 2026 handler's listen bus, once the handler exists. */
  notify?: ServerNotifier;
}

/** A fresh {@link Sdk2State}. */
export function sdk2State(): Sdk2State {
  return { counter: 0, slow: 'never called', added: [], subscribers: new Set() };
}

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });

function samplingParams(prompt: string): CreateMessageRequestParams {
  return { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 16 };
}

const PERSON = { type: 'object' as const, properties: { name: { type: 'string' as const } }, required: ['name'] };

/** Builds one instance for `era` over the shared `state` (see the module comment). */
export function buildSdk2Server(era: 'legacy' | 'modern', state: Sdk2State): McpServer {
  const server = new McpServer(
    { name: 'sdk2-fixture', version: '1.0.0' },
    {
      instructions: 'A fixture server for the bridge\'s tests.',
      capabilities: { logging: {}, completions: {}, tools: { listChanged: true }, resources: { subscribe: true, listChanged: true }, prompts: { listChanged: true } },
    },
  );
  const modern = era === 'modern';

  server.registerTool('echo', { description: 'Answers with the text it was given.', inputSchema: { text: z.string() } }, ({ text: t }) => text(t));
  server.registerTool(
    'add',
    {
      description: 'Adds two integers; structured output.',
      inputSchema: { a: z.number().int(), b: z.number().int() },
      outputSchema: { sum: z.number().int(), parity: z.string() },
    },
    ({ a, b }) => {
      const structured = { sum: a + b, parity: (a + b) % 2 === 0 ? 'even' : 'odd' };
      return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
    },
  );
  server.registerTool(
    'weather',
    {
      description: 'Forecast for a region; `region` and `days` travel in Mcp-Param-* headers on 2026-07-28.',
      inputSchema: {
        region: z.string().meta({ 'x-mcp-header': 'Region' }),
        day: z.string().default('today'),
        days: z.number().int().default(1).meta({ 'x-mcp-header': 'Days' }),
      },
    },
    ({ region, day, days }) => text(`${region} ${day}: sunny for ${days} day(s)`),
  );

  server.registerTool('ask_sampling', { description: 'Asks the client to sample a message.', inputSchema: { prompt: z.string() } }, async ({ prompt }, ctx) => {
    let result;
    if (modern) {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'sample');
      if (answer.kind !== 'sampling') return inputRequired({ inputRequests: { sample: inputRequired.createMessage(samplingParams(prompt)) } });
      result = answer.result;
    } else {
      result = await ctx.mcpReq.requestSampling(samplingParams(prompt));
    }
    const content = result.content;
    return text(`sampling: ${!Array.isArray(content) && content.type === 'text' ? content.text : '?'} (${result.model})`);
  });
  server.registerTool('ask_elicit', { description: 'Asks the user their name.' }, async (ctx) => {
    let action: string;
    let content: Record<string, unknown> | undefined;
    if (modern) {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'who');
      if (answer.kind !== 'elicit') return inputRequired({ inputRequests: { who: inputRequired.elicit({ message: 'Who are you?', requestedSchema: PERSON }) } });
      ({ action, content } = answer);
    } else {
      ({ action, content } = await ctx.mcpReq.elicitInput({ mode: 'form', message: 'Who are you?', requestedSchema: PERSON }));
    }
    return text(action === 'accept' ? `hello ${String(content?.name)}` : `elicitation ${action}`);
  });
  server.registerTool('ask_roots', { description: 'Asks the client for its roots.' }, async (ctx) => {
    let roots;
    if (modern) {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'roots');
      if (answer.kind !== 'roots') return inputRequired({ inputRequests: { roots: inputRequired.listRoots() } });
      roots = answer.roots;
    } else {
      roots = (await ctx.mcpReq.send({ method: 'roots/list' })).roots;
    }
    return text(`roots: ${roots.map((r) => r.uri).join(', ')}`);
  });

  server.registerTool('log_all', { description: 'Logs one message at each level.' }, async (ctx) => {
    for (const level of LEVELS) await ctx.mcpReq.log(level, `${level} message`, 'sdk2');
    return text('logged');
  });
  server.registerTool('progress', { description: 'Reports progress, then answers.', inputSchema: { steps: z.number().int() } }, async ({ steps }, ctx) => {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    for (let step = 1; step <= steps; step++) {
      if (progressToken !== undefined) {
        await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress: step, total: steps, message: `step ${step}` } });
      }
    }
    await sleep(200); // as in the Python fixture: keeps the SDK 1.x client's progress race out of the comparison
    return text(`${steps} steps`);
  });
  server.registerTool('slow', { description: 'Sleeps until cancelled.', inputSchema: { seconds: z.number() } }, async ({ seconds }, ctx) => {
    state.slow = 'running';
    try {
      await sleep(seconds * 1000, undefined, { signal: ctx.mcpReq.signal });
    } catch (error) {
      state.slow = 'cancelled';
      throw error;
    }
    state.slow = 'finished';
    return text('slept');
  });
  server.registerTool('slow_status', { description: 'How the last slow call ended.' }, () => text(state.slow));

  server.registerTool('bump', { description: 'Increments the counter resource and notifies its subscribers.' }, async () => {
    state.counter += 1;
    state.notify?.resourceUpdated(COUNTER_URI);
    for (const subscriber of state.subscribers) await subscriber.server.sendResourceUpdated({ uri: COUNTER_URI }).catch(() => undefined);
    return text(`count=${state.counter}`);
  });
  const registerAdded = (name: string) =>
    server.registerTool(name, { description: `Added at run time: ${name}` }, () => text(`I am ${name}`));
  for (const name of state.added) registerAdded(name);
  server.registerTool('add_tool', { description: 'Adds a tool.', inputSchema: { name: z.string() } }, ({ name }) => {
    state.added.push(name);
    registerAdded(name); // a connected 2025 instance announces it itself
    state.notify?.toolsChanged();
    return text(`added ${name}`);
  });

  server.registerResource('static', 'fixture://static', { mimeType: 'text/plain', description: 'A fixed text.' }, (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'static content' }],
  }));
  server.registerResource('greeting', new ResourceTemplate('fixture://greeting/{name}', { list: undefined }), { mimeType: 'text/plain' }, (uri, { name }) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: `Hello, ${String(name)}!` }],
  }));
  server.registerResource('counter', COUNTER_URI, { mimeType: 'text/plain', description: 'Changes on `bump`.' }, (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: `count=${state.counter}` }],
  }));
  if (!modern) {
    server.server.setRequestHandler('resources/subscribe', async () => {
      state.subscribers.add(server);
      return {};
    });
    server.server.setRequestHandler('resources/unsubscribe', async () => {
      state.subscribers.delete(server);
      return {};
    });
  }

  server.registerResource(
    'roots-listing',
    new ResourceTemplate('fixture://roots/{label}', { list: undefined }),
    { mimeType: 'text/plain', description: 'The client\'s roots under a label: asks for them first.' },
    async (uri, { label }, ctx) => {
      let roots;
      if (modern) {
        const answer = inputResponse(ctx.mcpReq.inputResponses, 'roots');
        if (answer.kind !== 'roots') return inputRequired({ inputRequests: { roots: inputRequired.listRoots() } });
        roots = answer.roots;
      } else {
        roots = (await ctx.mcpReq.send({ method: 'roots/list' })).roots;
      }
      return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: `${String(label)}: ${roots.map((r) => r.uri).join(', ')}` }] };
    },
  );
  server.registerPrompt('greet_asked', { description: 'Greets whoever the user says they are: asks first.' }, async (ctx) => {
    let name = 'nobody';
    if (modern) {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'who');
      if (answer.kind !== 'elicit') return inputRequired({ inputRequests: { who: inputRequired.elicit({ message: 'Who are you?', requestedSchema: PERSON }) } });
      if (answer.action === 'accept') name = String(answer.content?.name);
    } else {
      const answer = await ctx.mcpReq.elicitInput({ mode: 'form', message: 'Who are you?', requestedSchema: PERSON });
      if (answer.action === 'accept') name = String(answer.content?.name);
    }
    return { messages: [{ role: 'user', content: { type: 'text', text: `Please greet ${name} warmly.` } }] };
  });
  server.registerPrompt(
    'greet',
    { description: 'Greets someone.', argsSchema: { name: completable(z.string(), (value) => NAMES.filter((n) => n.startsWith(value))) } },
    ({ name }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Please greet ${name} warmly.` } }] }),
  );
  return server;
}
