// The upstream client follows a redirect only within the server's origin (src/upstream/http/redirects.ts): a server
// that moved its endpoint by a path keeps working, and a redirect to another origin is an HTTP error, so no request
// (and no token) follows it there.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { redirectTarget } from '../../../src/upstream/http/redirects.js';
import { spawnBridgeRaw } from '../../helpers/bridge.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { startStreamableServer } from '../../helpers/servers.js';

useTeardown();

describe('redirectTarget', () => {
  const from = new URL('http://example.test/mcp');

  it('follows within the origin, and to https on default ports', () => {
    expect(redirectTarget(from, 'POST', 307, '/mcp/')?.href).toBe('http://example.test/mcp/');
    expect(redirectTarget(from, 'POST', 308, 'https://example.test/mcp')?.href).toBe('https://example.test/mcp');
    expect(redirectTarget(from, 'GET', 302, '/other')?.href).toBe('http://example.test/other');
  });

  it('does not follow elsewhere, with a body past 301/302/303, or when it adds credentials', () => {
    expect(redirectTarget(from, 'POST', 307, 'http://other.test/mcp')).toBeUndefined();
    expect(redirectTarget(from, 'POST', 307, 'http://example.test:8080/mcp')).toBeUndefined();
    expect(redirectTarget(new URL('https://example.test/mcp'), 'POST', 307, 'http://example.test/mcp')).toBeUndefined();
    expect(redirectTarget(from, 'POST', 302, '/mcp/')).toBeUndefined();
    expect(redirectTarget(from, 'POST', 307, 'http://user:pw@example.test/mcp')).toBeUndefined();
    expect(redirectTarget(from, 'POST', 200, '/mcp/')).toBeUndefined();
    expect(redirectTarget(from, 'POST', 307, null)).toBeUndefined();
  });
});

/** A front on its own port: `/old` redirects (307) to `/mcp`, which it forwards to `target`; `/away` redirects to `target` itself. */
async function startFront(target: string): Promise<{ url: (path: string) => string; hops: string[] }> {
  const to = new URL(target);
  const hops: string[] = [];
  const server: Server = createServer((req, res) => {
    hops.push(`${req.method} ${req.url}`);
    if (req.url === '/old') return void res.writeHead(307, { location: '/mcp' }).end();
    if (req.url === '/away') return void res.writeHead(307, { location: target }).end();
    const forward = request(to, { method: req.method, headers: { ...req.headers, host: to.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTeardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  onTeardown(() => server.closeAllConnections());
  const port = (server.address() as AddressInfo).port;
  return { url: (path) => `http://127.0.0.1:${port}${path}`, hops };
}

describe('redirects of the MCP endpoint', () => {
  it('a same-origin 307 is followed for every request of the session', async () => {
    const server = await startStreamableServer();
    const front = await startFront(server.url);
    const raw = spawnBridgeRaw([front.url('/old')]);
    expect(await raw.initialize()).toHaveProperty('result.serverInfo');
    expect(await raw.request('tools/call', { name: 'echo', arguments: { text: 'moved' } })).toHaveProperty('result.content.0.text', 'moved');
    expect(front.hops).toContain('POST /old');
    expect(front.hops).toContain('POST /mcp');
  });

  it('a redirect to another origin is not followed', async () => {
    const server = await startStreamableServer();
    const front = await startFront(server.url);
    const raw = spawnBridgeRaw(['--transport', 'streamable-http', front.url('/away')]);
    const answer = await raw.initialize().catch((error: unknown) => error);
    expect(JSON.stringify(answer)).toContain('307');
    expect(server.requests).toHaveLength(0);
  });
});
