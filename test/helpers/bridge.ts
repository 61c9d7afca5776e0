/**
 * Runs the real built CLI (`node bin/mcp-auth-bridge.js …`, bundle in dist/) as a child process, either driven by
 * the SDK `Client` over `StdioClientTransport` ({@link connectThroughBridge}) or by raw stdin lines with every stdout
 * line checked to be JSON-RPC ({@link spawnBridgeRaw}); and the same client connected straight to a server
 * ({@link connectDirect}) for comparison.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { onFileTeardown, onTeardown } from './cleanup.js';
import { createTestClient, type TestClient } from './client.js';
import { waitFor, withTimeout } from './wait.js';

/** Absolute path of the published command shim. */
export const BIN_PATH = fileURLToPath(new URL('../../bin/mcp-auth-bridge.js', import.meta.url));

const BUNDLE_PATH = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

let stateDir: string | undefined;

/**
 * The environment every bridge child starts with: the SDK's safe default variables (PATH, HOME, …; no proxy
 * variables from the machine) plus XDG directories in a private temp dir so no test touches real user state.
 */
export function baseEnv(): Record<string, string> {
  if (stateDir === undefined) {
    const dir = (stateDir = mkdtempSync(join(tmpdir(), 'mcp-auth-bridge-test-')));
    // Shared by every child of this test file, so removed when the file is done.
    onFileTeardown(() => {
      rmSync(dir, { recursive: true, force: true });
      if (stateDir === dir) stateDir = undefined;
    });
  }
  return {
    ...getDefaultEnvironment(),
    // The run's private temp dir (test/helpers/tmp-guard.ts), so what a child leaves there is found too.
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
    XDG_CONFIG_HOME: join(stateDir, 'config'),
    XDG_DATA_HOME: join(stateDir, 'data'),
    XDG_STATE_HOME: join(stateDir, 'state'),
    XDG_CACHE_HOME: join(stateDir, 'cache'),
  };
}

function assertBuilt(): void {
  if (!existsSync(BUNDLE_PATH)) {
    throw new Error(`${BUNDLE_PATH} does not exist: run \`npm run build\` before these tests`);
  }
}

/** Options for {@link connectThroughBridge}. */
export interface BridgeConnectOptions {
  /** Backend URL, passed as the last (positional) argument; omit to rely on `MCP_BACKEND_URL` in `env`. */
  url?: string;
  /** CLI options placed before the URL. */
  args?: string[];
  /** Extra environment for the child (on top of {@link baseEnv}). */
  env?: Record<string, string>;
  /** Client name reported in initialize. */
  clientName?: string;
}

/** A test client connected through a bridge child process. */
export interface BridgedClient extends TestClient {
  transport: StdioClientTransport;
  /** Everything the bridge wrote to stderr so far. */
  stderr(): string;
  /** Errors the client transport reported; a stdout line that is not JSON-RPC lands here, so keep it empty. */
  errors: Error[];
  /** Every message the bridge wrote to stdout after initialize, in order (raw JSON-RPC). */
  received: JSONRPCMessage[];
  /** Closes the client: ends the child's stdin, then signals it if it lingers. */
  close(): Promise<void>;
}

/**
 * Spawns `node bin/mcp-auth-bridge.js [...args] <url>` and connects a {@link createTestClient} client to it over
 * stdio. stderr is captured; the child is closed after the test (see `useTeardown`).
 *
 * @throws when the bundle is not built or the initialize handshake fails (the message includes the child's stderr).
 */
export async function connectThroughBridge(options: BridgeConnectOptions): Promise<BridgedClient> {
  assertBuilt();
  const args = [BIN_PATH, ...(options.args ?? []), ...(options.url ? [options.url] : [])];
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    env: { ...baseEnv(), ...options.env },
    stderr: 'pipe',
  });
  let stderrText = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderrText += chunk.toString('utf8');
  });
  const test = createTestClient(options.clientName);
  const errors: Error[] = [];
  const received: JSONRPCMessage[] = [];
  test.client.onerror = (error) => errors.push(error);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await test.client.close();
  };
  onTeardown(close);
  try {
    await withTimeout('initialize through the bridge', test.client.connect(transport), 15_000);
  } catch (error) {
    throw new Error(`connecting through the bridge failed: ${String(error)}\n--- bridge stderr ---\n${stderrText}`, {
      cause: error,
    });
  }
  const deliver = transport.onmessage;
  transport.onmessage = (message) => {
    received.push(message);
    deliver?.(message);
  };
  return { ...test, transport, stderr: () => stderrText, errors, received, close };
}

/** A test client connected straight to a server, for comparison with the bridged one. */
export interface DirectClient extends TestClient {
  close(): Promise<void>;
}

/** Connects a {@link createTestClient} client straight to `url` with the SDK's own HTTP client transport. */
export async function connectDirect(options: {
  url: string;
  transport: 'streamable-http' | 'sse';
}): Promise<DirectClient> {
  const test = createTestClient();
  const url = new URL(options.url);
  const transport = options.transport === 'sse' ? new SSEClientTransport(url) : new StreamableHTTPClientTransport(url);
  const close = async () => {
    await test.client.close();
  };
  onTeardown(close);
  await withTimeout('direct initialize', test.client.connect(transport), 10_000);
  return { ...test, close };
}

/** How a bridge child ended. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A bridge child driven by raw stdin lines. */
export interface RawBridge {
  child: ChildProcessWithoutNullStreams;
  /** Every stdout line that parsed as a JSON-RPC 2.0 message, in order. */
  messages: JSONRPCMessage[];
  /** Every stdout line that did NOT (not JSON, or JSON without `jsonrpc: "2.0"`); tests assert it stays empty. */
  invalidLines: string[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Writes `message` as one JSON line. */
  send(message: unknown): void;
  /** Writes `text` followed by a newline, unchanged (for garbage and oversized input). */
  sendLine(text: string): void;
  /** Ends stdin (EOF). */
  endInput(): void;
  /** Waits until a stdout message matches `predicate` and returns it. */
  waitForMessage(what: string, predicate: (m: JSONRPCMessage) => boolean, timeoutMs?: number): Promise<JSONRPCMessage>;
  /** Sends a request with a fresh numeric id (or `id`) and waits for the response with that id. */
  request(method: string, params?: Record<string, unknown>, timeoutMs?: number): Promise<JSONRPCMessage>;
  /** Sends `initialize` and `notifications/initialized`; returns the initialize response. */
  initialize(): Promise<JSONRPCMessage>;
  /** Waits for the process to exit (bounded) and returns its code and signal. */
  waitForExit(timeoutMs?: number): Promise<ExitStatus>;
  /** The exit status once the process has exited, else undefined. */
  exitStatus(): ExitStatus | undefined;
}

/**
 * True when `value` looks like a JSON-RPC 2.0 request, notification or response, as the MCP schema reads it (an
 * error response may lack `id`; whether a parse error carries `id: null` is asserted where it matters).
 */
export function isJsonRpcMessage(value: unknown): value is JSONRPCMessage {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const m = value as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') return false;
  if (typeof m.method === 'string') return true;
  if ('error' in m) return typeof m.error === 'object' && m.error !== null && typeof (m.error as { code?: unknown }).code === 'number';
  return 'id' in m && 'result' in m;
}

/**
 * Spawns `node bin/mcp-auth-bridge.js ...args` with piped stdio. Every stdout line is parsed: JSON-RPC messages go
 * to `messages`, anything else to `invalidLines`. The child is killed after the test if it is still running.
 */
export function spawnBridgeRaw(args: string[], env: Record<string, string> = {}): RawBridge {
  assertBuilt();
  const child = spawn(process.execPath, [BIN_PATH, ...args], {
    env: { ...baseEnv(), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const messages: JSONRPCMessage[] = [];
  const invalidLines: string[] = [];
  let stderrText = '';
  let stdoutBuffer = '';
  let status: ExitStatus | undefined;
  let nextId = 1000;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.on('close', (code, signal) => {
      status = { code, signal };
      resolve(status);
    });
  });
  child.stdin.on('error', () => {
    // Writing after the child exited is expected in some tests (EPIPE); the exit status tells the story.
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderrText += chunk.toString('utf8');
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdoutBuffer += chunk.toString('utf8');
    let newline: number;
    while ((newline = stdoutBuffer.indexOf('\n')) >= 0) {
      const line = stdoutBuffer.slice(0, newline).replace(/\r$/, '');
      stdoutBuffer = stdoutBuffer.slice(newline + 1);
      if (line === '') {
        invalidLines.push(line);
        continue;
      }
      try {
        const parsed: unknown = JSON.parse(line);
        if (isJsonRpcMessage(parsed)) messages.push(parsed);
        else invalidLines.push(line);
      } catch {
        invalidLines.push(line);
      }
    }
  });
  child.stdout.on('end', () => {
    if (stdoutBuffer !== '') invalidLines.push(stdoutBuffer);
    stdoutBuffer = '';
  });

  onTeardown(async () => {
    if (status) return;
    child.kill('SIGKILL');
    await withTimeout('killed bridge child to exit', exited, 5_000);
  });

  const waitForMessage: RawBridge['waitForMessage'] = (what, predicate, timeoutMs = 10_000) =>
    waitFor(
      `${what} (stderr so far: ${JSON.stringify(stderrText.slice(-2000))})`,
      () => messages.find(predicate),
      { timeoutMs },
    );
  const send = (message: unknown) => {
    child.stdin.write(`${JSON.stringify(message)}\n`);
  };
  const request: RawBridge['request'] = async (method, params, timeoutMs) => {
    const id = nextId++;
    send({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
    return waitForMessage(`response to ${method} (id ${id})`, (m) => 'id' in m && m.id === id && !('method' in m), timeoutMs);
  };
  return {
    child,
    messages,
    invalidLines,
    stderr: () => stderrText,
    send,
    sendLine: (text) => {
      child.stdin.write(`${text}\n`);
    },
    endInput: () => {
      child.stdin.end();
    },
    waitForMessage,
    request,
    async initialize() {
      const response = await request(
        'initialize',
        {
          protocolVersion: LATEST_PROTOCOL_VERSION,
          capabilities: {},
          clientInfo: { name: 'raw-test-client', version: '1.0.0' },
        },
        15_000,
      );
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      return response;
    },
    waitForExit: (timeoutMs = 10_000) => withTimeout('bridge process to exit', exited, timeoutMs),
    exitStatus: () => status,
  };
}

/**
 * Runs the CLI to completion with `args` and empty stdin (for `--help`, `--version`, usage errors) and returns its
 * exit status and output. Bounded by `timeoutMs`.
 */
export async function runBridge(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<ExitStatus & { stdout: string; stderr: string }> {
  assertBuilt();
  const child = spawn(process.execPath, [BIN_PATH, ...args], {
    env: { ...baseEnv(), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.on('error', () => {});
  const exited = new Promise<ExitStatus>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  onTeardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const status = await withTimeout(`mcp-auth-bridge ${args.join(' ')} to exit`, exited, timeoutMs);
  return { ...status, stdout, stderr };
}
