/**
 * The two kinds of client the bench compares: the SDK client straight to the server (Streamable HTTP), and the same
 * client through a bridge child over stdio. Every connection is registered so that {@link closeAll} (or, when time
 * is up, {@link killAll}) leaves no process behind.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** Which way a client reaches the server. */
export type Mode = 'direct' | 'bridge';

/** What the workload asks of a client: the SDK 1.x client's `callTool`, which the 2.x client is adapted to. */
export type BenchClient = Pick<Client, 'callTool' | 'listTools' | 'close'>;

/** A connected client of either kind. */
export interface Connection {
  /** `direct`, `bridge`, or (serve.ts) the gateway it goes through: for messages. */
  mode: string;
  client: BenchClient;
  /** The bridge child's pid; undefined for a direct connection. */
  pid: number | undefined;
  /** Lines the bridge wrote to stderr so far (it runs with --silent, so each one is worth a look). */
  stderrLines(): number;
  /** The first bytes the bridge wrote to stderr. */
  stderrHead(): string;
  /** Closes the client (for the bridge: ends its stdin; the SDK escalates to SIGTERM, then SIGKILL). */
  close(): Promise<void>;
}

/** A new connection and how long it took to be ready, in ms. */
export interface Timed {
  conn: Connection;
  ms: number;
}

/** How to start a bridge child. */
export interface BridgeSpawnOptions {
  /** The script node runs: bin/mcp-auth-bridge.js, or an experimental build. */
  binPath: string;
  /** Node flags placed before the script. */
  nodeArgs?: string[];
  /** Run the child under `--cpu-prof`, writing its profile into `dir` when it exits. */
  cpuProfile?: { dir: string; intervalUs: number };
}

const open = new Set<Connection>();
const childPids = new Set<number>();
/** Process groups (a gateway of serve.ts and what it started in its group), killed as a whole. */
const groups = new Set<number>();
let stateDir: string | undefined;

/** Rejects with an error naming `what` unless `promise` settles within `ms`. */
export async function withTimeout<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The bench's private temp dir (bridge state, configuration files); {@link killAll} removes it. */
export function scratchDir(): string {
  stateDir ??= mkdtempSync(join(tmpdir(), 'mcp-auth-bridge-bench-'));
  return stateDir;
}

/** The SDK's safe default variables, plus XDG directories in a private temp dir (no real user state is touched). */
function bridgeEnv(): Record<string, string> {
  const stateDir = scratchDir();
  return {
    ...getDefaultEnvironment(),
    XDG_CONFIG_HOME: join(stateDir, 'config'),
    XDG_DATA_HOME: join(stateDir, 'data'),
    XDG_STATE_HOME: join(stateDir, 'state'),
    XDG_CACHE_HOME: join(stateDir, 'cache'),
  };
}

function newClient(): Client {
  return new Client({ name: 'bench-client', version: '1.0.0' }, { capabilities: {} });
}

/** Connects straight to `url`; `ms` runs from creating the transport to `connect()` resolving. */
export async function connectDirect(url: string): Promise<Timed> {
  const client = newClient();
  const t0 = performance.now();
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await withTimeout('direct initialize', client.connect(transport), 10_000);
  const ms = performance.now() - t0;
  const conn: Connection = {
    mode: 'direct',
    client,
    pid: undefined,
    stderrLines: () => 0,
    stderrHead: () => '',
    close: async () => {
      open.delete(conn);
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
  open.add(conn);
  return { conn, ms };
}

/**
 * Connects the SDK 2.x client straight to a 2026-07-28 server at `url` (the era pinned, as a client built for it
 * would); `ms` as for {@link connectDirect}. Its `callTool` is adapted to the 1.x shape the workload calls. `name`
 * is its client info's (a server may keep state per client: serve's warm engines are per user and client).
 */
export async function connectDirect2026(url: string, name = 'bench-client'): Promise<Timed> {
  const { Client: Client2, StreamableHTTPClientTransport: Transport2 } = await import('@modelcontextprotocol/client');
  const client = new Client2({ name, version: '1.0.0' }, { capabilities: {}, versionNegotiation: { mode: { pin: '2026-07-28' } } });
  const t0 = performance.now();
  const transport = new Transport2(new URL(url));
  await withTimeout('direct 2026 connect', client.connect(transport), 10_000);
  const ms = performance.now() - t0;
  const adapted = {
    callTool: (params: { name: string; arguments?: Record<string, unknown> }, _schema?: unknown, options?: { timeout?: number }) =>
      client.callTool(params, options?.timeout ? { timeout: options.timeout } : {}),
    listTools: (params?: { cursor?: string }) => client.listTools(params),
    close: () => client.close(),
  } as unknown as BenchClient;
  const conn: Connection = {
    mode: 'direct',
    client: adapted,
    pid: undefined,
    stderrLines: () => 0,
    stderrHead: () => '',
    close: async () => {
      open.delete(conn);
      await client.close();
    },
  };
  open.add(conn);
  return { conn, ms };
}

/**
 * Spawns `node [nodeArgs] <binPath> <url> --no-banner --silent` and connects through it; `ms` runs from spawning
 * (inside `connect()`) to `connect()` resolving, i.e. until initialize is answered and `initialized` is sent.
 */
export function connectBridge(url: string, options: BridgeSpawnOptions): Promise<Timed> {
  return connectBridgeWith([url], options);
}

/**
 * As {@link connectBridge}, with `target` in place of the URL: the server the bridge fronts, e.g. `[url]` or
 * `['--config', file]`.
 */
export async function connectBridgeWith(target: readonly string[], options: BridgeSpawnOptions): Promise<Timed> {
  const nodeArgs = [...(options.nodeArgs ?? [])];
  if (options.cpuProfile) {
    mkdirSync(options.cpuProfile.dir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfile.dir}`, `--cpu-prof-interval=${options.cpuProfile.intervalUs}`);
  }
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...nodeArgs, options.binPath, ...target, '--no-banner', '--silent'],
    env: bridgeEnv(),
    stderr: 'pipe',
  });
  let head = '';
  let tail = '';
  let lines = 0;
  transport.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    if (head.length < 1_000) head = (head + text).slice(0, 1_000);
    tail = (tail + text).slice(-4_000);
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
  });
  const client = newClient();
  const t0 = performance.now();
  const connected = client.connect(transport);
  const pid = transport.pid ?? undefined;
  if (pid) childPids.add(pid);
  try {
    await withTimeout('initialize through the bridge', connected, 15_000);
  } catch (error) {
    await client.close().catch(() => undefined);
    if (pid) childPids.delete(pid);
    throw new Error(`connecting through the bridge failed: ${String(error)}\n--- bridge stderr ---\n${tail}`, { cause: error });
  }
  const ms = performance.now() - t0;
  const conn: Connection = {
    mode: 'bridge',
    client,
    pid,
    stderrLines: () => lines,
    stderrHead: () => head,
    close: async () => {
      open.delete(conn);
      await client.close();
      if (pid) childPids.delete(pid);
    },
  };
  open.add(conn);
  return { conn, ms };
}

/** Registers the process group `pgid` for {@link killAll}. */
export function trackGroup(pgid: number): void {
  groups.add(pgid);
}

/** Forgets the process group `pgid`; with `kill`, SIGKILLs it first (whatever is left of it). */
export function untrackGroup(pgid: number, kill: boolean): void {
  groups.delete(pgid);
  if (!kill) return;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Closes every open connection (each bounded), SIGKILLs any child still registered, removes the state dir. */
export async function closeAll(): Promise<void> {
  await Promise.allSettled([...open].map((c) => withTimeout(`closing a ${c.mode} client`, c.close(), 6_000)));
  killAll();
}

/** Synchronous last resort (for the deadline): SIGKILL every registered child and remove the state dir. */
export function killAll(): void {
  for (const pid of childPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  childPids.clear();
  for (const pgid of [...groups]) untrackGroup(pgid, true);
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  stateDir = undefined;
}
