/**
 * Several `serve --store redis://…` instances of one team behind one {@link Balancer}: the real built CLI, one real
 * Redis, the same public URL (the balancer's) for every instance, and the store keys each instance is given.
 */
import { tempDir } from '../../helpers/auth-bridge.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { startBalancer, type Balancer } from '../balancer.js';
import { startServe, type ServeProcess } from '../serve-process.js';

/** A store key line `<id>:<base64 of 32 bytes>` whose bytes are all `fill`. */
export const storeKey = (id: string, fill: number) => `${id}:${Buffer.alloc(32, fill).toString('base64')}`;

/** The team's Redis and balancer, and a way to start instances on them. */
export interface Team {
  redis: TestRedis;
  balancer: Balancer;
  /** Starts an instance with `args` (before `--store` and `--public-url`), `keys` as MCP_STORE_KEYS, and `env`. */
  start(args: string[], keys: string, env?: Record<string, string>): Promise<ServeProcess>;
}

/** Starts the team's Redis and balancer; instances are started with {@link Team.start}. */
export async function startTeam(): Promise<Team> {
  const redis = await startRedis();
  const balancer = await startBalancer();
  return {
    redis,
    balancer,
    start: (args, keys, env = {}) =>
      startServe([...args, '--config-dir', tempDir(), '--store', redis.url, '--public-url', balancer.base], { ...env, MCP_STORE_KEYS: keys }),
  };
}
