// Era detection (--protocol auto): a 2025 server sees exactly the requests it saw before the 2026 era existed; a
// 2026-only server is found from its refusal of the 2025 initialize and remembered, so the next start sends no
// initialize; a dual-era server stays on 2025-11-25; a remembered server that changed is detected again; a forced
// era is used as it is.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectThroughBridge, startBridgeClient } from '../../helpers/bridge.js';
import { baseEnv } from '../../helpers/cli.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { startInterceptingFront, startServer2026, type Server2026, type Server2026Variant } from '../../helpers/server-2026.js';
import { startStreamableServer, TEST_SERVER_INFO } from '../../helpers/servers.js';

useTeardown();

const FIXTURE_2026 = { name: 'fixture-2026', version: '2.0.0' };

async function server2026(variant: Server2026Variant, port?: number): Promise<Server2026> {
  const server = await startServer2026({ variant, ...(port ? { port } : {}) });
  onTeardown(() => server.close());
  return server;
}

/** The era records the bridges of this file wrote (the file's config dir, test/helpers/cli.ts). */
function eraRecords(): { era: string; mode: number }[] {
  const dir = join(baseEnv().XDG_CONFIG_HOME!, 'mcp-auth-bridge', 'servers');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((name) => ({
    era: (JSON.parse(readFileSync(join(dir, name), 'utf8')) as { era: string }).era,
    mode: statSync(join(dir, name)).mode & 0o777,
  }));
}

const methods = (requests: { method: string; rpc: string[] }[]) => requests.map((r) => `${r.method} ${r.rpc.join(',')}`.trim());

describe('--protocol auto', () => {
  it('sends a 2025 server exactly what it sent before: no probe, no 2026 request, no record', async () => {
    const before = eraRecords().length;
    const server = await startStreamableServer();
    onTeardown(() => server.close());
    const bridged = await connectThroughBridge({ url: server.url });
    expect(bridged.client.getServerVersion()).toEqual(TEST_SERVER_INFO);
    await bridged.client.callTool({ name: 'echo', arguments: { text: 'x' } });
    await bridged.close();
    const seen = methods(server.requests);
    expect(seen[0]).toBe('POST initialize');
    expect(seen).toContain('POST notifications/initialized');
    expect(seen.filter((m) => /server\/discover|subscriptions\/listen/.test(m))).toEqual([]);
    expect(server.requests.filter((r) => r.rpc.includes('initialize'))).toHaveLength(1);
    expect(eraRecords()).toHaveLength(before);
  });

  it('finds a 2026-only server from its refusal of initialize, remembers it, and sends no initialize on the next start', async () => {
    const server = await server2026('modern-only');
    const first = await connectThroughBridge({ url: server.url });
    expect(first.client.getServerVersion()).toEqual(FIXTURE_2026);
    await first.close();
    expect(methods(server.requests).slice(0, 2)).toEqual(['POST initialize', 'POST server/discover']);
    // The client's initialize, unchanged, with the method header a 2026 server reads (and a 2025 one ignores).
    expect(server.requests[0]!.headers).toMatchObject({ 'mcp-method': 'initialize' });
    expect(server.requests[0]!.headers).not.toHaveProperty('mcp-protocol-version');
    expect(JSON.parse(server.requests[0]!.body)).not.toHaveProperty('params._meta');
    // No legacy SSE attempt after the 2026 refusal.
    expect(server.requests.filter((r) => r.method === 'GET')).toEqual([]);
    expect(eraRecords()).toContainEqual({ era: '2026-07-28', mode: 0o600 });
    server.requests.length = 0;
    const second = await connectThroughBridge({ url: server.url });
    expect(second.client.getServerVersion()).toEqual(FIXTURE_2026);
    expect(await second.client.callTool({ name: 'echo', arguments: { text: 'again' } })).toHaveProperty('content.0.text', 'again');
    expect(server.requests.flatMap((r) => r.rpc)).not.toContain('initialize');
    expect(methods(server.requests)[0]).toBe('POST server/discover');
  });

  it('keeps a dual-era server on 2025-11-25 (its initialize is answered) and remembers nothing', async () => {
    const before = eraRecords().length;
    const server = await server2026('dual');
    const bridged = await connectThroughBridge({ url: server.url });
    expect(bridged.client.getServerVersion()).toEqual(FIXTURE_2026);
    expect(await bridged.client.callTool({ name: 'echo', arguments: { text: 'dual' } })).toHaveProperty('content.0.text', 'dual');
    expect(server.requests.flatMap((r) => r.rpc)).not.toContain('server/discover');
    expect(eraRecords()).toHaveLength(before);
  });

  it('detects again when a server remembered as 2026 speaks 2025 now, and forgets the record', async () => {
    const modern = await server2026('modern-only');
    const first = await connectThroughBridge({ url: modern.url });
    await first.close();
    const remembered = eraRecords().length;
    const { port } = modern;
    await modern.close();
    const legacy = await startStreamableServer({ port });
    onTeardown(() => legacy.close());
    const second = await connectThroughBridge({ url: legacy.url });
    expect(second.client.getServerVersion()).toEqual(TEST_SERVER_INFO);
    expect(methods(legacy.requests).slice(0, 2)).toEqual(['POST server/discover', 'POST initialize']);
    expect(second.stderr()).toMatch(/detecting its protocol again/);
    await second.close();
    expect(eraRecords()).toHaveLength(remembered - 1);
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
    const bridged = await connectThroughBridge({ url });
    expect(bridged.client.getServerVersion()).toEqual(FIXTURE_2026);
    expect(await bridged.client.callTool({ name: 'echo', arguments: { text: 'ok' } })).toHaveProperty('content.0.text', 'ok');
    expect(methods(backend.requests)[0]).toBe('POST server/discover');
    expect(bridged.stderr()).toMatch(/its answer to the 2025 initialize says so/);
  });
});
