// Static headers (-H/--header, --header-file) with ${VAR} expansion reach every upstream request, on both
// transports; bad headers are usage errors; header secrets never reach the logs.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectThroughBridge, spawnBridgeRaw } from '../helpers/bridge.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/auth-bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startSseServer, startStreamableServer, type RecordedRequest } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

useTeardown();

async function tempFile(name: string, content: string): Promise<string> {
  const dir = tempDir('bridge-headers-');
  const file = join(dir, name);
  await writeFile(file, content);
  return file;
}

function expectOnEvery(requests: RecordedRequest[], expected: Record<string, string>) {
  expect(requests.length).toBeGreaterThan(0);
  for (const request of requests) {
    for (const [name, value] of Object.entries(expected)) {
      expect(request.headers[name], `${request.method} ${request.path} header ${name}`).toBe(value);
    }
  }
}

describe('--header', () => {
  it('sends -H and --header headers on every request: initialize, GET stream, calls and the final DELETE', async () => {
    const server = await startStreamableServer();
    const raw = spawnBridgeRaw(['-H', 'X-Api-Key: key-123', '--header', 'X-Tenant: acme', server.url]);
    await raw.initialize();
    await raw.request('tools/call', { name: 'echo', arguments: { text: 'hi' } });
    await waitFor('the GET stream', () => server.requests.some((r) => r.method === 'GET'));
    raw.endInput();
    expect(await raw.waitForExit()).toEqual({ code: 0, signal: null });
    expect(new Set(server.requests.map((r) => r.method))).toEqual(new Set(['POST', 'GET', 'DELETE']));
    expectOnEvery(server.requests, { 'x-api-key': 'key-123', 'x-tenant': 'acme' });
  });

  it('expands ${VAR} from the environment, keeps spaces from the value, and accepts Name:value without a space', async () => {
    const server = await startStreamableServer();
    const bridged = await connectThroughBridge({
      url: server.url,
      args: ['-H', 'Authorization: Bearer ${TEST_TOKEN}', '-H', 'X-Note: ${TEST_NOTE}', '-H', 'X-Compact:tight', '-H', 'X-Mixed: a-${TEST_TOKEN}-b'],
      env: { TEST_TOKEN: 'tok-abc', TEST_NOTE: 'two words  and more' },
    });
    await bridged.client.ping();
    expectOnEvery(server.requests, {
      authorization: 'Bearer tok-abc',
      'x-note': 'two words  and more',
      'x-compact': 'tight',
      'x-mixed': 'a-tok-abc-b',
    });
  });

  it('names a missing ${VAR} in a usage error (exit 2)', async () => {
    const run = await runCli(['-H', 'Authorization: Bearer ${DEFINITELY_NOT_SET_VAR}', 'http://127.0.0.1:9/mcp']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DEFINITELY_NOT_SET_VAR');
    expect(run.stdout).toBe('');
  });

  it('rejects a header whose value is empty, also after expansion (exit 2)', async () => {
    for (const [header, env] of [
      ['X-Empty:', {}],
      ['X-Empty: ${EMPTY_VALUE_VAR}', { EMPTY_VALUE_VAR: '' }],
    ] as const) {
      const run = await runCli(['-H', header, 'http://127.0.0.1:9/mcp'], env);
      expect(run.code, `${header}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(/X-Empty/i);
    }
  });

  it('reads MCP_HEADERS (one per line) and MCP_HEADER_FILE from the environment', async () => {
    const server = await startStreamableServer();
    const file = await tempFile('env-headers.txt', 'X-Env-File: from-file\n');
    const bridged = await connectThroughBridge({
      url: server.url,
      env: { MCP_HEADERS: 'X-Env-One: 1\nX-Env-Two: ${ENV_TWO}', ENV_TWO: 'two', MCP_HEADER_FILE: file },
    });
    await bridged.client.ping();
    expectOnEvery(server.requests, { 'x-env-one': '1', 'x-env-two': 'two', 'x-env-file': 'from-file' });
  });

  it.each(['NoColonHere', ': empty-name', 'Bad Name: value'])('rejects the malformed header %j (exit 2)', async (header) => {
    const run = await runCli(['-H', header, 'http://127.0.0.1:9/mcp']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--header|header/i);
    expect(run.stdout).toBe('');
  });

  it('sends the headers on legacy SSE too (GET /sse and POST /messages)', async () => {
    const server = await startSseServer();
    const bridged = await connectThroughBridge({ url: server.url, args: ['--transport', 'sse', '-H', 'X-Api-Key: legacy-key'] });
    await bridged.client.ping();
    expect(server.requests.some((r) => r.method === 'GET' && r.path === '/sse')).toBe(true);
    expectOnEvery(server.requests, { 'x-api-key': 'legacy-key' });
  });

  it('never writes header secrets to stderr or the log file, even with --debug', async () => {
    const server = await startStreamableServer();
    const dir = tempDir('bridge-redact-');
    const logFile = join(dir, 'bridge.log');
    const raw = spawnBridgeRaw(
      ['--debug', '--log-file', logFile, '-H', 'Authorization: Bearer ${SECRET_TOKEN}', '-H', 'X-Api-Key: apikey-s3cr3t-value', server.url],
      { SECRET_TOKEN: 'sekrit-bearer-value-42' },
    );
    await raw.initialize();
    await raw.request('ping');
    raw.endInput();
    await raw.waitForExit();
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sekrit-bearer-value-42');
    const logs = raw.stderr() + readFileSync(logFile, 'utf8');
    expect(logs).toMatch(/debug/);
    expect(logs).not.toContain('sekrit-bearer-value-42');
    expect(logs).not.toContain('apikey-s3cr3t-value');
  });
});

describe('--header-file', () => {
  it('reads Name: value lines, skipping # comments and blank lines', async () => {
    const server = await startStreamableServer();
    const file = await tempFile(
      'headers.txt',
      ['# static headers for the test server', '', 'X-From-File: yes', '  # indented comment', 'X-Second:two', 'X-Spaces: a b  c', ''].join('\n'),
    );
    const bridged = await connectThroughBridge({ url: server.url, args: ['--header-file', file, '-H', 'X-Cli: also'] });
    await bridged.client.ping();
    expectOnEvery(server.requests, { 'x-from-file': 'yes', 'x-second': 'two', 'x-spaces': 'a b  c', 'x-cli': 'also' });
    for (const r of server.requests) expect(Object.keys(r.headers).some((h) => h.includes('#'))).toBe(false);
  });

  it('accepts CRLF line endings', async () => {
    const server = await startStreamableServer();
    const file = await tempFile('crlf.txt', 'X-One: 1\r\nX-Two: 2\r\n');
    const bridged = await connectThroughBridge({ url: server.url, args: ['--header-file', file] });
    await bridged.client.ping();
    expectOnEvery(server.requests, { 'x-one': '1', 'x-two': '2' });
  });

  it('fails with exit 2 naming the file when it does not exist', async () => {
    const missing = join(tmpdir(), 'no-such-dir-for-bridge-tests', 'headers.txt');
    const run = await runCli(['--header-file', missing, 'http://127.0.0.1:9/mcp']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(missing);
    expect(run.stdout).toBe('');
  });

  it('rejects a malformed line, naming the file and line (exit 2)', async () => {
    const file = await tempFile('bad.txt', 'X-Good: ok\nthis line has no colon\n');
    const run = await runCli(['--header-file', file, 'http://127.0.0.1:9/mcp']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad\.txt|line 2|--header-file/);
  });
});
