// A public MCP server may not send the bridge's OAuth requests to this machine, link-local addresses (the cloud
// metadata service 169.254.169.254) or a private network — by IP literal or by a public-looking name that resolves
// there, checked at connect time — unless --allow-private-auth-servers. A server that is itself on such a network
// may (every loopback test of the suite relies on that).
//
// How "public" is made real here: a public host name cannot be served from 127.0.0.1, so (1) the address policy and
// the guard run in-process with an injected resolver (the guard's `lookup` option) and real HTTP connections, and
// (2) the wiring runs in the real CLI with a public-looking MCP server name that only a forward proxy knows
// (--use-env-proxy; the name does not resolve on this machine, so the server counts as public).
import { type LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { isPrivateServer, nonPublicKind } from '../../src/auth/address-policy.js';
import { guardAuthFetch, type LookupFunction } from '../../src/auth/private-address-guard.js';
import { isBridgeError, ErrorCode } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { startMetadataServer } from '../helpers/auth-metadata-server.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { listenLoopback } from '../helpers/http-util.js';
import { initializeOutcome } from '../helpers/outcomes.js';
import { PUBLIC_MCP_URL, startPublicMcpServer } from '../helpers/public-mcp-server.js';
import { tempDir, authArgs } from '../helpers/auth-bridge.js';

useTeardown();

/** A resolver answering from a table, like a DNS server the test controls; counts its answers per name. */
function tableLookup(table: Record<string, string>): LookupFunction & { asked: Record<string, number> } {
  const asked: Record<string, number> = {};
  const lookup = ((hostname: string, options: { all?: boolean }, callback: (e: NodeJS.ErrnoException | null, a: string | LookupAddress[], f?: number) => void) => {
    asked[hostname] = (asked[hostname] ?? 0) + 1;
    const address = table[hostname];
    if (!address) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
    const family = address.includes(':') ? 6 : 4;
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as LookupFunction & { asked: Record<string, number> };
  lookup.asked = asked;
  return lookup;
}

describe('address policy', () => {
  it('classifies the non-public ranges, IPv4 and IPv6, mapped forms included', () => {
    const nonPublic: Record<string, string> = {
      '0.0.0.0': 'unspecified',
      '10.1.2.3': 'private',
      '172.16.0.1': 'private',
      '172.31.255.255': 'private',
      '192.168.1.1': 'private',
      '127.0.0.1': 'loopback',
      '127.9.9.9': 'loopback',
      '169.254.169.254': 'link-local',
      '100.64.0.1': 'shared (carrier-grade NAT)',
      '100.127.255.255': 'shared (carrier-grade NAT)',
      '::': 'unspecified',
      '::1': 'loopback',
      '[::1]': 'loopback',
      'fc00::1': 'private',
      'fd12:3456::1': 'private',
      'fe80::1': 'link-local',
      'fe80::1%eth0': 'link-local',
      'febf::1': 'link-local',
      '::ffff:169.254.169.254': 'link-local',
      '::ffff:a9fe:a9fe': 'link-local',
      '::ffff:10.0.0.1': 'private',
      '::ffff:127.0.0.1': 'loopback',
      '::127.0.0.1': 'loopback',
    };
    for (const [address, kind] of Object.entries(nonPublic)) expect(nonPublicKind(address), address).toBe(kind);
    for (const address of ['8.8.8.8', '172.15.0.1', '172.32.0.1', '100.63.0.1', '100.128.0.1', '169.253.1.1', '11.0.0.1', '2001:db8::1', '2606:4700::1111', '::ffff:8.8.8.8', 'fec0::1', 'not-an-ip'])
      expect(nonPublicKind(address), address).toBeUndefined();
  });

  it('calls a server private when its host is, or resolves to, a non-public address; unresolvable counts as public', async () => {
    const lookup = tableLookup({ 'intranet.corp': '10.0.0.5', 'mcp.example': '93.184.216.34' });
    const resolveAll = (host: string) => new Promise<LookupAddress[]>((resolve, reject) => lookup(host, { all: true }, (e, a) => (e ? reject(e) : resolve(a as LookupAddress[]))));
    expect(await isPrivateServer(new URL('http://127.0.0.1:1/mcp'), resolveAll)).toBe(true);
    expect(await isPrivateServer(new URL('http://[::1]:1/mcp'), resolveAll)).toBe(true);
    expect(await isPrivateServer(new URL('http://localhost:1/mcp'), resolveAll)).toBe(true);
    expect(await isPrivateServer(new URL('https://intranet.corp/mcp'), resolveAll)).toBe(true);
    expect(await isPrivateServer(new URL('https://mcp.example/mcp'), resolveAll)).toBe(false);
    expect(await isPrivateServer(new URL('https://unknown.example/mcp'), resolveAll)).toBe(false);
  });
});

describe('the OAuth fetch of a public MCP server', () => {
  async function localServer() {
    const hits: string[] = [];
    const listening = await listenLoopback((req, res) => {
      hits.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    onTeardown(() => listening.close());
    return { port: listening.port, hits };
  }

  it('refuses a public-looking name that resolves to 127.0.0.1, at connect time, and contacts nothing', async () => {
    const { port, hits } = await localServer();
    const lookup = tableLookup({ 'mcp.example': '93.184.216.34', 'auth.example': '127.0.0.1' });
    const guarded = guardAuthFetch({ serverUrl: new URL('https://mcp.example/mcp'), fetch: globalThis.fetch, viaProxy: false, lookup, logger: silentLogger });
    const error = await guarded(`http://auth.example:${port}/.well-known/oauth-authorization-server`).catch((e: unknown) => e);
    expect(isBridgeError(error, ErrorCode.Auth), String(error)).toBe(true);
    expect((error as Error).message).toContain('refused to contact auth.example (127.0.0.1), a loopback address');
    expect((error as { hint?: string }).hint).toContain('--allow-private-auth-servers');
    expect(lookup.asked['auth.example']).toBeGreaterThanOrEqual(1); // judged in the connection's own lookup
    expect(hits).toEqual([]);
  });

  it('refuses IP literals in the metadata, link-local, private and mapped forms, before any connection', async () => {
    const lookup = tableLookup({ 'mcp.example': '93.184.216.34' });
    const guarded = guardAuthFetch({ serverUrl: new URL('https://mcp.example/mcp'), fetch: globalThis.fetch, viaProxy: false, lookup, logger: silentLogger });
    for (const [url, kind] of [
      ['https://169.254.169.254/latest/meta-data/', 'link-local'],
      ['https://10.0.0.1/.well-known/openid-configuration', 'private'],
      ['https://[::ffff:169.254.169.254]/', 'link-local'],
      ['https://[fd00::1]/token', 'private'],
      ['http://localhost:1/token', 'loopback'],
    ] as const) {
      const error = await guarded(url).catch((e: unknown) => e);
      expect(isBridgeError(error, ErrorCode.Auth), `${url}: ${String(error)}`).toBe(true);
      expect((error as Error).message, url).toContain(`a ${kind} address`);
    }
  });

  it('lets everything through when the MCP server is itself on a private network', async () => {
    const { port, hits } = await localServer();
    const lookup = tableLookup({ 'mcp.corp': '10.0.0.5', 'auth.corp': '127.0.0.1' });
    const guarded = guardAuthFetch({ serverUrl: new URL('https://mcp.corp/mcp'), fetch: globalThis.fetch, viaProxy: false, lookup, logger: silentLogger });
    const response = await guarded(`http://127.0.0.1:${port}/.well-known/oauth-authorization-server`);
    expect(response.status).toBe(200);
    expect(hits).toEqual(['/.well-known/oauth-authorization-server']);
  });
});

describe('the bridge with a public MCP server (real CLI, through a forward proxy)', () => {
  const publicServer = startPublicMcpServer;

  const args = (extra: string[] = []) => [...authArgs(tempDir(), ['--use-env-proxy', '--allow-http', ...extra]), '--no-browser', PUBLIC_MCP_URL];

  it('refuses an authorization server on 127.0.0.1 named by a public MCP server, and never contacts it', async () => {
    const metadata = await startMetadataServer((origin) => ({ issuer: origin, authorization_endpoint: `${origin}/auth`, token_endpoint: `${origin}/token`, code_challenge_methods_supported: ['S256'] }));
    const proxy = await publicServer(metadata.origin);
    const raw = spawnBridgeRaw(args(), { HTTP_PROXY: proxy.url, http_proxy: proxy.url });
    const end = await initializeOutcome(raw, 20_000);
    expect(end.kind, JSON.stringify(end)).toBe('error');
    if (end.kind === 'error') expect(end.message).toContain('a loopback address');
    expect(raw.stderr()).toContain('--allow-private-auth-servers');
    expect(metadata.requests).toEqual([]);
  });

  it('with --allow-private-auth-servers (or MCP_ALLOW_PRIVATE_AUTH_SERVERS=1) it goes on to that authorization server', async () => {
    for (const [extra, env] of [
      [['--allow-private-auth-servers'], {}],
      [[], { MCP_ALLOW_PRIVATE_AUTH_SERVERS: '1' }],
    ] as const) {
      const metadata = await startMetadataServer((origin) => ({ issuer: origin, authorization_endpoint: `${origin}/auth`, token_endpoint: `${origin}/token`, code_challenge_methods_supported: ['S256'] }));
      const proxy = await publicServer(metadata.origin);
      const raw = spawnBridgeRaw(args([...extra]), { HTTP_PROXY: proxy.url, http_proxy: proxy.url, ...env });
      await initializeOutcome(raw, 20_000);
      expect(metadata.requests.length, raw.stderr()).toBeGreaterThan(0);
      expect(raw.stderr()).not.toContain('a loopback address');
    }
  });
});
