/**
 * A quiet `subscriptions/listen` stream of a 2026-07-28 client stays open behind proxies: `serve` writes a comment
 * line on it every `--sse-keepalive` while it has nothing else to say (clients ignore comments), and never with 0 —
 * as it does on GET and legacy SSE streams (../keepalive.test.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { startStreamableServer } from '../../helpers/servers.js';
import { waitFor } from '../../helpers/wait.js';
import { startServe } from '../serve-process.js';
import { meta2026 } from './client-2026.js';

useTeardown();

const comments = (text: string) => text.split('\n\n').filter((block) => block.startsWith(': keep-alive')).length;

/** Opens a listen stream for tool-list changes and keeps reading it until the test ends. */
async function openListen(url: string): Promise<{ text(): string }> {
  const abort = new AbortController();
  onTeardown(() => abort.abort());
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 'listen-1', method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: meta2026() } }),
    signal: abort.signal,
  });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  let text = '';
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      text += Buffer.from(value!).toString('utf8');
    }
  })();
  return { text: () => text };
}

describe('--sse-keepalive on subscriptions/listen streams', () => {
  it('writes comments on a quiet listen stream', async () => {
    const server = await startStreamableServer();
    const serve = await startServe([server.url, '--sse-keepalive', '200ms']);
    const listen = await openListen(`${serve.base}/mcp`);
    await waitFor('the acknowledgement', () => listen.text().includes('notifications/subscriptions/acknowledged'), { timeoutMs: 15_000 });
    await waitFor('two comments on the listen stream', () => comments(listen.text()) >= 2, { timeoutMs: 10_000 });
    // The comments come between events, never inside one.
    expect(listen.text().split('\n\n').filter((b) => b.trim() !== '').every((b) => b.startsWith(': keep-alive') || b.includes('data: '))).toBe(true);
  });

  it('writes none with 0', async () => {
    const server = await startStreamableServer();
    const serve = await startServe([server.url, '--sse-keepalive', '0']);
    const listen = await openListen(`${serve.base}/mcp`);
    await waitFor('the acknowledgement', () => listen.text().includes('notifications/subscriptions/acknowledged'), { timeoutMs: 15_000 });
    await sleep(700);
    expect(comments(listen.text())).toBe(0);
  });
});
