/**
 * What `serve` puts behind its endpoints ({@link ServeBackends}), built as the stdio forms build theirs: for one URL
 * a Bridge over the server's link (server-link.ts); for a `--config` file an Aggregator over every server the
 * session's user may use (member-backends.ts), or one server alone. Each inbound session gets its own engine, so its
 * own upstream sessions; what one user's sessions of a server share — the fetch stacks and the login (the
 * Authorizer) — is that user's link to the server (serve/users/user-members.ts); users share nothing.
 * `/readyz` watches an aggregate of its own, as a user of its own (serve/readiness-monitor.ts).
 */
import { Aggregator } from '../aggregate/aggregator.js';
import type { MemberBackend, MemberSpec } from '../aggregate/types.js';
import { Bridge, type ClientChannel } from '../bridge/bridge.js';
import type { LoadedConfig, LoadedServer, ToolFilter } from '../config/file/types.js';
import type { Runtime } from '../config/runtime.js';
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import { ReadinessMonitor } from '../serve/readiness-monitor.js';
import type { ServeBackends, SessionEngine } from '../serve/types.js';
import type { UserSide } from '../serve/users/user-side.js';
import type { OpenRequest, UpstreamConnector } from '../upstream/port.js';
import { VERSION } from '../version.js';


/** Who the readiness monitor is, as a user: its own credential directory, never a person's. */
const MONITOR_USER = '\0readyz';

/**
 * The backends for one server URL: a Bridge per session with plain names, over the session user's own link to the
 * server (their logins; see serve/users/).
 */
export async function urlBackends(o: { config: Config; runtime: Runtime; log: Logger; side: UserSide }): Promise<ServeBackends> {
  const { server } = o.config;
  const name = new URL(server.url).host;
  const entry: LoadedServer = { name, kind: 'remote', config: server, filter: NO_FILTER };
  const bridgeOn = (channel: ClientChannel, user: string, logger: Logger) => {
    const link = o.side.users.linkFor(user, entry)!;
    let waiting: (() => string | undefined) | undefined;
    void link.then((l) => (waiting = l.waitingFor), () => undefined);
    return new Bridge({
      client: channel,
      connector: lazyConnector(link.then((l) => l.connector)),
      connectTimeoutMs: server.connectTimeoutMs,
      requestTimeoutMs: server.requestTimeoutMs,
      logger,
      waitingFor: () => waiting?.(),
    });
  };
  const monitorLog = o.log.child({ name: 'readyz' });
  const backend: MemberBackend = { open: (channel) => bridgeOn(channel, MONITOR_USER, monitorLog), waitingFor: () => undefined };
  const monitor = new ReadinessMonitor(
    (channel) =>
      new Aggregator({ client: channel, servers: [{ name, slug: 'server', filter: NO_FILTER }], factory: () => backend, separator: '__', logger: monitorLog, version: VERSION }),
  );
  await monitor.start();
  return {
    servers: [],
    web: o.side.web,
    open: (_target, channel, session) => bridgeOn(channel, session.identity.user, session.logger),
    readiness: () => monitor.readiness(),
    close: () => monitor.close(),
  };
}

/** Options for {@link fileBackends}. */
export interface FileBackendsOptions {
  /** The `--config` file, loaded. */
  loaded: LoadedConfig;
  log: Logger;
  side: UserSide;
}

/**
 * The backends for a `--config` file, per session user: `/mcp` aggregates the servers the user may use (their tool
 * filters on top of the servers'), each over the user's own link; `/servers/<name>/mcp` is one of them alone — a
 * plain Bridge (its own names) unless a filter applies, where a one-server Aggregator enforces it. A call to a
 * server that waits for the user's login is answered with the login link (a URL-mode elicitation when the client
 * takes one).
 */
export async function fileBackends(o: FileBackendsOptions): Promise<ServeBackends> {
  const { log, loaded } = o;
  const { users } = o.side;
  const aggregatorOn = (channel: ClientChannel, servers: readonly MemberSpec[], user: string, logger: Logger) =>
    new Aggregator({
      client: channel,
      servers,
      factory: users.factoryFor(user, logger),
      separator: loaded.separator,
      listWaitMs: loaded.listTimeoutMs,
      logger,
      version: VERSION,
      loginElicitation: true,
    });
  const monitor = new ReadinessMonitor((channel) => aggregatorOn(channel, users.allSpecs(), MONITOR_USER, log.child({ name: 'readyz' })));
  await monitor.start();
  const all = users.allSpecs();
  return {
    servers: all.map((s) => s.name),
    web: o.side.web,
    open(target, channel, session): SessionEngine {
      const user = session.identity.user;
      const mine = users.specsFor(user);
      if (target === undefined) return aggregatorOn(channel, mine, user, session.logger);
      const spec = mine.find((s) => s.name === target);
      // A server the user may not use is served as an empty aggregate: nothing to list, nothing to call.
      if (!spec) return aggregatorOn(channel, [], user, session.logger);
      if (filters(spec.filter) || spec.userFilter) return aggregatorOn(channel, [spec], user, session.logger);
      const backend = users.factoryFor(user, session.logger)(spec);
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
    },
  };
}

const NO_FILTER: ToolFilter = { allow: undefined, block: [], readOnly: false };

/** A connector that is still being made (its link opening). */
function lazyConnector(making: Promise<UpstreamConnector>): UpstreamConnector {
  return {
    open: async (request: OpenRequest) => (await making).open(request),
    reopen: async (request: OpenRequest) => (await making).reopen(request),
  };
}

/** Whether an entry hides any of its server's tools. */
function filters(filter: ToolFilter): boolean {
  return filter.allow !== undefined || filter.block.length > 0 || filter.readOnly;
}
