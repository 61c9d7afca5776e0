/**
 * The three processes the serve bench compares, each exposing the same local stdio MCP server over Streamable HTTP
 * on 127.0.0.1: `mcp-auth-bridge serve --config` (its `/servers/<name>/mcp` endpoint: the server alone, under its own
 * tool names, as the peers expose it), `supergateway --stateful` and `mcp-proxy --server stream`, each as its users
 * run it (defaults otherwise); and the clients of the bench: the SDK 1.x client over Streamable HTTP to a gateway,
 * or over stdio straight to the server (the baseline). Every gateway runs in its own process group and is
 * registered with connections.ts, so closeAll / killAll leave nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { realpathSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type Connection, scratchDir, trackGroup, untrackGroup, withTimeout } from './connections.js';
import { processTree } from './proc-tree.js';

/** The gateways compared. */
export const GATEWAYS = ['serve', 'supergateway', 'mcp-proxy'] as const;
export type Gateway = (typeof GATEWAYS)[number];
/**
 * What {@link startGateway} starts: a gateway, the HTTP floor (http-floor-server.mjs: no gateway at all), the
 * stdio relay (stdio-relay-server.mjs: the least any HTTP gateway to a stdio server does), or serve with the server's
 * entry marked `"sessions": "shared"` (one process for all sessions of a user; here every session is the one
 * anonymous user's).
 */
export type Launch = Gateway | 'floor' | 'relay' | 'serve-shared';

/** The stdio server every path reaches: the SDK McpServer fixture with `echo`. */
export const STDIO_SERVER = fileURLToPath(new URL('../fixtures/stdio/mcp-server.mjs', import.meta.url));

const FLOOR_SERVER = fileURLToPath(new URL('./http-floor-server.mjs', import.meta.url));
const RELAY_SERVER = fileURLToPath(new URL('./stdio-relay-server.mjs', import.meta.url));
const BIN_DIR = fileURLToPath(new URL('../../node_modules/.bin/', import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

/** A running gateway. */
export interface GatewayProcess<Name extends string = Launch> {
  name: Name;
  pid: number;
  /** Its Streamable HTTP endpoint. */
  url: string;
  /** The last stderr and stdout it wrote (for a failure message). */
  tail(): string;
  /** SIGTERM to its group, then (bounded) SIGKILL to the group and to any descendant left. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (closed again; the gateway binds it right after). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The command line of `name` on `port`: node, then its script and arguments. */
function commandOf(name: Launch, port: number, serveBin: string): string[] {
  const server = [process.execPath, STDIO_SERVER];
  if (name === 'floor') return [FLOOR_SERVER, String(port)];
  if (name === 'relay') return [RELAY_SERVER, String(port), ...server];
  if (name === 'serve' || name === 'serve-shared') {
    const config = join(scratchDir(), `${name}-bench.json`);
    const sessions = name === 'serve-shared' ? { sessions: 'shared' } : {};
    writeFileSync(config, JSON.stringify({ mcpServers: { echo: { command: server[0], args: server.slice(1), ...sessions } } }, null, 2));
    return [serveBin, 'serve', '--config', config, '--host', '127.0.0.1', '--port', String(port), '--silent', '--no-banner'];
  }
  if (name === 'supergateway') {
    const script = realpathSync(join(BIN_DIR, 'supergateway'));
    return [script, '--stdio', server.map((s) => JSON.stringify(s)).join(' '), '--outputTransport', 'streamableHttp', '--stateful', '--port', String(port), '--logLevel', 'none'];
  }
  const script = realpathSync(join(BIN_DIR, 'mcp-proxy'));
  return [script, '--port', String(port), '--host', '127.0.0.1', '--server', 'stream', '--', ...server];
}

/** The endpoint path of `name`. */
function pathOf(name: Launch): string {
  return name === 'serve' || name === 'serve-shared' ? '/servers/echo/mcp' : '/mcp';
}

/**
 * Starts `name` (with `serveBin` as this bridge's entry; `nodeArgs` before the script, e.g. `--cpu-prof`) and waits,
 * bounded, until it accepts connections.
 */
export async function startGateway(name: Launch, serveBin: string, nodeArgs: readonly string[] = []): Promise<GatewayProcess> {
  const port = await freePort();
  return launchNode({ name, argv: [...nodeArgs, ...commandOf(name, port, serveBin)], port, path: pathOf(name) });
}

/** What {@link launchNode} starts. */
export interface NodeLaunch<Name extends string> {
  /** For messages and {@link GatewayProcess.name}. */
  name: Name;
  /** Node's arguments: flags, the script, its arguments (which make it listen on `port`). */
  argv: readonly string[];
  port: number;
  /** The endpoint path of its URL. */
  path: string;
  /** Extra environment on top of the safe defaults and the bench's private XDG directories. */
  env?: Record<string, string>;
}

/**
 * Spawns `node …argv` in a process group of its own, registered with connections.ts (so killAll ends it), and waits,
 * bounded, until it accepts connections on `port`. Exported for the cluster part, which starts serve its own way.
 */
export async function launchNode<Name extends string>(launch: NodeLaunch<Name>): Promise<GatewayProcess<Name>> {
  const { name, port } = launch;
  const child: ChildProcess = spawn(process.execPath, [...launch.argv], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...getDefaultEnvironment(), XDG_CONFIG_HOME: join(scratchDir(), 'config'), XDG_STATE_HOME: join(scratchDir(), 'state'), ...launch.env },
  });
  const pid = child.pid!;
  trackGroup(pid);
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString('utf8')).slice(-4_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const until = performance.now() + READY_TIMEOUT_MS;
  while (!(await acceptsConnections(port))) {
    if (exited || performance.now() > until) {
      untrackGroup(pid, true);
      throw new Error(`${name} did not listen on ${port} within ${READY_TIMEOUT_MS} ms${exited ? ' (it exited)' : ''}:\n${tail}`);
    }
    await sleep(100);
  }
  return {
    name,
    pid,
    url: `http://127.0.0.1:${port}${launch.path}`,
    tail: () => tail,
    async stop() {
      const seen = processTree(pid);
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // gone
      }
      await Promise.race([exit, sleep(STOP_TIMEOUT_MS)]);
      untrackGroup(pid, true);
      // serve starts each local server in a process group of its own: kill any descendant still there.
      for (const p of seen) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // gone
        }
      }
    },
  };
}

function newClient(): Client {
  return new Client({ name: 'serve-bench-client', version: '1.0.0' }, { capabilities: {} });
}

/**
 * One client session to a gateway over Streamable HTTP (with `headers` on every request, e.g. a bearer token);
 * close() ends the session (DELETE) and the client.
 */
export async function connectHttp(label: string, url: string, headers: Record<string, string> = {}): Promise<Connection> {
  const client = newClient();
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  await withTimeout(`${label}: initialize`, client.connect(transport), 30_000);
  return {
    mode: label,
    client,
    pid: undefined,
    stderrLines: () => 0,
    stderrHead: () => '',
    close: async () => {
      await withTimeout(`${label}: DELETE`, transport.terminateSession(), 10_000).catch(() => undefined);
      await client.close().catch(() => undefined);
    },
  };
}

/** The baseline: the SDK client over stdio, spawning the stdio server itself. */
export async function connectStdioDirect(): Promise<Connection> {
  const client = newClient();
  const transport = new StdioClientTransport({ command: process.execPath, args: [STDIO_SERVER], env: getDefaultEnvironment(), stderr: 'ignore' });
  await withTimeout('direct stdio: initialize', client.connect(transport), 30_000);
  return {
    mode: 'direct',
    client,
    pid: transport.pid ?? undefined,
    stderrLines: () => 0,
    stderrHead: () => '',
    close: () => client.close(),
  };
}
