/**
 * A real `redis-server` for the tests: on 127.0.0.1 at a free port, in a temporary directory of its own, without
 * persistence unless asked (`--save '' --appendonly no`), stopped (and its directory removed) at teardown. It can be
 * stopped and started again on the same port, to test an outage. When `redis-server` is not installed the test
 * fails, saying how to install it: nothing is skipped. With `tls`, it listens with TLS only (`rediss://`), with the
 * given certificate, asking clients for theirs as `authClients` says. With `cluster`, it is a node of a Redis Cluster.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { createClient } from 'redis';
import { freePort } from './child-server.js';
import { onTeardown } from './cleanup.js';
import { waitFor, withTimeout } from './wait.js';

/** A running (or stopped, restartable) Redis. */
export interface TestRedis {
  port: number;
  /** `redis://127.0.0.1:<port>`, or `rediss://…` with TLS. */
  url: string;
  /** Stops the server (SIGKILL by default: an outage, not a shutdown). Idempotent. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and directory. */
  start(): Promise<void>;
  /** Runs one command on a fresh connection (for assertions on raw data), e.g. `['GET', key]`. */
  command(args: string[]): Promise<unknown>;
  /** Everything the server wrote. */
  output(): string;
}

/** Options for {@link startRedis}. */
export interface StartRedisOptions {
  /** `requirepass`. */
  password?: string;
  /** Keep data across restarts (append-only file in the server's directory). Default false. */
  persistent?: boolean;
  /** Listen with TLS only (`--port 0 --tls-port <port>`). */
  tls?: TestRedisTls;
  /**
   * Cluster mode (`--cluster-enabled yes`). `one-node`: a Redis Cluster of this one node, serving every hash slot
   * (`CLUSTER ADDSLOTSRANGE 0 16383`): a plain client works with it as with any Redis, and Redis refuses, as any
   * Cluster does, a command or script whose keys are in different slots (CROSSSLOT). `member`: no slots yet, for
   * redis-cluster.ts to join with others.
   */
  cluster?: 'one-node' | 'member';
  /** With `cluster`: `cluster-node-timeout`, how long a node may not answer before it counts as failed. Default Redis's. */
  clusterNodeTimeoutMs?: number;
}

/** The TLS of a test Redis (see test-ca.ts for making the files). */
export interface TestRedisTls {
  /** The server's certificate and key. */
  certFile: string;
  keyFile: string;
  /** The CA that clients' certificates must be signed by (`tls-ca-cert-file`, required by redis-server). */
  caFile: string;
  /** `tls-auth-clients`: whether a client certificate is required. Default `no`. */
  authClients?: 'no' | 'optional' | 'yes';
  /** What the helper's own connections ({@link TestRedis.command}) trust and present. */
  client: { caFile: string; certFile?: string; keyFile?: string };
}

let checked = false;

function requireRedisServer(): void {
  if (checked) return;
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('redis-server is not installed: these tests need a real Redis. Install it with `apt-get install -y redis-server` (Debian/Ubuntu; .ci/run does) or `brew install redis`.');
  }
  checked = true;
}

/** Starts a Redis; see the module comment. */
export async function startRedis(options: StartRedisOptions = {}): Promise<TestRedis> {
  requireRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'mab-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let text = '';
  const tls = options.tls;
  const listen = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile, '--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', tls.authClients ?? 'no']
    : ['--port', String(port)];
  const args = [
    '--bind', '127.0.0.1', ...listen, '--dir', dir, '--save', '', '--daemonize', 'no',
    '--appendonly', options.persistent ? 'yes' : 'no', '--appendfsync', 'always', '--protected-mode', 'yes', '--loglevel', 'notice',
    ...(options.password ? ['--requirepass', options.password] : []),
    // The bus port is given: by default it is the port + 10000, which may be taken or beyond 65535.
    ...(options.cluster ? ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-port', String(await busPort(port))] : []),
    ...(options.cluster && tls ? ['--tls-cluster', 'yes'] : []),
    ...(options.cluster && options.clusterNodeTimeoutMs ? ['--cluster-node-timeout', String(options.clusterNodeTimeoutMs)] : []),
  ];
  const start = async () => {
    const c = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child = c;
    c.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    c.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    await waitFor(`redis-server on port ${port} to be ready`, () => {
      if (c.exitCode !== null) throw new Error(`redis-server exited (${c.exitCode}): ${text.slice(-500)}`);
      return /Ready to accept connections/.test(text);
    }, { timeoutMs: 20_000 });
  };
  const stop = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill(signal);
    await withTimeout('redis-server to exit', exited, 10_000);
    text = '';
  };
  const url = `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`;
  const socket = tls
    ? {
        tls: true as const,
        ca: readFileSync(tls.client.caFile, 'utf8'),
        ...(tls.client.certFile && tls.client.keyFile ? { cert: readFileSync(tls.client.certFile, 'utf8'), key: readFileSync(tls.client.keyFile, 'utf8') } : {}),
      }
    : {};
  const command = async (argv: string[]): Promise<unknown> => {
    const client = createClient({ url, socket, ...(options.password ? { password: options.password } : {}) });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await client.sendCommand(argv);
    } finally {
      client.destroy();
    }
  };
  await start();
  onTeardown(() => rmSync(dir, { recursive: true, force: true }));
  onTeardown(() => stop());
  if (options.cluster === 'one-node') await serveEverySlot(command);
  return { port, url, stop, start, output: () => text, command };
}

/** A free port for a cluster node's bus, other than its own `port` (just freed, so the system may offer it again). */
async function busPort(port: number): Promise<number> {
  for (;;) {
    const candidate = await freePort();
    if (candidate !== port) return candidate;
  }
}

/** Assigns every hash slot to the one node, and waits for the cluster to say it is ok. */
async function serveEverySlot(command: (args: string[]) => Promise<unknown>): Promise<void> {
  await command(['CLUSTER', 'ADDSLOTSRANGE', '0', '16383']);
  await waitFor('the one-node cluster to serve every slot', async () => /cluster_state:ok/.test(String(await command(['CLUSTER', 'INFO']))), { timeoutMs: 10_000, intervalMs: 50 });
}
