/**
 * A session belongs to the user who opened it. Tried as an attacker would: user B, holding user A's session id
 * (leaked, guessed, read over a shoulder), on POST, GET and DELETE of Streamable HTTP and on the legacy
 * `/messages?sessionId=`, gets 404 exactly as for a session that does not exist; A's session goes on untouched; the
 * attempt is logged without the id. Requests without credentials get the authenticator's refusal.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { startStreamableServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { startInProcessFront } from './in-process-front.js';
import { MCP_POST_HEADERS, openRawSession, rawHttp, toolsList } from './raw-http.js';

useTeardown();

const ALICE = { 'x-test-user': 'alice' };
const BOB = { 'x-test-user': 'bob' };

async function frontWithAlice() {
  const server = await startStreamableServer();
  const front = await startInProcessFront(server.url);
  const id = await openRawSession(front.port, ALICE);
  return { server, front, id };
}

describe('a session id is useless to anyone but its owner', () => {
  it('B gets 404 on POST, GET and DELETE with A\'s session id; A\'s session keeps working', async () => {
    const { front, id } = await frontWithAlice();
    const as = (user: Record<string, string>, extra: Partial<Parameters<typeof rawHttp>[0]> = {}) =>
      rawHttp({ port: front.port, method: 'POST', path: '/mcp', headers: { ...MCP_POST_HEADERS, ...user, 'mcp-session-id': id }, body: toolsList(7), until: /"id":7/, ...extra });
    const unknown = await rawHttp({ port: front.port, method: 'POST', path: '/mcp', headers: { ...MCP_POST_HEADERS, ...BOB, 'mcp-session-id': 'not-a-session' }, body: toolsList(7) });
    const post = await as(BOB);
    expect(post.status).toBe(404);
    expect(post.text).toBe(unknown.text); // indistinguishable from a session that does not exist
    expect(post.text).not.toMatch(/"tools"/);
    const get = await as(BOB, { method: 'GET', headers: { accept: 'text/event-stream', ...BOB, 'mcp-session-id': id }, body: undefined, streamMs: 500 });
    expect(get.status).toBe(404);
    const del = await as(BOB, { method: 'DELETE', headers: { ...BOB, 'mcp-session-id': id }, body: undefined });
    expect(del.status).toBe(404);
    const mine = await as(ALICE);
    expect(mine.status).toBe(200);
    expect(mine.text).toMatch(/"tools"/);
    expect(front.log()).toMatch(/refused user "bob" \(header\) the session 1 of another user/);
    expect(front.log()).not.toContain(id);
  });

  it('B gets 404 posting to A\'s legacy SSE session; nothing reaches A\'s stream', async () => {
    const server = await startStreamableServer();
    const front = await startInProcessFront(server.url);
    let stream = '';
    const req = request({ host: '127.0.0.1', port: front.port, path: '/sse', headers: { accept: 'text/event-stream', ...ALICE } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (stream += chunk));
    });
    req.end();
    onTeardown(() => void req.destroy());
    const endpoint = await waitFor('the endpoint event', () => /event: endpoint\ndata: (\S+)/.exec(stream)?.[1]);
    const post = (user: Record<string, string>, body: string) =>
      rawHttp({ port: front.port, method: 'POST', path: endpoint, headers: { 'content-type': 'application/json', ...user }, body });
    const initialize = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'bob', version: '1' } } });
    expect((await post(BOB, initialize)).status).toBe(404);
    expect((await post(ALICE, initialize)).status).toBe(202);
    await waitFor('A\'s initialize answer on A\'s stream', () => stream.includes('"id":1'));
    expect(stream.match(/"id":1/g)).toHaveLength(1); // B's never ran
    expect(front.log()).toMatch(/refused user "bob" \(header\) the session 1 of another user/);
  });

  it('answers a request without credentials with the authenticator\'s refusal, before anything else', async () => {
    const server = await startStreamableServer();
    const front = await startInProcessFront(server.url);
    const refused = await rawHttp({ port: front.port, method: 'POST', path: '/mcp', headers: { ...MCP_POST_HEADERS }, body: toolsList(1) });
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer');
    expect(JSON.parse(refused.text)).toEqual({ error: 'invalid_request', error_description: 'no X-Test-User' });
    expect(front.log()).not.toMatch(/session \d+ opened/);
    expect(server.requests.some((r) => r.body.includes('tools/list'))).toBe(false);
  });
});
