/**
 * `mcp-auth-bridge serve`: one bridge for many MCP clients over HTTP (issue 11). Checks where it may listen, builds
 * the backends (serve-backends.ts), starts the HTTP front (serve/http-front.ts) and serves until SIGINT or SIGTERM,
 * then drains: no new sessions, requests in flight answered (bounded), every session closed. With `--config`, the
 * file is applied again on SIGHUP and whenever it is saved (serve/reload/). Loaded only when
 * `serve` runs (a dynamic import from main.ts), so the stdio bridge's start-up does not pay for it. Resolves with
 * the exit code; only the entry ends the process.
 */
import { loadConfigFile } from '../config/file/load.js';
import type { Runtime } from '../config/runtime.js';
import { validateConfig, validateProcess } from '../config/validate.js';
import { BridgeError, ErrorCode } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { checkBind, insecureWarning, INSECURE_WARNING_EVERY_MS } from '../serve/bind-policy.js';
import { startHttpFront } from '../serve/http-front.js';
import type { InboundAuthenticator } from '../serve/inbound-auth/types.js';
import { noInboundAuth } from '../serve/no-inbound-auth.js';
import { parseServeSettings, type RawServeOptions } from '../serve/serve-settings.js';
import type { ServeBackends } from '../serve/types.js';
import { VERSION } from '../version.js';
import { ExitCode } from './exit-codes.js';
import { toConfigInput, type RawOptions } from './program.js';
import { withDeadline } from './run-bridge.js';
import { fileBackends, urlBackends } from './serve-backends.js';
import { memberSpecs } from './member-backends.js';
import { PASS_ALL } from '../config/file/tool-filter.js';
import { resolveConfigDir } from '../store/paths.js';
import { createGroupGuardian } from '../upstream/stdio/guardian.js';
import { createInboundAuth } from '../serve/inbound-auth/create.js';
import { inboundAuthFromFlags } from '../serve/inbound-auth/from-flags.js';
import { createUserSide } from '../serve/users/user-side.js';
import { clusterLogins } from '../serve/cluster/login-sharing.js';
import { openUserStores, type RawStoreOptions } from '../serve/users/user-stores.js';
import { ConfigReload } from '../serve/reload/config-reload.js';
import { SwappableAuthenticator } from '../serve/reload/swappable-authenticator.js';
import { watchConfigFile } from '../config/file/watch.js';
import type { LoadedConfig } from '../config/file/types.js';
import type { InboundAuthConfig } from '../serve/inbound-auth/config.js';

/** The inbound auth flags of `serve` (serve/inbound-auth/from-flags.ts). */
interface ServeAuthFlags {
  tokenFile?: string;
  jwtIssuer?: string;
  jwtAudience?: string;
  jwtUserClaim?: string;
  jwtScopes?: string;
  jwtJwksUri?: string;
  browserClientId?: string;
  browserClientSecretFile?: string;
  trustedHeader?: string;
  trustedPeer?: string[];
  trustedProxy?: string[];
}

/** Options for {@link runServe}. */
export interface RunServeOptions {
  /** The one server's URL (or `MCP_BACKEND_URL`), unless `raw.config` names a file. */
  url: string | undefined;
  /** The command's options as commander gives them: the bridge's and `serve`'s own. */
  raw: RawOptions & RawServeOptions & RawStoreOptions;
  runtime: Runtime;
  /** Who is calling; default {@link noInboundAuth} (loopback only, or `--insecure-no-auth`). */
  authenticator?: InboundAuthenticator;
  /** Default: a logger on stderr at the configured level. */
  logger?: Logger;
}

/** Longest wait, at shutdown, for the answers of requests in flight. */
export const SERVE_DRAIN_MS = 10_000;
/** Longest wait for the backends to close after the drain. */
const CLOSE_LIMIT_MS = 5_000;

/** Runs `serve`; see the module comment. */
export async function runServe(o: RunServeOptions): Promise<ExitCode> {
  const { runtime } = o;
  const { host: _h, port: _p, publicUrl: _u, insecureNoAuth: _i, corsOrigin: _c, maxSessions: _m, sessionIdle: _s, sseKeepalive: _k, ...withStore } = o.raw;
  const { store: _st, storePrefix: _sp, storeKeyFile: _sk, storeMaxTtl: _sm, storeTlsCa: _sc, storeTlsCert: _sr, storeTlsKey: _sy, ...bridgeRaw } = withStore;
  const settings = parseServeSettings(o.raw);
  const file = typeof o.raw.config === 'string' ? o.raw.config : undefined;
  const loaded = file === undefined ? undefined : loadConfigFile(file, { env: runtime.env });
  const { tokenFile, jwtIssuer, jwtAudience, jwtUserClaim, jwtScopes, jwtJwksUri, browserClientId, browserClientSecretFile, trustedHeader, trustedPeer, trustedProxy, ...serverRaw } = bridgeRaw as typeof bridgeRaw & ServeAuthFlags;
  const input = toConfigInput(file === undefined ? o.url : undefined, serverRaw);
  const config = file === undefined ? validateConfig(input, runtime.env) : undefined;
  const proc = config?.process ?? validateProcess(input, runtime.env);
  const log = o.logger ?? createLogger({ level: proc.logLevel, file: proc.logFile, stream: runtime.stderr });
  // Who is calling: the file's "serve.auth", else the command line's flags; none means loopback only.
  const flags = { tokenFile, jwtIssuer, jwtAudience, jwtUserClaim, jwtScopes, jwtJwksUri, browserClientId, browserClientSecretFile, trustedHeader, trustedPeers: trustedPeer, trustedProxies: trustedProxy };
  const fromFlags = inboundAuthFromFlags(flags, runtime.env);
  const authConfigOf = (l: LoadedConfig | undefined): InboundAuthConfig => l?.serve?.auth ?? fromFlags;
  const authConfig = authConfigOf(loaded);
  const configuredOrigin = settings.publicUrl?.origin ?? `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${settings.port}`;
  const authenticatorFor = (auth: InboundAuthConfig): InboundAuthenticator => {
    if (auth.jwt && !settings.publicUrl && settings.port === 0) {
      throw new BridgeError(ErrorCode.Usage, 'serve: JWT inbound auth needs --public-url (or a fixed --port)', { hint: 'the tokens\' audience and the protected-resource metadata name this server by its public URL' });
    }
    // Listed proxies alone authenticate nobody: without a method, serve runs without inbound auth.
    return Object.keys(auth).some((key) => key !== 'trustedProxies') ? createInboundAuth(auth, { logger: log, publicUrl: settings.publicUrl ?? configuredOrigin }) : noInboundAuth();
  };
  // With a file, the authenticator in force is swapped when the file's "serve.auth" changes (serve/reload/).
  const swappable = o.authenticator === undefined && loaded ? new SwappableAuthenticator(authenticatorFor(authConfig)) : undefined;
  const authenticator = o.authenticator ?? swappable ?? authenticatorFor(authConfig);
  const loud = checkBind({ host: settings.host, authRequired: authenticator.required, insecureNoAuth: settings.insecureNoAuth });
  const configDir = resolveConfigDir(input.configDir ? { configDir: input.configDir } : {});
  // Where each user's credentials live: files, or Redis (--store; its code loads only then, and an unreachable
  // Redis ends the start here, with the reason).
  const stores = await openUserStores({ raw: o.raw, configDir, env: runtime.env, logger: log });
  const shared = stores.kind === 'redis';
  if (shared) log.info(`credentials: ${stores.description}`);
  // With a shared store, the instances on it route each other's sessions (serve/cluster/).
  const cluster = await stores.openCluster?.(log);
  if (cluster) log.info(`instance ${cluster.instanceId}: sessions are shared with the other instances on this store`);
  if (input.tokenStore && input.tokenStore !== 'file') log.warn(`serve keeps every user's credentials in ${shared ? 'its --store' : 'files of their own'}; --token-store ${input.tokenStore} is not used`);
  let origin = configuredOrigin;
  const servers = config
    ? new Map([[new URL(config.server.url).host, { name: new URL(config.server.url).host, kind: 'remote' as const, config: config.server, filter: PASS_ALL }]])
    : new Map(loaded!.servers.map((server) => [server.name, server]));
  const guardian = createGroupGuardian({ logger: log });
  const side = createUserSide({
    servers,
    specs: loaded ? memberSpecs(loaded) : [],
    rules: loaded?.serve?.users,
    process: proc,
    runtime,
    guardian,
    logger: log,
    configDir,
    stores,
    origin: () => origin,
    signIn: () => authenticator.signIn,
    ...(cluster ? { loginSharing: clusterLogins(cluster, log) } : {}),
  });
  const perFile = loaded ? await fileBackends({ loaded, log, side }) : undefined;
  const backends: ServeBackends = perFile ?? (await urlBackends({ config: config!, runtime, log, side }));
  let front;
  try {
    front = await startHttpFront({
      host: settings.host,
      port: settings.port,
      ...(settings.publicUrl ? { publicUrl: settings.publicUrl } : {}),
      corsOrigins: settings.corsOrigins,
      authenticator,
      backends,
      maxMessageBytes: proc.maxMessageBytes,
      maxSessions: settings.maxSessions,
      sessionIdleMs: settings.sessionIdleMs,
      sseKeepAliveMs: settings.sseKeepAliveMs,
      logger: log,
      ...(cluster ? { cluster } : {}),
      ...(stores.reachable ? { storeState: () => (stores.reachable!() ? 'reachable' : 'unreachable') } : {}),
    });
  } catch (error) {
    await withDeadline(cluster?.close() ?? Promise.resolve(), CLOSE_LIMIT_MS);
    await withDeadline(backends.close(), CLOSE_LIMIT_MS);
    await withDeadline(stores.close(), CLOSE_LIMIT_MS);
    throw listenError(error, settings.host, settings.port);
  }
  /** A new authenticator, refused (it throws) where the address needs inbound auth that it no longer has. */
  const boundChecked = (next: InboundAuthenticator): InboundAuthenticator => {
    checkBind({ host: settings.host, authRequired: next.required, insecureNoAuth: settings.insecureNoAuth });
    return next;
  };
  // A file is applied again on SIGHUP and whenever it is saved: only what changed is touched (serve/reload/).
  const reload =
    loaded && perFile && file !== undefined
      ? startReload({
          file,
          runtime,
          log,
          reload: new ConfigReload({
            current: loaded,
            specsOf: memberSpecs,
            side,
            sessions: perFile,
            ...(swappable ? { auth: { swappable, authenticatorOf: (next) => boundChecked(authenticatorFor(authConfigOf(next))) } } : {}),
            logger: log,
          }),
        })
      : undefined;
  // Signals are heard before serve says it is serving: a SIGHUP sent at once must not end the process.
  let unsubscribe = () => {};
  const signalled = new Promise<string>((resolve) => {
    unsubscribe = runtime.onSignal((s) => {
      if (s !== 'SIGHUP') resolve(s);
      else if (reload) reload.reread();
      else log.info('SIGHUP: nothing to reload (serve <url> has no configuration file; restart it to change its options)');
    });
  });
  const where = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${front.port}`;
  origin = settings.publicUrl?.origin ?? where;
  const what = config ? new URL(config.server.url).host : `${backends.servers.length} servers from ${file}`;
  log.info(`v${VERSION}: serving ${what} at ${where}/mcp (legacy SSE at ${where}/sse)${backends.servers.length > 0 ? `; each server alone at ${where}/servers/<name>/mcp` : ''}`);
  let warning: NodeJS.Timeout | undefined;
  if (loud) {
    log.warn(insecureWarning(settings.host));
    warning = setInterval(() => log.warn(insecureWarning(settings.host)), INSECURE_WARNING_EVERY_MS);
    warning.unref();
  }
  if (!front.checksHost) log.warn(`listening on every address without --public-url: the Host header cannot be checked against DNS rebinding; set --public-url`);
  const signal = await signalled;
  unsubscribe();
  reload?.close();
  clearInterval(warning);
  log.info(`${signal}: draining (new sessions refused; up to ${SERVE_DRAIN_MS / 1000} s for answers in flight)`);
  await front.drain(SERVE_DRAIN_MS);
  await withDeadline(cluster?.close() ?? Promise.resolve(), CLOSE_LIMIT_MS);
  await withDeadline(backends.close(), CLOSE_LIMIT_MS);
  await withDeadline(stores.close(), CLOSE_LIMIT_MS);
  guardian.close();
  log.info('stopped');
  log.close();
  return ExitCode.Ok;
}

/** A running reload: the file watched, and read again on demand (SIGHUP). */
interface RunningReload {
  /** Reads the file now and applies it (a file that does not load changes nothing and is logged). */
  reread(): void;
  close(): void;
}

/** Watches `o.file` and applies each change through `o.reload`; see {@link RunningReload}. */
function startReload(o: { file: string; runtime: Runtime; log: Logger; reload: ConfigReload }): RunningReload {
  const { reload, log } = o;
  const watch = watchConfigFile({
    path: o.file,
    env: o.runtime.env,
    current: reload.current,
    logger: log,
    // The watcher's difference is against what it saw last; the reload compares with what is in force.
    onChange: (diff) => void reload.apply(diff.config, 'file saved'),
    onError: (problem) => reload.refuse(problem),
  });
  return {
    reread() {
      log.info(`SIGHUP: reading ${o.file} again`);
      let next: LoadedConfig;
      try {
        next = loadConfigFile(o.file, { env: o.runtime.env });
      } catch (error) {
        reload.refuse(error);
        return;
      }
      void reload.apply(next, 'SIGHUP');
    },
    close: () => watch.close(),
  };
}

/** A failure to listen, in words with what to do. */
function listenError(error: unknown, host: string, port: number): BridgeError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new BridgeError(ErrorCode.Usage, `serve: port ${port} on ${host} is already in use`, { cause: error, hint: 'stop what listens there, or choose another --port' });
  }
  return new BridgeError(ErrorCode.Usage, `serve: cannot listen on ${host}:${port} (${code ?? 'error'})`, { cause: error, hint: 'check --host and --port' });
}
