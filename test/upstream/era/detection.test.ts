// Era detection (--protocol auto): a server met for the first time gets server/discover first (a modern request, as
// the 2026-07-28 transport's backward-compatibility rules say); a 2025 server then gets exactly the requests it got
// before the 2026 era existed and is remembered, so later starts do not probe; a 2026-only server is remembered and
// never gets an initialize; a dual-era server is spoken to in the client's 2025 era; a remembered server that
// changed is detected again; a forced era is used as it is.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseEnv, connectThroughBridge, startBridgeClient } from '../../helpers/bridge.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { startInterceptingFront, startServer2026, type Server2026, type Server2026Variant } from '../../helpers/server-2026.js';
import { startSseServer, startStreamableServer, TEST_SERVER_INFO } from '../../helpers/servers.js';
import { readServerEra, serverEraPath, writeServerEra } from '../../../src/store/servers/server-era.js';

useTeardown();

const FIXTURE_2026 = { name: 'fixture-2026', version: '2.0.0' };

async function server2026(variant: Server2026Variant, port?: number): Promise<Server2026> {
  const server = await startServer2026({ variant, ...(port ? { port } : {}) });
  onTeardown(() => server.close());
  return server;
}

/** The era record a bridge of this file wrote for `url` (the file's config dir, test/helpers/cli.ts), and its mode. */
async function eraOf(url: string): Promise<{ era: string; mode: number } | undefined> {
  const record = await readServerEra(CONFIG_DIR(), url);
  return record && { era: record.era, mode: statSync(serverEraPath(CONFIG_DIR(), url)).mode & 0o777 };
}

const CONFIG_DIR = () => join(baseEnv().XDG_CONFIG_HOME!, 'mcp-auth-bridge');

const methods = (requests: { method: string; rpc: string[] }[]) => requests.map((r) => `${r.method} ${r.rpc.join(',')}`.trim());

describe('--protocol auto', () => {
  it('a 2025 server met for the first time costs one server/discover, then gets what it got before; the next start does not probe', async () => {
    const server = await startStreamableServer();
    const first = await connectThroughBridge({ url: server.url });
    expect(first.client.getServerVersion()).toEqual(TEST_SERVER_INFO);
    await first.client.callTool({ name: 'echo', arguments: { text: 'x' } });
    await first.close();
    const seen = methods(server.requests);
    expect(seen.slice(0, 2)).toEqual(['POST server/discover', 'POST initialize']);
    expect(seen).toContain('POST notifications/initialized');
    expect(seen.filter((m) => /subscriptions\/listen/.test(m))).toEqual([]);
    expect(server.requests.filter((r) => r.rpc.includes('initialize'))).toHaveLength(1);
    // The client's initialize, unchanged, with the method header a 2026 server reads (and a 2025 one ignores).
    const init = server.requests.find((r) => r.rpc.includes('initialize'))!;
    expect(init.headers).toMatchObject({ 'mcp-method': 'initialize' });
    expect(JSON.parse(init.body)).not.toHaveProperty('params._meta');
    expect(await eraOf(server.url)).toEqual({ era: '2025-11-25', mode: 0o600 });

    server.requests.length = 0;
    const second = await connectThroughBridge({ url: server.url });
    await second.client.callTool({ name: 'echo', arguments: { text: 'y' } });
    await second.close();
    expect(methods(server.requests)[0]).toBe('POST initialize');
    expect(server.requests.flatMap((r) => r.rpc)).not.toContain('server/discover');
  });

  it('finds a 2026-only server from server/discover (a modern request first), remembers it, and never sends it an initialize', async () => {
    const server = await server2026('modern-only');
    const first = await connectThroughBridge({ url: server.url });
    expect(first.client.getServerVersion()).toEqual(FIXTURE_2026);
    await first.close();
    expect(methods(server.requests)[0]).toBe('POST server/discover');
    // Every POST, the first one included, is a 2026 request: its headers and its _meta.
    expect(server.requests[0]!.headers).toMatchObject({ 'mcp-method': 'server/discover', 'mcp-protocol-version': '2026-07-28' });
    expect(JSON.parse(server.requests[0]!.body)).toHaveProperty(['params', '_meta', 'io.modelcontextprotocol/protocolVersion'], '2026-07-28');
    expect(server.requests.flatMap((r) => r.rpc)).not.toContain('initialize');
    expect(server.requests.filter((r) => r.method === 'GET')).toEqual([]);
    expect(await eraOf(server.url)).toEqual({ era: '2026-07-28', mode: 0o600 });
    server.requests.length = 0;
    const second = await connectThroughBridge({ url: server.url });
    expect(second.client.getServerVersion()).toEqual(FIXTURE_2026);
    expect(await second.client.callTool({ name: 'echo', arguments: { text: 'again' } })).toHaveProperty('content.0.text', 'again');
    expect(server.requests.flatMap((r) => r.rpc)).not.toContain('initialize');
    expect(methods(server.requests)[0]).toBe('POST server/discover');
  });

  it('speaks the client\'s own era, 2025-11-25, to a server whose server/discover lists both eras, and remembers that', async () => {
    const server = await server2026('dual');
    // The SDK's dual-era handler lists only 2026-07-28 in server/discover; this front lists both, as a server may.
    const f = await startInterceptingFront(server.url, (m) =>
      m.method === 'server/discover'
        ? { status: 200, body: { jsonrpc: '2.0', id: m.id, result: { supportedVersions: ['2026-07-28', '2025-11-25'], capabilities: { tools: {} }, resultType: 'complete' } } }
        : undefined,
    );
    onTeardown(() => f.close());
    const bridged = await connectThroughBridge({ url: f.url });
    expect(bridged.client.getServerVersion()).toEqual(FIXTURE_2026);
    expect(await bridged.client.callTool({ name: 'echo', arguments: { text: 'dual' } })).toHaveProperty('content.0.text', 'dual');
    await bridged.close();
    expect(methods(server.requests)[0]).toBe('POST initialize');
    expect(bridged.stderr()).toMatch(/speaks both eras/);
    expect(await eraOf(f.url)).toEqual({ era: '2025-11-25', mode: 0o600 });
  });

  it('speaks 2026-07-28 to a dual-era server whose server/discover lists only 2026-07-28, as the server says', async () => {
    const server = await server2026('dual');
    const bridged = await connectThroughBridge({ url: server.url });
    expect(await bridged.client.callTool({ name: 'echo', arguments: { text: 'dual' } })).toHaveProperty('content.0.text', 'dual');
    await bridged.close();
    expect(server.requests.flatMap((r) => r.rpc)).not.toContain('initialize');
    expect(await eraOf(server.url)).toMatchObject({ era: '2026-07-28' });
  });

  it('detects again when a server remembered as 2026 speaks 2025 now, and remembers the change', async () => {
    const modern = await server2026('modern-only');
    const first = await connectThroughBridge({ url: modern.url });
    await first.close();
    expect(await eraOf(modern.url)).toMatchObject({ era: '2026-07-28' });
    const { port } = modern;
    await modern.close();
    const legacy = await startStreamableServer({ port });
    const second = await connectThroughBridge({ url: legacy.url });
    expect(second.client.getServerVersion()).toEqual(TEST_SERVER_INFO);
    expect(methods(legacy.requests).slice(0, 2)).toEqual(['POST server/discover', 'POST initialize']);
    expect(second.stderr()).toMatch(/detecting its protocol again/);
    await second.close();
    expect(await eraOf(legacy.url)).toMatchObject({ era: '2025-11-25' });
  });

  it('a server behind legacy SSE (--transport sse) is never probed', async () => {
    const server = await startSseServer();
    const bridged = await connectThroughBridge({ url: server.url, args: ['--transport', 'sse'] });
    await bridged.close();
    expect(server.requests.flatMap((r) => r.rpc)).not.toContain('server/discover');
  });
});

describe('a forced era', () => {
  it.each(['2026-07-28', 'modern'])('--protocol %s speaks 2026-07-28 to a dual-era server without an initialize', async (protocol) => {
    const server = await server2026('dual');
    const bridged = await connectThroughBridge({ url: server.url, args: ['--protocol', protocol] });
    expect(await bridged.client.callTool({ name: 'echo', arguments: { text: 'forced' } })).toHaveProperty('content.0.text', 'forced');
    expect(server.requests.flatMap((r) => r.rpc)).not.toContain('initialize');
    expect(methods(server.requests)[0]).toBe('POST server/discover');
  });

  it('--protocol legacy fails against a 2026-only server with the server\'s own words, and tries no SSE', async () => {
    const server = await server2026('modern-only');
    const bridge = startBridgeClient({ args: ['--protocol', 'legacy', server.url] });
    const error = await bridge.connected.then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toMatch(/Unsupported protocol version/);
    expect(server.requests.filter((r) => r.method === 'GET')).toEqual([]);
    expect(server.requests.flatMap((r) => r.rpc)).not.toContain('server/discover');
  });
});

describe('a 2026 server that answers the 2025 initialize with HTTP 200', () => {
  /** A front for a 2026 fixture that answers `initialize` itself, as some 2026 servers do, and passes the rest on. */
  async function front(answer: (id: unknown) => unknown): Promise<{ url: string; backend: Server2026 }> {
    const backend = await server2026('modern-only');
    const f = await startInterceptingFront(backend.url, (m) =>
      m.method === 'initialize' ? { status: 200, body: { jsonrpc: '2.0', id: m.id, ...(answer(m.id) as object) } } : undefined,
    );
    onTeardown(() => f.close());
    return { url: f.url, backend };
  }

  it.each([
    ['"initialize" unknown (-32601)', () => ({ error: { code: -32601, message: 'Method not found: initialize' } })],
    ['a result naming 2026-07-28', () => ({ result: { protocolVersion: '2026-07-28', capabilities: {}, serverInfo: { name: 'x', version: '1' } } })],
  ])('switches to 2026-07-28 on %s, and the client never sees that answer', async (_what, answer) => {
    const { url, backend } = await front(answer);
    // A server known as 2025-11-25 that became a 2026 one: its initialize answer is what tells.
    await writeServerEra(CONFIG_DIR(), url, '2025-11-25', new Date());
    const bridged = await connectThroughBridge({ url });
    expect(bridged.client.getServerVersion()).toEqual(FIXTURE_2026);
    expect(await bridged.client.callTool({ name: 'echo', arguments: { text: 'ok' } })).toHaveProperty('content.0.text', 'ok');
    expect(methods(backend.requests)[0]).toBe('POST server/discover');
    expect(bridged.stderr()).toMatch(/its answer to the 2025 initialize says so/);
  });
});
