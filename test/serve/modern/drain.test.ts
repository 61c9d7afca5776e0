/**
 * `serve` stopping with 2026-07-28 clients about: on SIGTERM the warm engines are closed (their upstream sessions
 * ended) and an open `subscriptions/listen` stream is ended, and the process exits 0.
 */
import { describe, expect, it } from 'vitest';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { startStreamableServer } from '../../helpers/servers.js';
import { waitFor, withTimeout } from '../../helpers/wait.js';
import { startServe, textOf } from '../serve-process.js';
import { meta2026, post2026 } from './client-2026.js';

useTeardown();

describe('serve drains its 2026 side', () => {
  it('on SIGTERM, ends the listen streams, closes the warm engines and exits 0', async () => {
    const server = await startStreamableServer();
    const serve = await startServe([server.url]);
    const url = `${serve.base}/mcp`;
    expect(textOf((await post2026(url, 'tools/call', { name: 'add', arguments: { a: 1, b: 1 } }, { 'mcp-name': 'add' })).body.result)).toBe('2');
    const abort = new AbortController();
    onTeardown(() => abort.abort());
    const listen = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'listen-1', method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: meta2026() } }),
      signal: abort.signal,
    });
    expect(listen.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = listen.body!.getReader();
    let text = '';
    const read = (async () => {
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done) return 'ended';
        text += Buffer.from(value!).toString('utf8');
      }
    })();
    await waitFor('the acknowledgement', () => text.includes('notifications/subscriptions/acknowledged'));
    expect(text).toContain('"io.modelcontextprotocol/subscriptionId":"listen-1"');
    expect(text).toContain('"toolsListChanged":true');
    // The call left its engine warm; the stream borrowed it.
    serve.child.kill('SIGTERM');
    expect(await withTimeout('the listen stream to end', read, 20_000)).toBe('ended');
    const exit = await serve.waitForExit(20_000);
    expect(exit.code).toBe(0);
    expect(exit.stderr).toMatch(/closed 1 engine\(s\) of 2026-07-28 clients \(1 listen stream\(s\), 0 request\(s\) waiting for input\)/);
    await waitFor('the upstream sessions to be ended', () => server.sessions.ids.length === 0, { timeoutMs: 10_000 });
  });
});
