/**
 * `serve`'s defences, tried from outside with raw HTTP as an attacker or a careless client would: DNS rebinding (a
 * foreign Host), a foreign browser Origin, CORS only for listed origins, a body over the limit, the session limit,
 * idle expiry, the transport's own refusals (400, 404, 406, 409), and session ids kept out of the log.
 */
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../helpers/cleanup.js';
import { startStreamableServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { INITIALIZE, MCP_POST_HEADERS, openEventStream, openRawSession, rawHttp, toolsList } from './raw-http.js';
import { startServe } from './serve-process.js';

useTeardown();

async function serveOne(flags: string[] = []) {
  const server = await startStreamableServer();
  return startServe([server.url, ...flags]);
}

describe('serve refuses what a browser was tricked into sending', () => {
  it('answers 403 to a foreign Host (DNS rebinding) and serves its own names', async () => {
    const serve = await serveOne();
    const post = (host: string) => rawHttp({ port: serve.port, method: 'POST', path: '/mcp', headers: { ...MCP_POST_HEADERS, host }, body: INITIALIZE, until: /"id":1/ });
    const foreign = await post(`attacker.example:${serve.port}`);
    expect(foreign.status).toBe(403);
    expect(foreign.headers['mcp-session-id']).toBeUndefined();
    expect((await post(`localhost:${serve.port}`)).status).toBe(200);
    expect((await post(`127.0.0.1:${serve.port}`)).status).toBe(200);
    expect(serve.stderr()).toMatch(/refused POST \/mcp .*Host header "attacker\.example/);
  });

  it('accepts the --public-url host in the Host header, and still refuses others', async () => {
    const serve = await serveOne(['--public-url', 'https://mcp.example.com']);
    const post = (host: string) => rawHttp({ port: serve.port, method: 'POST', path: '/mcp', headers: { ...MCP_POST_HEADERS, host }, body: INITIALIZE, until: /"id":1/ });
    expect((await post('mcp.example.com')).status).toBe(200);
    expect((await post('mcp.example.com.attacker.example')).status).toBe(403);
  });

  it('answers 403 to a foreign Origin, and sends no CORS headers unless the origin is listed', async () => {
    const serve = await serveOne(['--cors-origin', 'https://app.example.com']);
    const post = (origin: string) => rawHttp({ port: serve.port, method: 'POST', path: '/mcp', headers: { ...MCP_POST_HEADERS, origin }, body: INITIALIZE, until: /"id":1/ });
    const foreign = await post('https://evil.example');
    expect(foreign.status).toBe(403);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    const listed = await post('https://app.example.com');
    expect(listed.status).toBe(200);
    expect(listed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(listed.headers['access-control-expose-headers']).toMatch(/Mcp-Session-Id/);
    const preflight = await rawHttp({ port: serve.port, method: 'OPTIONS', path: '/mcp', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Mcp-Session-Id/);
    const own = await post(`http://127.0.0.1:${serve.port}`);
    expect(own.status).toBe(200);
    expect(own.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('serve limits', () => {
  it('answers 413 to a body over --max-message-size', async () => {
    const serve = await serveOne(['--max-message-size', '2kb']);
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { pad: 'x'.repeat(3_000) } });
    const answer = await rawHttp({ port: serve.port, method: 'POST', path: '/mcp', headers: MCP_POST_HEADERS, body: big });
    expect(answer.status).toBe(413);
    expect(answer.text).toMatch(/--max-message-size/);
  });

  it('answers 503 with Retry-After beyond --max-sessions, and takes a new session once one ends', async () => {
    const serve = await serveOne(['--max-sessions', '1']);
    const first = await openRawSession(serve.port);
    const refused = await rawHttp({ port: serve.port, method: 'POST', path: '/mcp', headers: MCP_POST_HEADERS, body: INITIALIZE });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const ended = await rawHttp({ port: serve.port, method: 'DELETE', path: '/mcp', headers: { 'mcp-session-id': first } });
    expect(ended.status).toBe(200);
    await openRawSession(serve.port);
  });

  it('closes a session idle for --session-idle, and its upstream session: its id then gets 404', async () => {
    const server = await startStreamableServer();
    const serve = await startServe([server.url, '--session-idle', '3s']);
    const id = await openRawSession(serve.port);
    const list = () => rawHttp({ port: serve.port, method: 'POST', path: '/mcp', headers: { ...MCP_POST_HEADERS, 'mcp-session-id': id }, body: toolsList(2), until: /"id":2/ });
    expect((await list()).status).toBe(200);
    await serve.waitForStderr(/session 1 closed \(idle\)/, 15_000);
    const after = await list();
    expect(after.status).toBe(404);
    await waitFor('the idle session\'s upstream session to be ended', () => server.sessions.deleted.length === 1, { timeoutMs: 10_000 });
  });
});

describe('serve speaks Streamable HTTP as the specification says', () => {
  it('400 without a session id, 404 for an unknown one, 400 for an unsupported protocol version, 406 and 409 for GET', async () => {
    const serve = await serveOne();
    const post = (headers: Record<string, string>) => rawHttp({ port: serve.port, method: 'POST', path: '/mcp', headers: { ...MCP_POST_HEADERS, ...headers }, body: toolsList(2), until: /"id":2/ });
    expect((await post({})).status).toBe(400);
    expect((await post({ 'mcp-session-id': 'no-such-session' })).status).toBe(404);
    const id = await openRawSession(serve.port);
    expect((await post({ 'mcp-session-id': id, 'mcp-protocol-version': '1999-01-01' })).status).toBe(400);
    expect((await post({ 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' })).text).toMatch(/"tools"/);
    expect((await rawHttp({ port: serve.port, path: '/mcp', headers: { accept: 'application/json', 'mcp-session-id': id } })).status).toBe(406);
    const first = openEventStream(serve.port, '/mcp', { 'mcp-session-id': id });
    expect(await waitFor('the first GET stream to open', first.status)).toBe(200);
    const second = await rawHttp({ port: serve.port, path: '/mcp', headers: { accept: 'text/event-stream', 'mcp-session-id': id }, streamMs: 500 });
    expect(second.status).toBe(409);
  });

  it('never writes a session id to the log, even with --debug', async () => {
    const serve = await serveOne(['--debug']);
    const id = await openRawSession(serve.port);
    await rawHttp({ port: serve.port, method: 'POST', path: '/mcp', headers: { ...MCP_POST_HEADERS, 'mcp-session-id': id }, body: toolsList(2), until: /"id":2/ });
    await rawHttp({ port: serve.port, method: 'DELETE', path: '/mcp', headers: { 'mcp-session-id': id } });
    await serve.waitForStderr(/session 1 closed/);
    expect(serve.stderr()).not.toContain(id);
  });
});
