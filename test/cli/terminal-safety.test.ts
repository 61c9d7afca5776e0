// Text from servers never drives the user's terminal: serverInfo, HTTP error bodies and OAuth error_description
// reach stderr with their control characters escaped. And a header value with a control character other than tab
// is a usage error at start, not a misleading network error on every request.
import { describe, expect, it } from 'vitest';
import { createLogger, terminalSafe } from '../../src/log.js';
import { authArgs, tempDir } from '../helpers/auth-bridge.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { runCli } from '../helpers/cli.js';
import { useTeardown } from '../helpers/cleanup.js';
import { HOSTILE_TEXT, RAW_CONTROLS, startHostileTextServer } from '../helpers/hostile-text-server.js';
import { waitFor } from '../helpers/wait.js';

useTeardown();

function expectNoRawControls(stderr: string): void {
  for (const c of RAW_CONTROLS) expect(stderr.includes(c), `raw U+${c.charCodeAt(0).toString(16)} on stderr`).toBe(false);
}

describe('server text on stderr', () => {
  it('escapes ESC, OSC, BEL and C1 CSI in serverInfo and in an HTTP error body', async () => {
    const server = await startHostileTextServer('mcp');
    const raw = spawnBridgeRaw(['--debug', server.url]);
    const init = await raw.initialize();
    expect((init as { result?: { serverInfo?: { name?: string } } }).result?.serverInfo?.name).toBe(HOSTILE_TEXT); // the client still gets it verbatim
    const failed = await raw.request('tools/call', { name: 'x', arguments: {} });
    expect('error' in failed).toBe(true);
    await waitFor('the failure on stderr', () => raw.stderr().includes('upstream failure'));
    raw.endInput();
    await raw.waitForExit();
    const stderr = raw.stderr();
    expectNoRawControls(stderr);
    expect(stderr).toContain('connected to evil\\x1b[2J\\x1b]0;owned\\x07\\x9b31mred');
    expect(stderr).toContain('upstream failure evil\\x1b[2J');
  });

  it('escapes them in an OAuth error_description from the token endpoint', async () => {
    const server = await startHostileTextServer('oauth');
    const configDir = tempDir();
    const raw = spawnBridgeRaw([...authArgs(configDir, ['--debug', '--client-credentials', '--client-id', 'machine']), '--no-browser', server.url], {
      OIDC_CLIENT_SECRET: 'machine-secret',
    });
    raw.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    await waitFor('the token endpoint to be asked', () => server.requests.includes('POST /token'), { timeoutMs: 20_000 });
    await waitFor(`invalid_client on stderr (so far ${JSON.stringify(raw.stderr().slice(-1500))})`, () => raw.stderr().includes('invalid_client ('), { timeoutMs: 20_000 });
    raw.endInput();
    await raw.waitForExit(20_000);
    const stderr = raw.stderr();
    expectNoRawControls(stderr);
    expect(stderr).toContain('invalid_client (evil\\x1b[2J\\x1b]0;owned\\x07\\x9b31mred');
  });
});

describe('terminalSafe and the logger', () => {
  it('escapes C0 (CR and backspace included), DEL, C1 and bidi overrides; keeps tab, newline and ordinary Unicode', () => {
    expect(terminalSafe('a\rb\bc\x7fd\u0085e\u202ef\tg\nh é ✓')).toBe('a\\x0db\\x08c\\x7fd\\x85e\\u202ef\tg\nh é ✓');
  });

  it('indents continuation lines, so text inside a line cannot pass for a log line of its own', () => {
    const lines: string[] = [];
    const log = createLogger({ stream: { write: (l: string) => lines.push(l) } });
    log.warn('server said: ok\n[mcp-auth-bridge] logged in to bank.example\x1b[8m');
    expect(lines.join('')).toBe('[mcp-auth-bridge] warn: server said: ok\n  [mcp-auth-bridge] logged in to bank.example\\x1b[8m\n');
  });
});

describe('header values with control characters', () => {
  for (const [label, char] of [
    ['\\x01', '\x01'],
    ['\\x7f', '\x7f'],
    ['ESC', '\x1b'],
  ] as const) {
    it(`refuses a --header value containing ${label} at start, with a usage error (exit 2)`, async () => {
      const run = await runCli(['-H', `X-Api-Key: abc${char}def`, 'http://127.0.0.1:9/mcp']);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain('the value of X-Api-Key contains the control character U+');
      expect(run.stdout).toBe('');
      expectNoRawControls(run.stderr);
    });
  }

  it('still accepts a tab inside a header value', async () => {
    const server = await startHostileTextServer('mcp');
    const raw = spawnBridgeRaw(['-H', 'X-Note: a\tb', server.url]);
    const init = await raw.initialize();
    expect('result' in init).toBe(true);
    raw.endInput();
    expect((await raw.waitForExit()).code).toBe(0);
  });
});
