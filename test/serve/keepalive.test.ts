/**
 * Quiet event streams stay open behind proxies: `serve` writes a comment line on a GET stream and on a legacy SSE
 * stream that have nothing else to say, every `--sse-keepalive` (clients ignore comments), and never with 0.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../helpers/cleanup.js';
import { startStreamableServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { openEventStream, openRawSession } from './raw-http.js';
import { startServe } from './serve-process.js';

useTeardown();

const comments = (text: string) => text.split('\n\n').filter((block) => block.startsWith(': keep-alive')).length;

describe('--sse-keepalive', () => {
  it('writes comments on a quiet GET stream and a quiet legacy SSE stream', async () => {
    const upstream = await startStreamableServer();
    const serve = await startServe([upstream.url, '--allow-http', '--sse-keepalive', '200ms']);
    const session = await openRawSession(serve.port);
    const get = openEventStream(serve.port, '/mcp', { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' });
    const legacy = openEventStream(serve.port, '/sse', {});
    await waitFor('two comments on the GET stream', () => comments(get.text()) >= 2, { timeoutMs: 10_000 });
    await waitFor('two comments on the legacy stream', () => comments(legacy.text()) >= 2, { timeoutMs: 10_000 });
    expect(get.status()).toBe(200);
  });

  it('writes none with 0', async () => {
    const upstream = await startStreamableServer();
    const serve = await startServe([upstream.url, '--allow-http', '--sse-keepalive', '0']);
    const session = await openRawSession(serve.port);
    const get = openEventStream(serve.port, '/mcp', { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' });
    await waitFor('the stream to open', () => get.status() === 200);
    await sleep(700);
    expect(comments(get.text())).toBe(0);
  });
});
