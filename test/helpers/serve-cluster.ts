/**
 * Several `mcp-auth-bridge serve` instances on one Redis behind one load balancer, as a team deploys them: the
 * round-robin proxy (round-robin-proxy.ts) first, so its URL is known; a real `redis-server` unless one is given;
 * then N real serve processes (the built CLI, serve-process.ts), each with `--store <redis url>`, the same
 * `MCP_STORE_KEYS`, the same `--public-url` (the proxy's URL) and its own `--config-dir`. An instance can be killed
 * (SIGKILL: a crash, not a drain) and started again; the proxy then sends to it at its new port. Everything stops
 * with the test's teardown.
 */
import { tempDir } from './auth-bridge.js';
import { startRedis, type TestRedis } from './redis.js';
import { startRoundRobinProxy, type RoundRobinProxy } from './round-robin-proxy.js';
import { waitFor, withTimeout } from './wait.js';
import { startServe, type ServeProcess } from '../serve/serve-process.js';

/** The encryption keys every instance of a cluster shares (one key; tests need no rotation here). */
export const CLUSTER_STORE_KEYS = `cluster:${Buffer.alloc(32, 7).toString('base64')}`;

/** Options for {@link startServeCluster}. */
export interface ServeClusterOptions {
  /** How many serve instances (default 2). */
  instances?: 2 | 3;
  /** `--config <file>` for every instance. */
  configFile?: string;
  /** More arguments for every instance (e.g. the server's URL for `serve <url>`), after `--config`. */
  args?: readonly string[];
  /** Extra environment for every instance (`MCP_STORE_KEYS` is set unless given here). */
  env?: Record<string, string>;
  /** A Redis to use; default: a new one for this cluster. */
  redis?: TestRedis;
  /** Header affinity at the proxy (e.g. `mcp-session-id`); default: plain round robin. */
  hashHeader?: string;
}

/** A running cluster. */
export interface ServeCluster {
  proxy: RoundRobinProxy;
  redis: TestRedis;
  /** The instances, by index (the proxy's backend index); `restart` replaces an entry. */
  readonly instances: readonly ServeProcess[];
  /** The proxy's URL, which is every instance's `--public-url` (`/mcp` below it). */
  base: string;
  /** Each instance's own `--config-dir`. */
  configDirs: readonly string[];
  /** SIGKILLs instance `i` and waits for it to exit. The proxy is not told: it finds the connection refused. */
  kill(i: number): Promise<void>;
  /** Starts instance `i` again (killing it first if it runs), same arguments and directory, and points the proxy at it. */
  restart(i: number): Promise<ServeProcess>;
}

/** Starts a cluster; see the module comment. */
export async function startServeCluster(options: ServeClusterOptions = {}): Promise<ServeCluster> {
  const count = options.instances ?? 2;
  const proxy = await startRoundRobinProxy(options.hashHeader ? { hashHeader: options.hashHeader } : {});
  const redis = options.redis ?? (await startRedis());
  const env = { MCP_STORE_KEYS: CLUSTER_STORE_KEYS, ...options.env };
  const configDirs = Array.from({ length: count }, () => tempDir('mab-cluster-'));
  const argsOf = (i: number) => [
    ...(options.configFile ? ['--config', options.configFile] : []),
    ...(options.args ?? []),
    '--store', redis.url,
    '--public-url', proxy.url,
    '--config-dir', configDirs[i]!,
  ];
  const start = async (i: number): Promise<ServeProcess> => {
    const serve = await startServe(argsOf(i), env);
    // As a load balancer's health check on /readyz does: an instance takes requests once its servers are up
    // (a server needing a login stays 'waiting for login', which is as ready as it gets before one).
    await waitFor(`serve instance ${i} to be ready`, async () => {
      const ready = (await (await fetch(`${serve.base}/readyz`)).json()) as { servers: Record<string, string> };
      return Object.values(ready.servers).every((state) => state === 'ready' || state === 'waiting for login');
    }, { timeoutMs: 20_000, intervalMs: 100 });
    proxy.setBackend(i, serve.base);
    return serve;
  };
  const instances: ServeProcess[] = [];
  for (let i = 0; i < count; i++) instances.push(await start(i));

  const kill = async (i: number) => {
    const serve = instances[i];
    if (!serve) throw new Error(`the cluster has no instance ${i}`);
    if (serve.exitStatus()) return;
    serve.child.kill('SIGKILL');
    await withTimeout(`serve instance ${i} to exit`, serve.exited, 10_000);
  };
  return {
    proxy,
    redis,
    instances,
    base: proxy.url,
    configDirs,
    kill,
    async restart(i) {
      await kill(i);
      instances[i] = await start(i);
      return instances[i]!;
    },
  };
}
