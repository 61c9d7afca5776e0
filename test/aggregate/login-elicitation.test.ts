/**
 * serve's way of asking a user to log in (the aggregator with `loginElicitation`, as serve builds it; here over an
 * in-memory client, since the link is the same whatever carries it): a call to a server that waits for the user's
 * login is answered with a URL-mode elicitation of the login link (-32042, MCP 2025-11-25) when the client accepts
 * one, and the elicitation is completed once the login is done; a client without URL mode gets the link in an error.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpError, type Notification } from '@modelcontextprotocol/sdk/types.js';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import { backendFor } from '../../src/cli/member-backends.js';
import { PASS_ALL } from '../../src/config/file/tool-filter.js';
import { processRuntime } from '../../src/config/runtime.js';
import { validateConfig } from '../../src/config/validate.js';
import { createLogger } from '../../src/log.js';
import { createGroupGuardian } from '../../src/upstream/stdio/guardian.js';
import { tempDir } from '../helpers/auth-bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { driveLogin, startAuthStack } from '../helpers/oidc/index.js';
import { waitFor } from '../helpers/wait.js';

useTeardown();

async function aggregateFor(url: string, elicitation: boolean) {
  const logger = createLogger({ level: 'silent' });
  const runtime = { ...processRuntime(), openBrowser: async () => undefined, prompt: () => undefined };
  const config = validateConfig({ url, allowHttp: true, authTimeout: '60s' }, {});
  const server = { name: 'secure', kind: 'remote' as const, config: config.server, filter: PASS_ALL };
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const aggregator = new Aggregator({
    client: serverSide,
    servers: [{ name: 'secure', slug: 'secure', filter: PASS_ALL }],
    factory: () =>
      backendFor({ server, process: config.process, store: { tokenStore: 'file', configDir: tempDir() }, runtime, guardian: createGroupGuardian({ logger }), root: logger, log: logger, clientReady: () => undefined }),
    separator: '__',
    logger,
    version: 'test',
    loginElicitation: true,
  });
  onTeardown(() => aggregator.close());
  await aggregator.start();
  const notifications: Notification[] = [];
  const client = new Client({ name: 'elicitation-test', version: '1.0.0' }, { capabilities: elicitation ? { elicitation: { url: {} } } : {} });
  client.fallbackNotificationHandler = async (n) => void notifications.push(n);
  await client.connect(clientSide);
  return { client, notifications };
}

const failureOf = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as McpError);

describe('a call to a server waiting for the user\'s login', () => {
  it('gets a URL-mode elicitation of the login link, completed once the user logged in; then the call works', async () => {
    const stack = await startAuthStack();
    const { client, notifications } = await aggregateFor(stack.server.url, true);
    let error: McpError | undefined;
    await waitFor('the elicitation', async () => {
      error = await failureOf(client.callTool({ name: 'secure__whoami', arguments: {} }, undefined, { timeout: 2_000 }));
      return error?.code === -32042;
    }, { timeoutMs: 15_000, intervalMs: 200 });
    const [elicitation] = (error!.data as { elicitations: Array<{ mode: string; url: string; elicitationId: string; message: string }> }).elicitations;
    expect(elicitation).toMatchObject({ mode: 'url', message: expect.stringContaining('secure') });
    expect(new URL(elicitation!.url).origin).toBe(new URL(stack.provider.issuer).origin);
    await driveLogin(elicitation!.url);
    await waitFor('notifications/elicitation/complete', () =>
      notifications.some((n) => n.method === 'notifications/elicitation/complete' && (n.params as { elicitationId?: string }).elicitationId === elicitation!.elicitationId),
    { timeoutMs: 20_000 });
    const who = await client.callTool({ name: 'secure__whoami', arguments: {} });
    expect(JSON.stringify(who.content)).toContain('sub');
  });

  it('without URL-mode elicitation in the client, gets an error that holds the link', async () => {
    const stack = await startAuthStack();
    const { client } = await aggregateFor(stack.server.url, false);
    let error: McpError | undefined;
    await waitFor('the error with the link', async () => {
      error = await failureOf(client.callTool({ name: 'secure__whoami', arguments: {} }, undefined, { timeout: 2_000 }));
      return error?.message.includes('to log in, open http');
    }, { timeoutMs: 15_000, intervalMs: 200 });
    expect(error?.code).not.toBe(-32042);
  });
});
