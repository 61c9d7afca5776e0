// Every command-line option of the CLI contract: help and version, usage errors (exit 2, naming the option),
// the backend URL from the environment, http: rules, timeouts and durations, logging switches, env proxies.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectThroughBridge, spawnBridgeRaw, type RawBridge } from '../helpers/bridge.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/auth-bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { outcome } from '../helpers/compare.js';
import { initializeOutcome, isRefusal } from '../helpers/outcomes.js';
import { startHttpProxy } from '../helpers/proxy-server.js';
import { startSseServer, startStatusServer, startStreamableServer, type StreamableServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

useTeardown();

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

async function server(): Promise<StreamableServer> {
  const s = await startStreamableServer();
  return s;
}

/** Initializes, calls echo, ends stdin and waits for exit 0: one complete, ordinary session. */
async function ordinarySession(raw: RawBridge): Promise<void> {
  await raw.initialize();
  expect(await raw.request('tools/call', { name: 'echo', arguments: { text: 'x' } })).toHaveProperty('result.content.0.text', 'x');
  raw.endInput();
  expect(await raw.waitForExit()).toEqual({ code: 0, signal: null });
  expect(raw.invalidLines).toEqual([]);
}

describe('--help and --version', () => {
  it('--help exits 0 and lists every option, with the environment variables it reads', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    const text = run.stdout + run.stderr;
    for (const option of [
      '--transport',
      '--header',
      '--header-file',
      '--debug',
      '--log-file',
      '--silent',
      '--no-banner',
      '--version',
      '--help',
      '--allow-http',
      '--connect-timeout',
      '--request-timeout',
      '--max-message-size',
      '--use-env-proxy',
      '-H',
    ]) {
      expect(text, `help mentions ${option}`).toContain(option);
    }
    for (const variable of [
      'MCP_BACKEND_URL',
      'MCP_PROXY_DEBUG',
      'MCP_TRANSPORT',
      'MCP_HEADERS',
      'MCP_HEADER_FILE',
      'MCP_ALLOW_HTTP',
      'MCP_CONNECT_TIMEOUT',
      'MCP_REQUEST_TIMEOUT',
      'MCP_MAX_MESSAGE_SIZE',
      'MCP_USE_ENV_PROXY',
      'MCP_LOG_FILE',
      'MCP_SILENT',
      'MCP_NO_BANNER',
    ]) {
      expect(text, `help mentions ${variable}`).toContain(variable);
    }
    for (const choice of ['auto', 'streamable-http', 'sse']) expect(text).toContain(choice);
  });

  it('--help groups the options under headings (Connection, Limits, Output, Logging in, Credentials)', async () => {
    /** The help text's sections: each heading line (`Name:`) with the option flags listed under it. */
    const sections = (help: string): Map<string, string[]> => {
      const out = new Map<string, string[]>();
      let current: string[] | undefined;
      for (const line of help.split('\n')) {
        const heading = /^([A-Z][A-Za-z ]*):$/.exec(line);
        if (heading) out.set(heading[1]!, (current = []));
        else if (current && /^ {2}-/.test(line)) current.push(line.trim().split(/\s{2,}/)[0]!);
      }
      return out;
    };
    const bare = await runCli(['--help']);
    expect(bare.code).toBe(0);
    const groups = sections(bare.stdout + bare.stderr);
    expect([...groups.keys()]).toEqual(['Arguments', 'Options', 'Connection', 'Limits', 'Output', 'Logging in', 'Credentials', 'Commands']);
    const flags = (heading: string) => (groups.get(heading) ?? []).join(' ');
    expect(flags('Options')).toMatch(/--version.*--help/);
    for (const option of ['--transport', '--header', '--header-file', '--allow-http', '--use-env-proxy']) expect(flags('Connection')).toContain(option);
    for (const option of ['--connect-timeout', '--request-timeout', '--max-message-size', '--max-server-message-size']) expect(flags('Limits')).toContain(option);
    for (const option of ['--debug', '--log-file', '--silent', '--no-banner']) expect(flags('Output')).toContain(option);
    for (const option of ['--issuer', '--client-id', '--device-code', '--scopes', '--auth-timeout', '--callback-port', '--no-browser']) {
      expect(flags('Logging in')).toContain(option);
    }
    for (const option of ['--token-store', '--config-dir']) expect(flags('Credentials')).toContain(option);

    const login = await runCli(['login', '--help']);
    expect(login.code).toBe(0);
    const loginGroups = sections(login.stdout + login.stderr);
    expect(loginGroups.get('Options')?.join(' ')).toContain('--force');
    expect([...loginGroups.keys()]).toEqual(expect.arrayContaining(['Connection', 'Limits', 'Output', 'Logging in', 'Credentials']));

    // docs/options.md documents every option under the same heading as --help.
    const docs = readFileSync(new URL('../../docs/options.md', import.meta.url), 'utf8');
    for (const [heading, options] of groups) {
      if (heading === 'Arguments' || heading === 'Commands') continue;
      const start = docs.indexOf(`\n### ${heading === 'Options' ? 'Help' : heading}\n`);
      expect(start, `docs/options.md has a "### ${heading}" section`).toBeGreaterThan(0);
      const section = docs.slice(start, docs.indexOf('\n#', start + 5));
      for (const option of options) {
        const long = /--[a-z-]+/.exec(option)![0];
        expect(section, `docs/options.md lists ${long} under ${heading}`).toContain(`${long}`);
      }
    }

    const status = await runCli(['status', '--help']);
    expect(status.code).toBe(0);
    const statusGroups = sections(status.stdout + status.stderr);
    expect(statusGroups.get('Credentials')?.join(' ')).toMatch(/--token-store.*--config-dir/);
    expect(statusGroups.get('Output')?.join(' ')).toContain('--debug');
  });

  it('--version prints the package version and exits 0', async () => {
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect((run.stdout + run.stderr).trim()).toContain(pkg.version);
  });
});

describe('usage errors exit 2 and name what is wrong', () => {
  const url = 'http://127.0.0.1:9/mcp'; // never contacted: usage errors come first
  it.each([
    { args: ['--bogus-option', url], names: /--bogus-option/ },
    { args: ['--transport', 'carrier-pigeon', url], names: /--transport/ },
    { args: ['--connect-timeout', 'soon', url], names: /--connect-timeout/ },
    { args: ['--request-timeout', '5 parsecs', url], names: /--request-timeout/ },
    { args: ['--request-timeout', '-3s', url], names: /--request-timeout|-3s/ },
    { args: ['--max-message-size', 'huge', url], names: /--max-message-size/ },
    { args: ['--max-message-size', '10qb', url], names: /--max-message-size/ },
    { args: [], names: /url|MCP_BACKEND_URL/i },
    { args: ['not a url'], names: /url/i },
    { args: ['ftp://127.0.0.1/mcp'], names: /ftp|url|protocol|scheme/i },
    { args: ['http://example.com/mcp'], names: /--allow-http/ },
    { args: ['http://10.1.2.3:8080/mcp'], names: /--allow-http/ },
  ])('$args', async ({ args, names }) => {
    const run = await runCli(args);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(names);
    expect(run.stdout).toBe('');
  });
});

describe('backend URL', () => {
  it('is read from MCP_BACKEND_URL when no URL argument is given', async () => {
    const s = await server();
    const bridged = await connectThroughBridge({ env: { MCP_BACKEND_URL: s.url } });
    expect(await bridged.client.callTool({ name: 'echo', arguments: { text: 'from env' } })).toHaveProperty('content.0.text', 'from env');
    expect(s.sessions.created).toBe(1);
  });

  it('accepts http://localhost without --allow-http', async () => {
    const s = await server();
    const bridged = await connectThroughBridge({ url: `http://localhost:${s.port}/mcp` });
    expect(await bridged.client.ping()).toEqual({});
    expect(s.requests[0]!.headers.host).toBe(`localhost:${s.port}`);
  });
});

describe('--use-env-proxy and --allow-http', () => {
  it('goes through HTTP_PROXY with --use-env-proxy, and --allow-http permits a non-loopback http: URL', async () => {
    const s = await server();
    const proxy = await startHttpProxy({ 'mcp.test': `127.0.0.1:${s.port}` });
    onTeardown(() => proxy.close());
    // mcp.test only resolves inside the proxy: success proves the traffic went through it.
    const bridged = await connectThroughBridge({
      url: 'http://mcp.test/mcp',
      args: ['--use-env-proxy', '--allow-http'],
      env: { HTTP_PROXY: proxy.url, http_proxy: proxy.url },
    });
    expect(await bridged.client.callTool({ name: 'add', arguments: { a: 20, b: 22 } })).toHaveProperty('content.0.text', '42');
    expect(proxy.requests.length).toBeGreaterThan(0);
    expect(proxy.requests.every((r) => r.target.includes('mcp.test'))).toBe(true);
    expect(s.sessions.created).toBe(1);
  });

  it('MCP_USE_ENV_PROXY=1 and MCP_ALLOW_HTTP=1 do the same from the environment', async () => {
    const s = await server();
    const proxy = await startHttpProxy({ 'mcp.test': `127.0.0.1:${s.port}` });
    onTeardown(() => proxy.close());
    const bridged = await connectThroughBridge({
      url: 'http://mcp.test/mcp',
      env: { HTTP_PROXY: proxy.url, http_proxy: proxy.url, MCP_USE_ENV_PROXY: '1', MCP_ALLOW_HTTP: '1' },
    });
    expect(await bridged.client.ping()).toEqual({});
    expect(proxy.requests.length).toBeGreaterThan(0);
  });

  it('ignores HTTP_PROXY without --use-env-proxy', async () => {
    const s = await server();
    const proxy = await startHttpProxy();
    onTeardown(() => proxy.close());
    const bridged = await connectThroughBridge({ url: s.url, env: { HTTP_PROXY: proxy.url, http_proxy: proxy.url } });
    expect(await bridged.client.ping()).toEqual({});
    expect(proxy.requests).toEqual([]);
  });

  it('honours NO_PROXY with --use-env-proxy', async () => {
    const s = await server();
    const proxy = await startHttpProxy();
    onTeardown(() => proxy.close());
    const bridged = await connectThroughBridge({
      url: s.url,
      args: ['--use-env-proxy'],
      env: { HTTP_PROXY: proxy.url, http_proxy: proxy.url, NO_PROXY: '127.0.0.1', no_proxy: '127.0.0.1' },
    });
    expect(await bridged.client.ping()).toEqual({});
    expect(proxy.requests).toEqual([]);
    expect(s.sessions.created).toBe(1);
  });
});

describe('options from environment variables', () => {
  it('MCP_TRANSPORT=sse selects legacy SSE (auto would refuse this server: its POST answers 500)', async () => {
    const legacy = await startSseServer({ postStatus: 500 });
    const bridged = await connectThroughBridge({ url: legacy.url, env: { MCP_TRANSPORT: 'sse' } });
    expect(await bridged.client.ping()).toEqual({});
    expect(legacy.requests.filter((r) => r.method === 'POST' && r.path === '/sse')).toEqual([]);
  });

  it('the command line wins over the environment', async () => {
    const legacy = await startSseServer({ postStatus: 500 });
    const bridged = await connectThroughBridge({
      url: legacy.url,
      args: ['--transport', 'sse'],
      env: { MCP_TRANSPORT: 'streamable-http' },
    });
    expect(await bridged.client.ping()).toEqual({});
  });

  it('MCP_REQUEST_TIMEOUT bounds a stalled request', async () => {
    const s = await server();
    const raw = spawnBridgeRaw([s.url], { MCP_REQUEST_TIMEOUT: '1s' });
    await raw.initialize();
    expect(await raw.request('tools/call', { name: 'stall', arguments: {} }, 15_000)).toHaveProperty('error');
  });

  it('MCP_MAX_MESSAGE_SIZE limits stdin lines', async () => {
    const s = await server();
    const raw = spawnBridgeRaw([s.url], { MCP_MAX_MESSAGE_SIZE: '64kb' });
    await raw.initialize();
    const reply = await raw.request('tools/call', { name: 'echo', arguments: { text: 'y'.repeat(100_000) } });
    expect(reply).toHaveProperty('error');
  });

  it('MCP_SILENT=1 and MCP_NO_BANNER=1 quiet stderr; MCP_LOG_FILE writes the log file', async () => {
    const s = await server();
    const silent = spawnBridgeRaw([s.url], { MCP_SILENT: '1' });
    await ordinarySession(silent);
    expect(silent.stderr()).toBe('');
    const plain = spawnBridgeRaw([s.url]);
    await ordinarySession(plain);
    const noBanner = spawnBridgeRaw([s.url], { MCP_NO_BANNER: '1' });
    await ordinarySession(noBanner);
    expect(noBanner.stderr().split('\n').filter(Boolean).length).toBeLessThan(plain.stderr().split('\n').filter(Boolean).length);
    const file = join(tempDir('bridge-envlog-'), 'env.log');
    const logged = spawnBridgeRaw([s.url], { MCP_LOG_FILE: file });
    await ordinarySession(logged);
    expect(readFileSync(file, 'utf8').trim().length).toBeGreaterThan(0);
  });

  it.each<{ env: Record<string, string>; names: RegExp }>([
    { env: { MCP_TRANSPORT: 'pigeon' }, names: /MCP_TRANSPORT|transport/ },
    { env: { MCP_REQUEST_TIMEOUT: 'soon' }, names: /MCP_REQUEST_TIMEOUT|request-timeout/ },
    { env: { MCP_CONNECT_TIMEOUT: 'later' }, names: /MCP_CONNECT_TIMEOUT|connect-timeout/ },
    { env: { MCP_MAX_MESSAGE_SIZE: 'huge' }, names: /MCP_MAX_MESSAGE_SIZE|max-message-size/ },
  ])('a bad value in $env is a usage error (exit 2) naming it', async ({ env, names }) => {
    const run = await runCli(['http://127.0.0.1:9/mcp'], env);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(names);
    expect(run.stdout).toBe('');
  });
});

describe('durations and timeouts', () => {
  it.each(['500ms', '2s', '1m', '3', '0'])('accepts %s for --connect-timeout and --request-timeout', async (duration) => {
    const s = await server();
    const bridged = await connectThroughBridge({
      url: s.url,
      args: ['--connect-timeout', duration, '--request-timeout', duration],
    });
    expect(await bridged.client.callTool({ name: 'echo', arguments: { text: duration } })).toHaveProperty('content.0.text', duration);
  });

  it('--connect-timeout: a server that accepts but never answers fails the session instead of hanging', async () => {
    const hanging = await startStatusServer({ status: 'hang' });
    onTeardown(() => hanging.close());
    const raw = spawnBridgeRaw(['--connect-timeout', '500ms', hanging.url]);
    const end = await initializeOutcome(raw);
    expect(isRefusal(end), JSON.stringify(end)).toBe(true);
    expect(hanging.requests.some((r) => r.rpc.includes('initialize'))).toBe(true);
    expect(raw.stderr()).toMatch(/time/i);
    expect(raw.invalidLines).toEqual([]);
  });

  it('--request-timeout: a stalled request gets a JSON-RPC error for its id and the bridge keeps serving', async () => {
    const s = await server();
    const raw = spawnBridgeRaw(['--request-timeout', '1s', s.url]);
    await raw.initialize();
    const stalled = await raw.request('tools/call', { name: 'stall', arguments: {} }, 15_000);
    expect(stalled).toMatchObject({ jsonrpc: '2.0', error: { code: expect.any(Number), message: expect.any(String) } });
    expect((stalled as { error: { message: string } }).error.message).toMatch(/time/i);
    // ...and the server is told to stop working on it.
    const call = s.requests.find((r) => r.body.includes('"stall"'))!;
    const cancel = await waitFor('notifications/cancelled upstream', () =>
      s.requests.find((r) => r.rpc.includes('notifications/cancelled')),
    );
    expect(JSON.parse(cancel.body).params.requestId).toBe(JSON.parse(call.body).id);
    expect(await raw.request('tools/call', { name: 'echo', arguments: { text: 'after timeout' } })).toHaveProperty(
      'result.content.0.text',
      'after timeout',
    );
    expect(raw.exitStatus()).toBeUndefined();
    expect(raw.invalidLines).toEqual([]);
  });

  it('--request-timeout: a timed-out request never gets a second, late answer', async () => {
    const s = await server();
    const raw = spawnBridgeRaw(['--request-timeout', '1s', s.url]);
    await raw.initialize();
    raw.send({ jsonrpc: '2.0', id: 'late', method: 'tools/call', params: { name: 'slow', arguments: { ms: 2500, steps: 1 } } });
    const first = await raw.waitForMessage('the timeout error', (m) => 'id' in m && m.id === 'late', 15_000);
    expect(first).toHaveProperty('error');
    // Wait until the server has sent its answer to the slow call (or was told to cancel it: then it never answers),
    // then make sure nothing more reached the client for that id.
    await waitFor('the server to answer or cancel the slow call', () =>
      s.requests.some((r) => r.rpc.includes('notifications/cancelled')) ||
      s.requests.find((r) => r.body.includes('"slow"'))?.done,
    );
    await raw.request('ping');
    expect(raw.messages.filter((m) => 'id' in m && m.id === 'late')).toHaveLength(1);
    expect(raw.invalidLines).toEqual([]);
  });

  it('--request-timeout is restarted by progress notifications', async () => {
    const s = await server();
    const raw = spawnBridgeRaw(['--request-timeout', '1s', s.url]);
    await raw.initialize();
    raw.send({
      jsonrpc: '2.0',
      id: 'progressing',
      method: 'tools/call',
      params: { name: 'slow', arguments: { ms: 2400, steps: 6 }, _meta: { progressToken: 'tok' } },
    });
    const answer = await raw.waitForMessage('the slow result', (m) => 'id' in m && m.id === 'progressing', 15_000);
    expect(answer).toHaveProperty('result.content.0.text', 'done after 6 steps');
    expect(raw.messages.filter((m) => 'method' in m && m.method === 'notifications/progress')).toHaveLength(6);
  });

  it('--request-timeout 0 disables the timeout: a slow request still gets its result', async () => {
    const s = await server();
    const bridged = await connectThroughBridge({ url: s.url, args: ['--request-timeout', '0'] });
    const result = await outcome(() =>
      bridged.client.callTool({ name: 'slow', arguments: { ms: 1500, steps: 1 } }, undefined, { timeout: 20_000 }),
    );
    expect(result).toHaveProperty('result.content.0.text', 'done after 1 steps');
  });
});

describe('logging switches', () => {
  it('--debug and MCP_PROXY_DEBUG=1 add debug lines on stderr; the default does not', async () => {
    const s = await server();
    const plain = spawnBridgeRaw([s.url]);
    await ordinarySession(plain);
    expect(plain.stderr()).not.toMatch(/\bdebug:/);
    const flag = spawnBridgeRaw(['--debug', s.url]);
    await ordinarySession(flag);
    expect(flag.stderr()).toMatch(/\bdebug:/);
    const env = spawnBridgeRaw([s.url], { MCP_PROXY_DEBUG: '1' });
    await ordinarySession(env);
    expect(env.stderr()).toMatch(/\bdebug:/);
  });

  it('--silent writes nothing but errors to stderr', async () => {
    const s = await server();
    const quiet = spawnBridgeRaw(['--silent', s.url]);
    await ordinarySession(quiet);
    expect(quiet.stderr()).toBe('');
    // ...but errors are still reported.
    const wrong = await runCli(['--silent', '--transport', 'pigeon', s.url]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--transport/);
  });

  it('prints a banner on stderr by default, and --no-banner leaves it out', async () => {
    const s = await server();
    const withBanner = spawnBridgeRaw([s.url]);
    await ordinarySession(withBanner);
    const without = spawnBridgeRaw(['--no-banner', s.url]);
    await ordinarySession(without);
    const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
    const bannerLines = lines(withBanner.stderr()).filter((l) => !lines(without.stderr()).includes(l));
    expect(bannerLines.length, `stderr with banner:\n${withBanner.stderr()}`).toBeGreaterThan(0);
    for (const line of lines(without.stderr())) expect(lines(withBanner.stderr())).toContain(line);
  });

  it('--log-file appends log lines to a 0600 file, stdout stays pure', async () => {
    const s = await server();
    const dir = tempDir('bridge-log-');
    const file = join(dir, 'bridge.log');
    const raw = spawnBridgeRaw(['--log-file', file, s.url]);
    await ordinarySession(raw);
    const text = readFileSync(file, 'utf8');
    expect(text.trim().length).toBeGreaterThan(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
