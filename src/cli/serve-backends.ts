/**
 * What `serve` puts behind its endpoints ({@link ServeBackends}), built as the stdio forms build theirs: for one URL
 * a Bridge over the server's link (server-link.ts); for a `--config` file an Aggregator over every server
 * (member-backends.ts), or one server alone. Each inbound session gets its own engine, so its own upstream sessions;
 * what a server's sessions may share — the fetch stacks and the login (the Authorizer) — is one link per server.
 * `/readyz` watches an aggregate of its own (serve/readiness-monitor.ts).
 */
import { Aggregator } from '../aggregate/aggregator.js';
import type { MemberBackend, MemberSpec } from '../aggregate/types.js';
import { Bridge, type ClientChannel } from '../bridge/bridge.js';
import type { LoadedConfig, LoadedServer, ToolFilter } from '../config/file/types.js';
import type { Runtime } from '../config/runtime.js';
import type { Config, ProcessConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { ReadinessMonitor } from '../serve/readiness-monitor.js';
import type { ServeBackends, SessionEngine } from '../serve/types.js';
import { createGroupGuardian } from '../upstream/stdio/guardian.js';
import { VERSION } from '../version.js';
import { backendFor, memberSpecs, withStore, type StoreChoice } from './member-backends.js';
import { linkServer, type ServerLink } from './server-link.js';

/** Sessions do not hold the upstream back: each has its own, and an HTTP client's pace is its streams'. */
const noWait = (): undefined => undefined;

/** The backends for one server URL: a Bridge per session, plain names. */
export async function urlBackends(o: { config: Config; runtime: Runtime; log: Logger }): Promise<ServeBackends> {
  const { server, process } = o.config;
  const link = await linkServer({ server, process, runtime: o.runtime, log: o.log, clientReady: noWait });
  const bridgeOn = (channel: ClientChannel, logger: Logger) =>
    new Bridge({
      client: channel,
      connector: link.connector,
      connectTimeoutMs: server.connectTimeoutMs,
      requestTimeoutMs: server.requestTimeoutMs,
      logger,
      ...(link.waitingFor ? { waitingFor: link.waitingFor } : {}),
    });
  const monitorLog = o.log.child({ name: 'readyz' });
  const backend: MemberBackend = { open: (channel) => bridgeOn(channel, monitorLog), waitingFor: () => link.waitingFor?.() };
  const name = new URL(server.url).host;
  const monitor = new ReadinessMonitor(
    (channel) =>
      new Aggregator({ client: channel, servers: [{ name, slug: 'server', filter: NO_FILTER }], factory: () => backend, separator: '__', logger: monitorLog, version: VERSION }),
  );
  await monitor.start();
  return { servers: [], open: (_target, channel, session) => bridgeOn(channel, session.logger), readiness: () => monitor.readiness(), close: () => monitor.close() };
}

/** Options for {@link fileBackends}. */
export interface FileBackendsOptions {
  /** The `--config` file, loaded. */
  loaded: LoadedConfig;
  process: ProcessConfig;
  store: StoreChoice;
  runtime: Runtime;
  log: Logger;
}

/**
 * The backends for a `--config` file: `/mcp` aggregates every server as the stdio form does; `/servers/<name>/mcp`
 * is the server alone — a plain Bridge (its own names) unless its entry filters tools, where a one-server
 * Aggregator enforces the filter (and names carry the server's prefix).
 */
export async function fileBackends(o: FileBackendsOptions): Promise<ServeBackends> {
  const { log, loaded } = o;
  const specs = memberSpecs(loaded);
  const entries = new Map(loaded.servers.map((s) => [s.name, s]));
  const guardian = createGroupGuardian({ logger: log });
  const links = new Map<string, Promise<ServerLink>>();
  const linkOf = (server: LoadedServer): Promise<ServerLink> | undefined => {
    if (server.kind !== 'remote') return undefined;
    let link = links.get(server.name);
    if (!link) {
      const config = withStore(server.config, o.store);
      link = linkServer({ server: config, process: o.process, runtime: o.runtime, log: log.child({ name: server.name }), clientReady: noWait });
      links.set(server.name, link);
    }
    return link;
  };
  /** A server's backend for an engine whose lines go to `logger`. */
  const factoryFor =
    (logger: Logger) =>
    (spec: MemberSpec): MemberBackend => {
      const server = entries.get(spec.name)!;
      const link = linkOf(server);
      return backendFor({ server, process: o.process, store: o.store, runtime: o.runtime, guardian, root: log, log: logger.child({ name: spec.name }), clientReady: noWait, ...(link ? { link } : {}) });
    };
  const aggregatorOn = (channel: ClientChannel, servers: readonly MemberSpec[], logger: Logger) =>
    new Aggregator({ client: channel, servers, factory: factoryFor(logger), separator: loaded.separator, listWaitMs: loaded.listTimeoutMs, logger, version: VERSION });
  const monitor = new ReadinessMonitor((channel) => aggregatorOn(channel, specs, log.child({ name: 'readyz' })));
  await monitor.start();
  return {
    servers: specs.map((s) => s.name),
    open(target, channel, session): SessionEngine {
      if (target === undefined) return aggregatorOn(channel, specs, session.logger);
      const spec = specs.find((s) => s.name === target)!;
      if (filters(spec.filter)) return aggregatorOn(channel, [spec], session.logger);
      const backend = factoryFor(session.logger)(spec);
      const bridge = backend.open(channel);
      return {
        start: () => bridge.start(),
        drain: (ms) => bridge.drain(ms),
        close: async () => {
          await bridge.close();
          await backend.close?.();
        },
      };
    },
    readiness: () => monitor.readiness(),
    close: async () => {
      await monitor.close();
      guardian.close();
    },
  };
}

const NO_FILTER: ToolFilter = { allow: undefined, block: [], readOnly: false };

/** Whether an entry hides any of its server's tools. */
function filters(filter: ToolFilter): boolean {
  return filter.allow !== undefined || filter.block.length > 0 || filter.readOnly;
}
