/**
 * How each server of a `--config` file becomes a member of an aggregate: its spec (name, prefix, filter) and its
 * backend — a Bridge over the link to a remote server (server-link.ts), or over a local server's child process
 * (upstream/stdio/, loaded with the first local server) — for whichever front serves the aggregate.
 */
import { checkSlugs } from '../aggregate/naming/server-slug.js';
import type { MemberBackend, MemberSpec } from '../aggregate/types.js';
import { Bridge } from '../bridge/bridge.js';
import type { LoadedConfig, LoadedServer } from '../config/file/types.js';
import { DEFAULTS } from '../config/input.js';
import type { Runtime } from '../config/runtime.js';
import type { ProcessConfig, ServerConfig } from '../config/types.js';
import { parseDuration, parseSize } from '../config/values.js';
import { BridgeError, ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { OpenRequest, UpstreamConnector } from '../upstream/port.js';
import type { GroupGuardian } from '../upstream/stdio/guardian.js';
import type { CallbackHub } from '../auth/web-callback/hub.js';
import { linkServer, type ServerLink } from './server-link.js';

/** Where credentials are kept (`--token-store`, `--config-dir`): the process's, applied to every server. */
export interface StoreChoice {
  tokenStore?: 'auto' | 'keychain' | 'file';
  configDir?: string;
}

/**
 * The aggregator's view of the file's servers.
 * @throws BridgeError `CONFIG` when two names would give one prefix, or a name holds the separator
 */
export function memberSpecs(loaded: LoadedConfig): MemberSpec[] {
  const { slugs, problems } = checkSlugs(
    loaded.servers.map((s) => s.name),
    loaded.separator,
  );
  if (problems.length > 0) {
    throw new BridgeError(ErrorCode.Config, `${loaded.path}: ${problems.join('; ')}`, { hint: 'rename the servers in the file' });
  }
  return loaded.servers.map((s) => ({ name: s.name, slug: slugs.get(s.name)!, filter: s.filter }));
}

/** What {@link backendFor} builds from. */
export interface BackendOptions {
  server: LoadedServer;
  process: ProcessConfig;
  store: StoreChoice;
  runtime: Runtime;
  /** Ends local servers' process groups if this process dies without stopping them. */
  guardian: GroupGuardian;
  /** The process's logger (the stdio connector names its lines itself). */
  root: Logger;
  /** The server's logger. */
  log: Logger;
  clientReady: () => Promise<void> | undefined;
  /**
   * The remote server's link, when the caller shares one among many backends (serve: one per server and user,
   * whatever the number of sessions); default: a link of the backend's own.
   */
  link?: Promise<ServerLink>;
  /**
   * `serve`: the user's logins answer at the shared callback (`redirectUrl`, the public URL's `/oauth/callback`),
   * bound to `owner`; no browser opens on the server and the link reaches the user instead.
   */
  web?: { hub: CallbackHub; owner: string; redirectUrl: string };
}

/** A server's backend: its Bridge over the link to a remote server, or over a local server's child process. */
export function backendFor(o: BackendOptions): MemberBackend {
  if (o.server.kind === 'local') {
    const local = o.server;
    let connector: import('../upstream/stdio/connector.js').StdioConnector | undefined;
    const opening = import('../upstream/stdio/connector.js').then(({ createStdioConnector }) =>
      (connector = createStdioConnector({
        name: local.name,
        command: local.command,
        args: local.args,
        env: local.env,
        ...(local.cwd !== undefined ? { cwd: local.cwd } : {}),
        maxMessageBytes: parseSize('--max-server-message-size', DEFAULTS.maxServerMessageSize),
        logger: o.root,
        clientReady: o.clientReady,
        guardian: o.guardian,
      })),
    );
    return {
      open: (channel) => new Bridge({ client: channel, connector: lazyConnector(opening), ...timeouts(undefined), logger: o.log }),
      waitingFor: () => undefined,
      close: async () => {
        await connector?.close();
      },
    };
  }
  const server = withWeb(withStore(o.server.config, o.store), o.web);
  let link: ServerLink | undefined;
  const web = o.web ? { webCallback: { hub: o.web.hub, owner: o.web.owner } } : {};
  const linking = (o.link ?? linkServer({ server, process: o.process, runtime: o.runtime, log: o.log, clientReady: o.clientReady, ...web })).then((l) => (link = l));
  const waitingFor = () => link?.waitingFor?.();
  const loginUrl = () => link?.loginUrl();
  return {
    open: (channel) =>
      new Bridge({ client: channel, connector: lazyConnector(linking.then((l) => l.connector)), ...timeouts(server), logger: o.log, waitingFor }),
    waitingFor,
    loginUrl,
  };
}

/** The process's credential store options over an entry's (entries may not set them). */
export function withStore(server: ServerConfig, store: StoreChoice): ServerConfig {
  if (server.auth.kind !== 'oauth') return server;
  return { ...server, auth: { ...server.auth, ...(store.tokenStore ? { tokenStore: store.tokenStore } : {}), ...(store.configDir ? { configDir: store.configDir } : {}) } };
}

/** The shared callback's URL as the redirect URI of every browser login of `server`. */
function withWeb(server: ServerConfig, web: BackendOptions['web']): ServerConfig {
  if (!web || server.auth.kind !== 'oauth') return server;
  return { ...server, auth: { ...server.auth, redirectUrl: web.redirectUrl } };
}

function timeouts(server: ServerConfig | undefined): { connectTimeoutMs: number; requestTimeoutMs: number } {
  return {
    connectTimeoutMs: server?.connectTimeoutMs ?? parseDuration('--connect-timeout', DEFAULTS.connectTimeout),
    requestTimeoutMs: server?.requestTimeoutMs ?? parseDuration('--request-timeout', DEFAULTS.requestTimeout),
  };
}

/** A connector that is still being made (its code loading, its fetch stacks opening). */
function lazyConnector(making: Promise<UpstreamConnector>): UpstreamConnector {
  return {
    open: async (request: OpenRequest) => (await making).open(request),
    reopen: async (request: OpenRequest) => (await making).reopen(request),
  };
}
