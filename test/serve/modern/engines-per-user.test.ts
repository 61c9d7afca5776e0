/**
 * The warm engines of serve's 2026-07-28 side belong to one user: stateless requests of one user (and one client)
 * reuse a warm engine — the same upstream session — while another user's requests never land on it; a requestState
 * one user got is refused to another, and still works for its owner; a client that goes away mid-call has its
 * engine closed rather than reused. Run on the in-process front with the `X-Test-User` authenticator.
 */
import { describe, expect, it } from 'vitest';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { startStreamableServer } from '../../helpers/servers.js';
import { waitFor } from '../../helpers/wait.js';
import { startInProcessFront } from '../in-process-front.js';
import { textOf } from '../serve-process.js';
import { post2026 } from './client-2026.js';

useTeardown();

const ALICE = { 'x-test-user': 'alice' };
const BOB = { 'x-test-user': 'bob' };
const SAMPLING = { 'io.modelcontextprotocol/clientCapabilities': { sampling: {} } };

describe('2026-07-28 requests on warm engines, per user', () => {
  it('reuses one user\'s warm engine across requests and never gives it to another user', async () => {
    const server = await startStreamableServer();
    const front = await startInProcessFront(server.url);
    const url = `http://127.0.0.1:${front.port}/mcp`;
    const session = (user: Record<string, string>) => post2026(url, 'tools/call', { name: 'session', arguments: {} }, { 'mcp-name': 'session', ...user });
    const a1 = textOf((await session(ALICE)).body.result);
    const a2 = textOf((await session(ALICE)).body.result);
    const b1 = textOf((await session(BOB)).body.result);
    expect(a1).not.toBe('none');
    expect(a2).toBe(a1); // warm: the same upstream session
    expect(b1).not.toBe(a1); // Bob's own engine
  });

  it('refuses Alice\'s requestState to Bob, and lets Alice finish with it', async () => {
    const server = await startStreamableServer();
    const front = await startInProcessFront(server.url);
    const url = `http://127.0.0.1:${front.port}/mcp`;
    const first = await post2026(url, 'tools/call', { name: 'sample', arguments: {}, _meta: SAMPLING }, { 'mcp-name': 'sample', ...ALICE });
    const { requestState, inputRequests } = first.body.result as { requestState: string; inputRequests: Record<string, unknown> };
    const key = Object.keys(inputRequests)[0]!;
    const retry = (user: Record<string, string>, text: string) =>
      post2026(
        url,
        'tools/call',
        { name: 'sample', arguments: {}, requestState, inputResponses: { [key]: { model: 'm', role: 'assistant', content: { type: 'text', text } } }, _meta: SAMPLING },
        { 'mcp-name': 'sample', ...user },
      );
    const stolen = await retry(BOB, 'from bob');
    expect(stolen.body.error?.code).toBe(-32602);
    expect(JSON.stringify(stolen.body)).not.toContain('from bob');
    const owned = await retry(ALICE, 'from alice');
    expect(textOf(owned.body.result)).toBe('m: from alice');
    expect(front.log()).toMatch(/refused a retry of tools\/call: its requestState is another request's/);
    expect(front.log()).not.toContain(requestState);
  });

  it('closes the engine of a request whose client went away, and cancels the call upstream', async () => {
    const server = await startStreamableServer();
    const front = await startInProcessFront(server.url);
    const url = `http://127.0.0.1:${front.port}/mcp`;
    const abort = new AbortController();
    const stalled = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'stall', ...ALICE },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'stall', arguments: {}, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } }),
      signal: abort.signal,
    }).catch(() => undefined);
    await waitFor('the stall call to reach the server', () => server.requests.some((r) => r.body.includes('"stall"')), { timeoutMs: 15_000 });
    const before = textOf((await post2026(url, 'tools/call', { name: 'session', arguments: {} }, { 'mcp-name': 'session', ...ALICE })).body.result);
    abort.abort();
    await stalled;
    await waitFor('the cancellation to reach the server', () => server.requests.some((r) => r.body.includes('notifications/cancelled')), { timeoutMs: 15_000 });
    await waitFor('the abandoned engine to close', () => /the client went away before its answer; closing its engine/.test(front.log()), { timeoutMs: 15_000 });
    // The engine that answered `session` was free all along, and stays warm.
    const after = textOf((await post2026(url, 'tools/call', { name: 'session', arguments: {} }, { 'mcp-name': 'session', ...ALICE })).body.result);
    expect(after).toBe(before);
  });

  it('answers 503 with Retry-After when a user\'s requests hold every engine they may have, and serves other users', async () => {
    const server = await startStreamableServer();
    const front = await startInProcessFront(server.url);
    const url = `http://127.0.0.1:${front.port}/mcp`;
    const abort = new AbortController();
    onTeardown(() => abort.abort());
    const stall = () =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'stall', ...ALICE },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'stall', arguments: {}, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } }),
        signal: abort.signal,
      }).catch(() => undefined);
    for (let i = 0; i < 4; i++) void stall();
    await waitFor('four stalled calls at the server', () => server.requests.filter((r) => r.body.includes('"stall"')).length === 4, { timeoutMs: 15_000 });
    const refused = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list', ...ALICE },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } }),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(textOf((await post2026(url, 'tools/call', { name: 'add', arguments: { a: 1, b: 2 } }, { 'mcp-name': 'add', ...BOB })).body.result)).toBe('3');
  });
});
