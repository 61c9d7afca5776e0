/**
 * Drives the real built CLI as a bridge (spawned by the one runner, test/helpers/cli.ts): by the SDK `Client` over
 * `StdioClientTransport` ({@link startBridgeClient}, {@link connectThroughBridge}) or by raw stdin lines with every
 * stdout line checked to be JSON-RPC ({@link spawnBridgeRaw}); and the same client connected straight to a server
 * ({@link connectDirect}) for comparison.
 */
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { onTeardown } from './cleanup.js';
import { assertBuilt, BIN_PATH, baseEnv, startCli, type CliProcess, type ExitStatus } from './cli.js';
import { createTestClient, type TestClient } from './client.js';
import { waitFor, withTimeout } from './wait.js';


/** Options for {@link startBridgeClient}. */
export interface BridgeClientOptions {
  /** Every argument after `bin/mcp-auth-bridge.js`, URL included. */
  args: string[];
  /** Extra environment for the child (on top of {@link baseEnv}). */
  env?: Record<string, string>;
  /** Client name reported in initialize. */
  clientName?: string;
  /** Label for error messages. Default `bridge`. */
  label?: string;
}

/** A bridge child with an SDK client being connected to it over stdio. */
export interface StartedBridgeClient extends TestClient {
  transport: StdioClientTransport;
  label: string;
  /** Everything the bridge wrote to stderr so far. */
  stderr(): string;
  /** Errors the client transport reported; a stdout line that is not JSON-RPC lands here. */
  errors: Error[];
  /** The client's `connect()` (initialize through the bridge); rejects (with the bridge's stderr) when it fails. */
  connected: Promise<void>;
  /** Closes the client (bounded): ends the child's stdin, then signals it if it lingers. */
  close(): Promise<void>;
}

/**
 * Spawns `node bin/mcp-auth-bridge.js ...args` and starts connecting a {@link createTestClient} client to it over
 * stdio, WITHOUT waiting (a login may have to be driven first). stderr is captured; closed after the test.
 *
 * @throws when the bundle is not built.
 */
export function startBridgeClient(options: BridgeClientOptions): StartedBridgeClient {
  assertBuilt();
  const label = options.label ?? 'bridge';
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN_PATH, ...options.args],
    env: { ...baseEnv(), ...options.env },
    stderr: 'pipe',
  });
  let stderrText = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderrText += chunk.toString('utf8');
  });
  const test = createTestClient(options.clientName);
  const errors: Error[] = [];
  test.client.onerror = (error) => errors.push(error);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await withTimeout(`${label} to close`, test.client.close(), 10_000);
  };
  onTeardown(close);
  const connected = test.client.connect(transport).catch((error: unknown) => {
    throw new Error(`${label}: initialize through the bridge failed: ${String(error)}\n--- bridge stderr ---\n${stderrText}`, { cause: error });
  });
  connected.catch(() => undefined); // observed by the test when it awaits it
  return { ...test, transport, label, stderr: () => stderrText, errors, connected, close };
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
export interface BridgedClient extends StartedBridgeClient {
  /** Every message the bridge wrote to stdout after initialize, in order (raw JSON-RPC). */
  received: JSONRPCMessage[];
}

/**
 * Spawns `node bin/mcp-auth-bridge.js [...args] <url>` and connects a {@link createTestClient} client to it over
 * stdio ({@link startBridgeClient}), waiting for initialize. Keep `errors` empty: a stdout line that is not
 * JSON-RPC lands there.
 *
 * @throws when the bundle is not built or the initialize handshake fails (the message includes the child's stderr).
 */
export async function connectThroughBridge(options: BridgeConnectOptions): Promise<BridgedClient> {
  const bridge = startBridgeClient({
    args: [...(options.args ?? []), ...(options.url ? [options.url] : [])],
    ...(options.env && { env: options.env }),
    ...(options.clientName && { clientName: options.clientName }),
  });
  await withTimeout('initialize through the bridge', bridge.connected, 15_000);
  const received: JSONRPCMessage[] = [];
  const deliver = bridge.transport.onmessage;
  bridge.transport.onmessage = (message) => {
    received.push(message);
    deliver?.(message);
  };
  return { ...bridge, received };
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

/** A bridge child driven by raw stdin lines. */
export interface RawBridge {
  child: CliProcess['child'];
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
  const cli = startCli(args, env, { keepStdout: false });
  const { child } = cli;
  const messages: JSONRPCMessage[] = [];
  const invalidLines: string[] = [];
  let stdoutBuffer = '';
  let nextId = 1000;
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

  const waitForMessage: RawBridge['waitForMessage'] = (what, predicate, timeoutMs = 10_000) =>
    waitFor(
      `${what} (stderr so far: ${JSON.stringify(cli.stderr().slice(-2000))})`,
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
    stderr: cli.stderr,
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
    waitForExit: async (timeoutMs = 10_000) => {
      const { code, signal } = await withTimeout('bridge process to exit', cli.exited, timeoutMs);
      return { code, signal };
    },
    exitStatus: cli.exitStatus,
  };
}
