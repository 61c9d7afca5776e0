/**
 * What `serve` puts behind its endpoints ({@link ServeBackends}), built as the stdio forms build theirs: for one URL
 * a Bridge over the server's link (server-link.ts); for a `--config` file an Aggregator over every server the
 * session's user may use (member-backends.ts), or one server alone. Each inbound session gets its own engine, so its
 * own upstream sessions; what one user's sessions of a server share — the fetch stacks and the login (the
 * Authorizer) — is that user's link to the server (serve/users/user-members.ts), and, for a local server marked
 * `"sessions": "shared"`, its one process (serve/shared-upstream/); users share nothing.
 * `/readyz` watches an aggregate of its own, as a user of its own (serve/readiness-monitor.ts).
 */
import { Aggregator } from '../aggregate/aggregator.js';
import type { MemberBackend, MemberSpec } from '../aggregate/types.js';
import { Bridge, type ClientChannel } from '../bridge/bridge.js';
import type { LoadedConfig, LoadedServer, ToolFilter } from '../config/file/types.js';
import type { Runtime } from '../config/runtime.js';
import type { Config } from '../config/types.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { ReadinessMonitor } from '../serve/readiness-monitor.js';
import type { ServeBackends, SessionEngine } from '../serve/types.js';
import type { ReconfigurableSessions, SessionsChange } from '../serve/reload/config-reload.js';
import { RetirableChannel } from '../serve/reload/retirable-channel.js';
import type { UserSide } from '../serve/users/user-side.js';
import { MONITOR_USER } from '../serve/users/user-members.js';
import type { OpenRequest, UpstreamConnector } from '../upstream/port.js';
import { VERSION } from '../version.js';



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

/** The backends of a `--config` file, which a reload reconfigures. */
export interface FileBackends extends ServeBackends, ReconfigurableSessions {
  /**
   * Applies the configuration the user side now holds (call `side.reconfigure` first) to every open session: each
   * session's aggregate gets its user's servers as they are now (added ones join, removed ones and ones the user
   * lost access to leave, changed ones restart, the others keep their upstream sessions); a plain session of one
   * server alone whose server changed, went or is no longer the user's is retired (its upstream session ended, each
   * later request answered with an error that says to open a new session). `/readyz` follows the new list.
   */
  reconfigure(change: SessionsChange): Promise<void>;
}

/** One open session, as a reload sees it. */
type OpenSession =
  | { kind: 'aggregate'; user: string; target: string | undefined; aggregator: Aggregator }
  | { kind: 'bridge'; user: string; target: string; retire: (why: string) => Promise<void> };

/**
 * The backends for a `--config` file, per session user: `/mcp` aggregates the servers the user may use (their tool
 * filters on top of the servers'), each over the user's own link; `/servers/<name>/mcp` is one of them alone — a
 * plain Bridge (its own names) unless a filter applies, where a one-server Aggregator enforces it. A call to a
 * server that waits for the user's login is answered with the login link (a URL-mode elicitation when the client
 * takes one).
 */
export async function fileBackends(o: FileBackendsOptions): Promise<FileBackends> {
  const { log } = o;
  const { users } = o.side;
  let separator = o.loaded.separator;
  let listWaitMs = o.loaded.listTimeoutMs;
  const open = new Set<OpenSession>();
  const aggregatorOn = (channel: ClientChannel, servers: readonly MemberSpec[], user: string, logger: Logger) =>
    new Aggregator({
      client: channel,
      servers,
      factory: users.factoryFor(user, logger),
      separator,
      listWaitMs,
      logger,
      version: VERSION,
      loginElicitation: true,
    });
  /** An engine that leaves the table of open sessions when it closes. */
  const tracked = (entry: OpenSession, engine: SessionEngine): SessionEngine => {
    open.add(entry);
    return {
      start: () => engine.start(),
      drain: (ms) => engine.drain(ms),
      close: async () => {
        open.delete(entry);
        await engine.close();
      },
      get retired() {
        return engine.retired;
      },
    };
  };
  const aggregateFor = (channel: ClientChannel, servers: readonly MemberSpec[], user: string, target: string | undefined, logger: Logger) => {
    const aggregator = aggregatorOn(channel, servers, user, logger);
    return tracked({ kind: 'aggregate', user, target, aggregator }, aggregator);
  };
  let monitorAggregator: Aggregator | undefined;
  const monitor = new ReadinessMonitor((channel) => (monitorAggregator = aggregatorOn(channel, users.allSpecs(), MONITOR_USER, log.child({ name: 'readyz' }))));
  await monitor.start();
  /** The servers a session of `user` at `target` has under the configuration in force. */
  const specsOf = (user: string, target: string | undefined) => {
    const mine = users.specsFor(user);
    return target === undefined ? mine : mine.filter((s) => s.name === target);
  };
  return {
    get servers() {
      return users.allSpecs().map((s) => s.name);
    },
    web: o.side.web,
    open(target, channel, session): SessionEngine {
      const user = session.identity.user;
      if (target === undefined) return aggregateFor(channel, specsOf(user, undefined), user, undefined, session.logger);
      const spec = specsOf(user, target)[0];
      // A server the user may not use is served as an empty aggregate: nothing to list, nothing to call.
      if (!spec) return aggregateFor(channel, [], user, target, session.logger);
      if (filters(spec.filter) || spec.userFilter) return aggregateFor(channel, [spec], user, target, session.logger);
      // The bridge speaks through a channel a reload can retire: the client then gets errors, never silence.
      const retirable = new RetirableChannel(channel);
      const backend = users.factoryFor(user, session.logger)(spec);
      const bridge = backend.open(retirable);
      let upstreamClosed: Promise<void> | undefined;
      const closeUpstream = () =>
        (upstreamClosed ??= (async () => {
          await bridge.close();
          await backend.close?.();
        })());
      const engine: SessionEngine = {
        start: () => bridge.start(),
        drain: (ms) => bridge.drain(ms),
        close: async () => {
          await closeUpstream();
          await retirable.end();
        },
        get retired() {
          return retirable.retired;
        },
      };
      const retire = async (why: string) => {
        retirable.retire(why);
        await closeUpstream();
      };
      return tracked({ kind: 'bridge', user, target, retire }, engine);
    },
    readiness: () => monitor.readiness(),
    async reconfigure(change) {
      if (change.separator !== undefined) separator = change.separator;
      listWaitMs = change.listTimeoutMs;
      const sep = change.separator !== undefined ? { separator: change.separator } : {};
      const work: Array<Promise<void>> = [];
      if (monitorAggregator) work.push(monitorAggregator.reconfigure({ servers: users.allSpecs(), changed: change.changed, ...sep }));
      for (const entry of [...open]) {
        const servers = specsOf(entry.user, entry.target);
        if (entry.kind === 'aggregate') {
          // One-server aggregates (a filter to enforce) prefix their names too: the new separator is theirs as well.
          work.push(entry.aggregator.reconfigure({ servers, changed: change.changed, ...sep }));
        } else {
          const spec = servers[0];
          // A plain bridge cannot change under its client: when its server changed, went, gained a filter or is
          // no longer the user's, the session ends (the client opens a new one, made from the new entry).
          if (!spec || change.changed.has(entry.target) || filters(spec.filter) || spec.userFilter) {
            open.delete(entry);
            const why = !users.allSpecs().some((s) => s.name === entry.target)
              ? `server "${entry.target}" was removed from serve's configuration`
              : spec
                ? `server "${entry.target}" was changed in serve's configuration`
                : `server "${entry.target}" is no longer yours to use`;
            log.info(`a session of ${entry.target} alone was retired: ${why}`);
            work.push(entry.retire(why));
          }
        }
      }
      await Promise.all(work.map((p) => p.catch((error: unknown) => log.warn(`reconfiguring a session failed: ${describeError(error)}`))));
    },
    close: async () => {
      await monitor.close();
      await users.close();
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
