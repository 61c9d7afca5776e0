/**
 * Helpers for the auth tests: the real built CLI spawned as an MCP client would spawn it, with its own temp
 * `--config-dir`, a file token store and a short `--auth-timeout`; the login URL it prints on stderr (or hands to a
 * `--browser` command) picked up so the test can drive the provider's login pages. Nothing here fakes the product.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN_PATH, baseEnv } from './bridge.js';
import { onTeardown } from './cleanup.js';
import { createTestClient, type TestClient } from './client.js';
import { waitFor, withTimeout } from './wait.js';
import { driveLogin, type DriveLoginOptions, type LoginResult } from './oidc/index.js';

/** A fresh private temp directory, removed after the test. */
export function tempDir(prefix = 'mab-auth-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTeardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The options every auth test bridge gets unless told otherwise. */
export function authArgs(configDir: string, extra: string[] = []): string[] {
  return ['--token-store', 'file', '--config-dir', configDir, '--auth-timeout', '20s', ...extra];
}

/** Every authorization URL the bridge printed on stderr ("log in to … in your browser:\n  <url>"), in order. */
export function loginUrlsIn(stderr: string): string[] {
  return [...stderr.matchAll(/in your browser:\r?\n\s+(\S+)/g)].map((m) => m[1]!);
}

/** A device login's instructions as the bridge printed them (`--device-code`). */
export interface DevicePromptSeen {
  verificationUri: string;
  userCode: string;
  /** The page with the code filled in, when the server gave one. */
  verificationUriComplete?: string;
}

/** Every device login prompt the bridge printed on stderr ("open URL on any device and enter the code CODE"), in order. */
export function devicePromptsIn(stderr: string): DevicePromptSeen[] {
  return [...stderr.matchAll(/open (\S+) on any device and enter the code (\S+)\r?\n\s+\((?:or open (\S+) \(the code is filled in\); )?/g)].map((m) => ({
    verificationUri: m[1]!,
    userCode: m[2]!,
    ...(m[3] ? { verificationUriComplete: m[3] } : {}),
  }));
}

/** Options for {@link startAuthBridge}. */
export interface AuthBridgeOptions {
  /** The MCP server URL (last argument). */
  url: string;
  /** `--config-dir`. */
  configDir: string;
  /** More CLI options (after {@link authArgs}). */
  args?: string[];
  /** Replace {@link authArgs} entirely (then `configDir` is not passed automatically). */
  rawArgs?: string[];
  /** Browser handling: `none` (default) passes `--no-browser`; a string is passed as `--browser`. */
  browser?: 'none' | string;
  /** Extra environment on top of {@link baseEnv}. */
  env?: Record<string, string>;
  /** Label for error messages. */
  label?: string;
}

/** A bridge child with an SDK client being connected to it. */
export interface AuthBridge extends TestClient {
  transport: StdioClientTransport;
  label: string;
  /** Everything the bridge wrote on stderr so far. */
  stderr(): string;
  /** Authorization URLs printed on stderr so far. */
  loginUrls(): string[];
  /** Waits (bounded) until the bridge printed its `n`-th (0-based) authorization URL and returns it. */
  waitForLoginUrl(n?: number, timeoutMs?: number): Promise<string>;
  /** Device login prompts printed on stderr so far. */
  devicePrompts(): DevicePromptSeen[];
  /** Waits (bounded) until the bridge printed its `n`-th (0-based) device login prompt and returns it. */
  waitForDevicePrompt(n?: number, timeoutMs?: number): Promise<DevicePromptSeen>;
  /** The client's `connect()` (initialize through the bridge); rejects when initialize fails. */
  connected: Promise<void>;
  /** The bridge's pid. */
  pid(): number | null | undefined;
  close(): Promise<void>;
}

/**
 * Spawns `node bin/mcp-auth-bridge.js <auth args> <url>` and starts connecting an SDK client to it, WITHOUT waiting:
 * a login must usually be driven before `connected` resolves. Closed after the test.
 */
export function startAuthBridge(options: AuthBridgeOptions): AuthBridge {
  const label = options.label ?? 'bridge';
  const browserArgs = options.browser === undefined || options.browser === 'none' ? ['--no-browser'] : ['--browser', options.browser];
  const args = options.rawArgs ?? [...authArgs(options.configDir, options.args), ...browserArgs];
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN_PATH, ...args, options.url],
    env: { ...baseEnv(), ...options.env },
    stderr: 'pipe',
  });
  let stderrText = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderrText += chunk.toString('utf8');
  });
  const test = createTestClient(`auth-test-${label}`);
  test.client.onerror = () => undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await withTimeout(`${label} to close`, test.client.close(), 10_000).catch(() => undefined);
  };
  onTeardown(close);
  const connected = test.client.connect(transport).catch((error: unknown) => {
    throw new Error(`${label}: initialize through the bridge failed: ${String(error)}\n--- bridge stderr ---\n${stderrText}`, { cause: error });
  });
  connected.catch(() => undefined); // observed by the test when it awaits it
  return {
    ...test,
    transport,
    label,
    stderr: () => stderrText,
    loginUrls: () => loginUrlsIn(stderrText),
    waitForLoginUrl: (n = 0, timeoutMs = 15_000) =>
      waitFor(`${label} to print login URL #${n + 1} (stderr so far: ${JSON.stringify(stderrText.slice(-1500))})`, () => loginUrlsIn(stderrText)[n], {
        timeoutMs,
      }),
    devicePrompts: () => devicePromptsIn(stderrText),
    waitForDevicePrompt: (n = 0, timeoutMs = 15_000) =>
      waitFor(`${label} to print device prompt #${n + 1} (stderr so far: ${JSON.stringify(stderrText.slice(-1500))})`, () => devicePromptsIn(stderrText)[n], {
        timeoutMs,
      }),
    connected,
    pid: () => transport.pid,
    close,
  };
}

/** Starts a bridge, drives the one login it asks for, and waits until the client is connected. */
export async function connectWithLogin(
  options: AuthBridgeOptions,
  drive: DriveLoginOptions = {},
): Promise<{ bridge: AuthBridge; login: LoginResult }> {
  const bridge = startAuthBridge(options);
  const url = await Promise.race([
    bridge.waitForLoginUrl(0),
    bridge.connected.then(() => {
      throw new Error(`${bridge.label} connected without a login`);
    }),
  ]);
  const login = await withTimeout('driving the login', driveLogin(url, drive), 15_000);
  await withTimeout(`${bridge.label} to finish initialize after the login`, bridge.connected, 15_000);
  return { bridge, login };
}

/** Starts a bridge that must NOT need a login (stored or refreshed tokens) and waits for it to connect. */
export async function connectWithoutLogin(options: AuthBridgeOptions): Promise<AuthBridge> {
  const bridge = startAuthBridge(options);
  await withTimeout(`${bridge.label} to connect without a login`, bridge.connected, 15_000);
  return bridge;
}

/** What `whoami` said, parsed. */
export interface WhoAmIResult {
  sub: string;
  clientId?: string;
  scopes: string[];
}

/** Calls `whoami` and parses its answer; throws when the call fails or returns an error result. */
export async function whoami(test: TestClient, timeoutMs = 20_000): Promise<WhoAmIResult> {
  const result = await withTimeout('tools/call whoami', test.client.callTool({ name: 'whoami', arguments: {} }), timeoutMs);
  const content = result.content as { type: string; text?: string }[];
  if (result.isError) throw new Error(`whoami returned an error: ${JSON.stringify(content)}`);
  return JSON.parse(content[0]!.text!) as WhoAmIResult;
}

/**
 * A `--browser` command that does not open anything: a tiny node script appending each URL it is given to a file,
 * so the test sees what the bridge would have opened (and that it opened nothing, for hostile URLs).
 */
export interface BrowserRecorder {
  /** The value for `--browser`. */
  command: string;
  /** Where URLs are appended, one per line. */
  file: string;
  /** URLs recorded so far. */
  urls(): string[];
  /** Waits (bounded) for the `n`-th (0-based) URL. */
  waitForUrl(n?: number, timeoutMs?: number): Promise<string>;
}

/** Creates a {@link BrowserRecorder} in `dir`. */
export function browserRecorder(dir: string): BrowserRecorder {
  const script = join(dir, 'record-url.mjs');
  const file = join(dir, 'opened-urls.txt');
  writeFileSync(script, "import { appendFileSync } from 'node:fs';\nappendFileSync(process.argv[2], process.argv.slice(3).join(' ') + '\\n');\n");
  const urls = () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
  return {
    command: `${process.execPath} ${script} ${file}`,
    file,
    urls,
    waitForUrl: (n = 0, timeoutMs = 15_000) => waitFor(`the --browser command to receive URL #${n + 1}`, () => urls()[n], { timeoutMs }),
  };
}

/** A TCP server on 127.0.0.1 holding `port` (0 = a free one) until the test ends. */
export async function occupyPort(port = 0): Promise<{ port: number; server: Server }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve());
  });
  const address = server.address();
  onTeardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: typeof address === 'object' && address ? address.port : port, server };
}

/** A port that was free a moment ago (bound and released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

/** Whether process `pid` is still running. */
export function isAlive(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A one-shot CLI command (`login`, `doctor`, …) running as a child process. */
export interface CliRun {
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code and output when the process has exited (never rejects). */
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Device login prompts on stderr so far. */
  devicePrompts(): DevicePromptSeen[];
  waitForDevicePrompt(n?: number, timeoutMs?: number): Promise<DevicePromptSeen>;
}

/** Spawns `node bin/mcp-auth-bridge.js ...args` (env = {@link baseEnv} + `env`); killed after the test if still running. */
export function startCliRun(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, [BIN_PATH, ...args], { env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  onTeardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await withTimeout('a killed CLI child to exit', exited, 5_000);
    }
  });
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    devicePrompts: () => devicePromptsIn(stderr),
    waitForDevicePrompt: (n = 0, timeoutMs = 15_000) =>
      waitFor(`the CLI to print device prompt #${n + 1} (stderr so far: ${JSON.stringify(stderr.slice(-1500))})`, () => devicePromptsIn(stderr)[n], { timeoutMs }),
  };
}
