/**
 * How the bridge reaches one remote server, built the same way for the single-server bridge and for each remote
 * server of a `--config` file: the fetch stacks with the auth layer when the bridge logs in for the server (its
 * OAuth engine and credential store load only when the server first asks), and the connector that picks the
 * protocol era (the 2026-07-28 upstream loads only when a server needs it).
 */
import { createAuthFetch } from '../auth/auth-fetch.js';
import type { Authorizer } from '../auth/authorizer.js';
import type { Runtime } from '../config/runtime.js';
import { oauthOf, type ProcessConfig, type ServerConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { Middleware } from '../net/middleware.js';
import { resolveConfigDir } from '../store/paths.js';
import { createEraConnector, type EraMemory } from '../upstream/era/era-connector.js';
import { createHttpConnector } from '../upstream/http/connector.js';
import type { UpstreamConnector } from '../upstream/port.js';
import { chooseFetches, createAuthorizer, hasStoredLogin, type CreateAuthorizerOptions } from './auth-wiring.js';
import { serverEraMemory } from './server-era-memory.js';

/** Options for {@link linkServer}. */
export interface ServerLinkOptions {
  server: ServerConfig;
  process: ProcessConfig;
  runtime: Runtime;
  log: Logger;
  /** The client's backpressure: the upstream stops reading the server while the client cannot take more. */
  clientReady: () => Promise<void> | undefined;
  /** `serve`: logins answer at the shared callback for this user (cli/auth-wiring.ts `CreateAuthorizerOptions`). */
  webCallback?: CreateAuthorizerOptions['webCallback'];
  /** `serve`: the user's credential store (serve/users/user-stores.ts); default: the one the server's settings name. */
  openStore?: CreateAuthorizerOptions['openStore'];
  /** `serve`: where the user's era of this server is remembered; default: the file beside the credentials. */
  eraMemory?: EraMemory;
}

/** What a Bridge needs to reach the server. */
export interface ServerLink {
  connector: UpstreamConnector;
  /** What requests may be waiting for (a browser login and its URL), for timeout and unavailability errors. */
  waitingFor: (() => string | undefined) | undefined;
  /** The URL of the browser login under way, if any. */
  loginUrl: () => string | undefined;
}

/** Builds the link to `options.server`; see the module comment. */
export async function linkServer(options: ServerLinkOptions): Promise<ServerLink> {
  const { server: config, runtime, log } = options;
  for (const value of Object.values(config.headers)) log.secret(value);
  let authorization: Middleware | undefined;
  let waitingFor: (() => string | undefined) | undefined;
  let readAuthorizer: () => Authorizer | undefined = () => undefined;
  const auth = oauthOf(config);
  if (auth) {
    let authorizer: Authorizer | undefined;
    readAuthorizer = () => authorizer;
    // The OAuth engine and the credential store load only when a server first asks for authorization.
    const web = { ...(options.webCallback ? { webCallback: options.webCallback } : {}), ...(options.openStore ? { openStore: options.openStore } : {}) };
    const makeAuthorizer = async () => (authorizer = await createAuthorizer({ server: config, auth, log, oauthFetch: fetches.oauth, runtime, ...web }));
    const storedLogin = hasStoredLogin(config, auth, options.openStore).catch(() => false);
    authorization = (next) => createAuthFetch({ fetch: next, authorizer: makeAuthorizer, storedLogin });
    waitingFor = () => {
      const url = authorizer?.pendingLoginUrl;
      if (url) return `the browser login to finish; to log in, open ${url}`;
      const ahead = authorizer?.waitingForTurn;
      return ahead ? `its login, which starts when the login to ${ahead} is done` : undefined;
    };
  }
  // The stacks are declared in net/fetch-stack.ts; each upstream session puts its own client on top.
  const fetches = await chooseFetches({ server: config, process: options.process }, log, runtime, authorization ? { authorization } : {});
  const settings = {
    url: config.url,
    headers: config.headers,
    fetch: fetches.upstream,
    connectTimeoutMs: config.connectTimeoutMs,
    maxMessageBytes: config.maxServerMessageBytes,
    clientReady: options.clientReady,
    logger: log,
  };
  const connector = createEraConnector({
    choice: config.protocol,
    legacy: createHttpConnector({ ...settings, mode: config.transport }),
    modern: async () => (await import('../upstream/http-2026/connector.js')).createModernConnector(settings),
    answerWaitMs: config.connectTimeoutMs > 0 ? config.connectTimeoutMs : 30_000,
    memory: options.eraMemory ?? serverEraMemory(resolveConfigDir(auth?.configDir ? { configDir: auth.configDir } : {}), config.url, runtime),
    logger: log,
  });
  return { connector, waitingFor, loginUrl: () => readAuthorizer()?.pendingLoginUrl };
}
