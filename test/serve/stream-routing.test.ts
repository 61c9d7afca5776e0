/**
 * Where `serve` puts each message of a Streamable HTTP session, read off the raw streams: a quick answer as JSON, a
 * slow one or one with progress as an event stream; a response and the
 * progress of its request on that request's POST stream (two calls at once each get only their own); a server's
 * request on the GET stream when one is open, else on the POST stream in flight; and a notification with no stream
 * to go on kept for the next stream the client opens.
 */
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../helpers/cleanup.js';
import { startStreamableServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { MCP_POST_HEADERS, openEventStream, openRawSession, rawHttp } from './raw-http.js';
import { startServe } from './serve-process.js';

useTeardown();

const call = (id: number, name: string, args: Record<string, unknown>, token?: string) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, ...(token ? { _meta: { progressToken: token } } : {}) } });

/** An open GET stream of the session. */
const listen = (port: number, id: string) => openEventStream(port, '/mcp', { 'mcp-session-id': id });

async function session() {
  const server = await startStreamableServer();
  const serve = await startServe([server.url]);
  const id = await openRawSession(serve.port);
  const post = (body: string, until: RegExp, accept: string = MCP_POST_HEADERS.accept) =>
    rawHttp({ port: serve.port, method: 'POST', path: '/mcp', headers: { ...MCP_POST_HEADERS, accept, 'mcp-session-id': id }, body, until, streamMs: 15_000 });
  return { serve, id, post };
}

describe('serve routes each message to the right stream', () => {
  it('answers a quick request with a JSON body, and a slow one or one with progress with an event stream', async () => {
    const { post } = await session();
    const quick = await post(call(51, 'echo', { text: 'fast' }), /"id":51/);
    expect(quick.headers['content-type']).toBe('application/json');
    expect(JSON.parse(quick.text)).toMatchObject({ id: 51, result: { content: [{ text: 'fast' }] } });
    const slow = await post(call(52, 'slow', { ms: 600, steps: 1 }), /"id":52/);
    expect(slow.headers['content-type']).toBe('text/event-stream');
    const progress = await post(call(53, 'slow', { ms: 10, steps: 1 }, 'token-c'), /"id":53/);
    expect(progress.headers['content-type']).toBe('text/event-stream');
    expect(progress.text.indexOf('token-c')).toBeLessThan(progress.text.indexOf('"id":53'));
  });

  it('puts progress and the response on the stream of the request they belong to', async () => {
    const { post } = await session();
    const [a, b] = await Promise.all([post(call(11, 'slow', { ms: 600, steps: 3 }, 'token-a'), /"id":11/), post(call(12, 'slow', { ms: 600, steps: 3 }, 'token-b'), /"id":12/)]);
    expect(a.text.match(/"progressToken":"token-a"/g)).toHaveLength(3);
    expect(b.text.match(/"progressToken":"token-b"/g)).toHaveLength(3);
    expect(a.text).not.toMatch(/token-b|"id":12/);
    expect(b.text).not.toMatch(/token-a|"id":11/);
  });

  it('sends a server request on the GET stream when one is open, and takes the client\'s answer by POST', async () => {
    const { serve, id, post } = await session();
    const get = listen(serve.port, id);
    await waitFor('the GET stream to open', () => get.status() === 200);
    const answer = post(call(21, 'sample', {}), /"id":21/);
    const asked = await waitFor('the sampling request on the GET stream', () => /data: (\{.*"method":"sampling\/createMessage".*\})/.exec(get.text())?.[1], { timeoutMs: 15_000 });
    const request = JSON.parse(asked) as { id: string | number };
    const reply = await rawHttp({
      port: serve.port,
      method: 'POST',
      path: '/mcp',
      headers: { ...MCP_POST_HEADERS, 'mcp-session-id': id },
      body: JSON.stringify({ jsonrpc: '2.0', id: request.id, result: { model: 'raw', role: 'assistant', content: { type: 'text', text: 'hello' } } }),
    });
    expect(reply.status).toBe(202);
    const done = await answer;
    expect(done.text).toMatch(/raw: hello/);
    expect(done.text).not.toMatch(/sampling\/createMessage/);
  });

  it('sends a server request on the POST stream in flight when no GET stream is open', async () => {
    const { post } = await session();
    const seen = await post(call(31, 'sample', {}), /sampling\/createMessage/);
    expect(seen.status).toBe(200);
    const asked = JSON.parse(/data: (\{.*"method":"sampling\/createMessage".*\})/.exec(seen.text)![1]!) as { id: unknown };
    expect(asked.id).toBeDefined();
  });

  it('keeps a notification that has no stream to go on for the next stream the client opens', async () => {
    const { serve, id, post } = await session();
    // A JSON answer (no event stream) and no GET stream: the server's list_changed has nowhere to go yet.
    const json = await post(call(41, 'notify', {}), /"id":41/, 'application/json');
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(json.text)).toMatchObject({ id: 41, result: { content: [{ text: 'notified' }] } });
    await serve.waitForStderr(/session 1\b.*no stream open to the client: keeping its messages/);
    const get = listen(serve.port, id);
    await waitFor('the kept list_changed on the GET stream', () => get.text().includes('notifications/tools/list_changed'), { timeoutMs: 15_000 });
  });
});
