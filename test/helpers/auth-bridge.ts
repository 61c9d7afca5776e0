/**
 * Helpers for the auth tests: the real built CLI spawned as an MCP client would spawn it (by
 * {@link startBridgeClient}), with its own temp `--config-dir`, a file token store and a short `--auth-timeout`; the
 * login URL it prints on stderr picked up so the test can drive the provider's login pages. Nothing here fakes the
 * product.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridgeClient, type StartedBridgeClient } from './bridge.js';
import { onTeardown } from './cleanup.js';
import { devicePromptsIn, loginUrlsIn, type DevicePromptSeen } from './cli.js';
import type { TestClient } from './client.js';
import { waitFor, withTimeout } from './wait.js';
import { driveLogin, type DriveLoginOptions, type LoginResult } from './oidc/index.js';

/** A fresh private temp directory, removed after the test. */
export function tempDir(prefix = 'mab-auth-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTeardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `--token-store file --config-dir <dir>`: every test keeps its credentials in its own temp dir. */
export function fileStore(configDir: string): string[] {
  return ['--token-store', 'file', '--config-dir', configDir];
}

/** The options every auth test bridge gets unless told otherwise: {@link fileStore} and a short `--auth-timeout`. */
export function authArgs(configDir: string, extra: string[] = []): string[] {
  return [...fileStore(configDir), '--auth-timeout', '20s', ...extra];
}

export { devicePromptsIn, loginUrlsIn, type DevicePromptSeen } from './cli.js';

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

/** A bridge child with an SDK client being connected to it ({@link startBridgeClient}), plus what it printed. */
export interface AuthBridge extends StartedBridgeClient {
  /** Authorization URLs printed on stderr so far. */
  loginUrls(): string[];
  /** Waits (bounded) until the bridge printed its `n`-th (0-based) authorization URL and returns it. */
  waitForLoginUrl(n?: number, timeoutMs?: number): Promise<string>;
  /** Device login prompts printed on stderr so far. */
  devicePrompts(): DevicePromptSeen[];
  /** Waits (bounded) until the bridge printed its `n`-th (0-based) device login prompt and returns it. */
  waitForDevicePrompt(n?: number, timeoutMs?: number): Promise<DevicePromptSeen>;
  /** The bridge's pid. */
  pid(): number | null | undefined;
}

/**
 * Spawns `node bin/mcp-auth-bridge.js <auth args> <url>` and starts connecting an SDK client to it, WITHOUT waiting:
 * a login must usually be driven before `connected` resolves. Closed after the test.
 */
export function startAuthBridge(options: AuthBridgeOptions): AuthBridge {
  const label = options.label ?? 'bridge';
  const browserArgs = options.browser === undefined || options.browser === 'none' ? ['--no-browser'] : ['--browser', options.browser];
  const args = options.rawArgs ?? [...authArgs(options.configDir, options.args), ...browserArgs];
  const bridge = startBridgeClient({ args: [...args, options.url], ...(options.env && { env: options.env }), clientName: `auth-test-${label}`, label });
  const close = () => bridge.close().catch(() => undefined);
  onTeardown(close);
  const soFar = () => `(stderr so far: ${JSON.stringify(bridge.stderr().slice(-1500))})`;
  return {
    ...bridge,
    close,
    loginUrls: () => loginUrlsIn(bridge.stderr()),
    waitForLoginUrl: (n = 0, timeoutMs = 15_000) =>
      waitFor(`${label} to print login URL #${n + 1} ${soFar()}`, () => loginUrlsIn(bridge.stderr())[n], { timeoutMs }),
    devicePrompts: () => devicePromptsIn(bridge.stderr()),
    waitForDevicePrompt: (n = 0, timeoutMs = 15_000) =>
      waitFor(`${label} to print device prompt #${n + 1} ${soFar()}`, () => devicePromptsIn(bridge.stderr())[n], { timeoutMs }),
    pid: () => bridge.transport.pid,
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
