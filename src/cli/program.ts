/**
 * The command line, declared with commander: options, their environment variables, and help text. Declares only;
 * {@link toConfigInput} hands the values to the configuration's validator (config/validate.ts), and the entry
 * (main.ts) runs.
 */
import { Command, Option } from 'commander';
import { FLAG_ENV } from '../config/env-names.js';
import { CHOICES, DEFAULTS, type ConfigInput } from '../config/input.js';
import type { RawServeOptions } from '../serve/serve-settings.js';
import type { RawStoreOptions } from '../serve/users/user-stores.js';
import { VERSION } from '../version.js';

/**
 * Option values as commander gives them (before validation): the validator's input (config/input.ts) under the same
 * names, without the URL (the argument) and `auth` (no flag sets it), plus the commands' own flags.
 */
export interface RawOptions extends Omit<ConfigInput, 'url' | 'auth'> {
  /** `login --force`. */
  force?: boolean;
  /** `--config <file>` (the bridge, `login`, `status`, `doctor`): the servers come from this configuration file. */
  config?: string;
  /** `--server <name>` (repeatable) with `--config`: only these servers of the file. */
  server?: string[];
}

/**
 * Commander's values as the validator's input (config/input.ts): the same names, the URL argument beside them; the
 * command's own flags (`login --force`) stay behind.
 */
export function toConfigInput(url: string | undefined, raw: RawOptions): ConfigInput {
  const { force: _force, config: _config, server: _server, ...options } = raw;
  return { ...options, ...(url !== undefined ? { url } : {}) };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * The actions behind the commands; each receives the URL argument (possibly undefined) and the raw options;
 * `login`, `status` and `doctor` also the long flags given on the command line itself (their `--config` form
 * refuses a server's options there: cli/config-commands/file-form.ts).
 */
export interface ProgramActions {
  bridge(url: string | undefined, options: RawOptions, given: string[]): Promise<void>;
  login(url: string | undefined, options: RawOptions, given: string[]): Promise<void>;
  doctor(url: string | undefined, options: RawOptions, given: string[]): Promise<void>;
  logout(url: string | undefined, options: StoreCommandOptions & { all?: boolean }): Promise<void>;
  status(url: string | undefined, options: StoreCommandOptions & { json?: boolean }, given: string[]): Promise<void>;
  serve(url: string | undefined, options: RawOptions & ServeCommandOptions): Promise<void>;
}

/** `serve`'s own options (checked in serve/serve-settings.ts, which loads only when `serve` runs: a type import). */
export type ServeCommandOptions = RawServeOptions & RawStoreOptions;

/** Options of the commands that only read or change stored credentials. */
export interface StoreCommandOptions {
  tokenStore: string;
  configDir?: string;
  debug?: boolean;
  /** `status --config <file>`. */
  config?: string;
  /** `status --config <file> --server <name>`. */
  server?: string[];
}

/** The long flags of `command`'s options given on the command line itself (not by the environment or a default). */
function givenOnCommandLine(command: Command): string[] {
  const given = new Set<string>();
  for (const option of command.options) {
    const name = option.attributeName();
    if (command.getOptionValueSource(name) !== 'cli' || !option.long) continue;
    // `--browser <command>` and `--no-browser` share a value: name the one that set it.
    if (option.negate !== (command.getOptionValue(name) === false)) continue;
    given.add(option.long);
  }
  return [...given];
}

/** `--config` and `--server` of `login`, `status` and `doctor` (under `Options:` with the command's own flags). */
function addFileOptions(command: Command, what: string): Command {
  return command
    .option('--config <file>', `${what} every server of this configuration file ("mcpServers", or VS Code's "servers") instead of one URL`)
    .addOption(new Option('--server <name>', 'with --config: only this server of the file; repeatable').argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]));
}

/**
 * The headings `--help` groups the options under (commander's option help groups), in the order they appear. Options
 * without a group (`--help`, `--version`, a command's own flags such as `login --force`) stay under `Options:`.
 */
export const HELP_GROUPS = {
  connection: 'Connection:',
  limits: 'Limits:',
  output: 'Output:',
  login: 'Logging in:',
  credentials: 'Credentials:',
} as const;

/** Adds every bridge, auth and logging option (the bare command, `login` and `doctor` share them). */
function addBridgeOptions(command: Command): Command {
  return command
    .optionsGroup(HELP_GROUPS.connection)
    .addOption(
      new Option('--transport <mode>', 'auto: Streamable HTTP, falling back to legacy SSE on HTTP 400/404/405')
        .choices(CHOICES.transport)
        .default(DEFAULTS.transport)
        .env('MCP_TRANSPORT'),
    )
    .addOption(
      new Option('--protocol <era>', "the server's MCP protocol era; auto: detect it and remember it per server (legacy = 2025-11-25, modern = 2026-07-28)")
        .choices(CHOICES.protocol)
        .default(DEFAULTS.protocol)
        .env('MCP_PROTOCOL'),
    )
    .addOption(
      new Option('-H, --header <header>', 'add "Name: value" to every request; repeatable; ${VAR} is read from the environment (env: MCP_HEADERS, one per line)')
        .argParser(collect)
        .default([]),
    )
    .addOption(new Option('--header-file <path>', 'read headers from a file, one "Name: value" per line, # for comments').env('MCP_HEADER_FILE'))
    .addOption(new Option('--allow-http', `allow http: URLs that are not on this machine (env: ${FLAG_ENV.allowHttp}=1)`))
    .addOption(
      new Option(
        '--allow-private-auth-servers',
        `let a public MCP server name authorization servers on this machine or a private network (internal deployments; env: ${FLAG_ENV.allowPrivateAuthServers}=1)`,
      ),
    )
    .addOption(new Option('--use-env-proxy', `send requests through HTTPS_PROXY / HTTP_PROXY, except NO_PROXY hosts (env: ${FLAG_ENV.useEnvProxy}=1)`))
    .optionsGroup(HELP_GROUPS.limits)
    .addOption(
      new Option('--connect-timeout <duration>', 'limit on reaching the server and opening a session; 0 = none').default(DEFAULTS.connectTimeout).env('MCP_CONNECT_TIMEOUT'),
    )
    .addOption(
      new Option('--request-timeout <duration>', 'limit on each request, restarted by its progress notifications; 0 = none')
        .default(DEFAULTS.requestTimeout)
        .env('MCP_REQUEST_TIMEOUT'),
    )
    .addOption(
      new Option('--max-message-size <size>', 'largest message accepted from the client on stdin').default(DEFAULTS.maxMessageSize).env('MCP_MAX_MESSAGE_SIZE'),
    )
    .addOption(
      new Option('--max-server-message-size <size>', 'largest message accepted from the server; a larger answer becomes an error for its request')
        .default(DEFAULTS.maxServerMessageSize)
        .env('MCP_MAX_SERVER_MESSAGE_SIZE'),
    )
    .optionsGroup(HELP_GROUPS.output)
    .addOption(new Option('--debug', `verbose log on stderr: each HTTP exchange, discovery URL and message (method and id); header names, never values; secrets always redacted (env: ${FLAG_ENV.debug}=1)`))
    .addOption(new Option('--log-file <path>', 'also append the verbose log to this file (created 0600)').env('MCP_LOG_FILE'))
    .addOption(new Option('--silent', `log errors only (env: ${FLAG_ENV.silent}=1)`).conflicts('debug'))
    .addOption(new Option('--no-banner', `skip the start-up line on stderr (env: ${FLAG_ENV.noBanner}=1)`))
    .optionsGroup(HELP_GROUPS.login)
    .addOption(new Option('--issuer <url>', 'issuer mode: the OpenID provider to log in with, for servers that never name one').env('OIDC_ISSUER_URL'))
    .addOption(new Option('--client-id <id>', 'a client id registered with the provider (else: metadata document or dynamic registration)').env('OIDC_CLIENT_ID'))
    .addOption(new Option('--client-secret <secret>', 'its secret, for a confidential client (prefer the variable: argv is visible to other users)').env('OIDC_CLIENT_SECRET'))
    .addOption(new Option('--client-metadata-url <url>', 'an https URL of your client ID metadata document, used when the server supports them').env('MCP_CLIENT_METADATA_URL'))
    .addOption(new Option('--client-key <path>', 'PEM private key of the --client-id client, for private_key_jwt (RS256, ES256 or EdDSA by key type; env: the PEM itself or a path)').env('MCP_CLIENT_KEY'))
    .addOption(new Option('--client-key-id <kid>', 'key id (kid) to put in the --client-key assertions').env('MCP_CLIENT_KEY_ID'))
    .addOption(new Option('--device-code', `log in on another device with a code (OAuth device authorization grant), for machines without a browser (env: ${FLAG_ENV.deviceCode}=1)`))
    .addOption(new Option('--client-credentials', `machine-to-machine: get tokens with the client credentials of --client-id (a secret or --client-key), no user and no browser (env: ${FLAG_ENV.clientCredentials}=1)`))
    .addOption(new Option('--idp-issuer <url>', 'cross-app access: your enterprise identity provider, which exchanges your ID token for access to this server').env('MCP_IDP_ISSUER'))
    .addOption(new Option('--idp-client-id <id>', 'cross-app access: this app\'s client id at the enterprise IdP').env('MCP_IDP_CLIENT_ID'))
    .addOption(new Option('--idp-client-secret <secret>', 'cross-app access: its secret at the IdP, if it has one (prefer the variable)').env('MCP_IDP_CLIENT_SECRET'))
    .addOption(new Option('--id-token-file <path>', `cross-app access: file holding your ID token from the IdP, read again at each use (or the token itself in ${'MCP_IDP_ID_TOKEN'})`).env('MCP_IDP_ID_TOKEN_FILE'))
    .addOption(new Option('--workload-token-file <path>', `workload identity: file holding this workload's platform-issued JWT (e.g. a projected service-account token), read again at each use; or the JWT itself in ${'MCP_WORKLOAD_TOKEN'}`).env('MCP_WORKLOAD_TOKEN_FILE'))
    .addOption(new Option('--dpop <when>', 'bind tokens to a key of this login (DPoP, RFC 9449): auto = when the server asks for DPoP and its authorization server offers it').choices(CHOICES.dpop).default(DEFAULTS.dpop).env('MCP_DPOP'))
    .addOption(new Option('--scopes <scopes>', 'scopes to ask for, space- or comma-separated (issuer mode default: openid profile email)').env('OIDC_SCOPES'))
    .addOption(new Option('--resource <uri>', 'RFC 8707 resource indicator to send (default: the server\'s own, from its metadata; in issuer mode none unless given)').env('MCP_RESOURCE'))
    .addOption(new Option('--no-resource', 'never send the resource parameter (for providers that reject it)'))
    .addOption(new Option('--authorize-param <key=value>', 'extra authorization request parameter, repeatable (e.g. access_type=offline)').argParser(collect).default([]))
    .addOption(new Option('--auth-timeout <duration>', 'how long a browser or device login may take; 0 = none').default(DEFAULTS.authTimeout).env('MCP_AUTH_TIMEOUT'))
    .addOption(
      new Option('--login-backoff <duration>', 'after the server refuses the token of a login that just finished, start no new login for this long; 0 = until you log in again (login --force) or restart')
        .default(DEFAULTS.loginBackoff)
        .env('MCP_LOGIN_BACKOFF'),
    )
    .addOption(new Option('--redirect-url <url>', 'fixed redirect URI registered for --client-id (issuer mode default http://localhost:8080/auth/callback)').env('OIDC_REDIRECT_URL'))
    .addOption(new Option('--callback-port <port>', 'loopback port for the login callback (default: a stable port per server, else a free one)').env('MCP_CALLBACK_PORT'))
    .addOption(new Option('--callback-host <host>', 'loopback host for the login callback').choices(CHOICES.callbackHost).env('MCP_CALLBACK_HOST'))
    .addOption(new Option('--browser <command>', 'command that opens the login URL (default: the system browser)').env('BROWSER'))
    .addOption(new Option('--no-browser', 'do not open a browser; print the login URL only (for SSH port forwarding)'))
    .optionsGroup(HELP_GROUPS.credentials)
    .addOption(new Option('--token-store <kind>', 'where credentials are kept').choices(CHOICES.tokenStore).default(DEFAULTS.tokenStore).env('MCP_TOKEN_STORE'))
    .addOption(new Option('--config-dir <path>', 'directory for stored credentials, registrations and locks').env('MCP_AUTH_BRIDGE_CONFIG_DIR'));
}

/** Adds the options of the commands that only read or change stored credentials (`logout`, `status`). */
function addStoreOptions(command: Command): Command {
  return command
    .optionsGroup(HELP_GROUPS.credentials)
    .addOption(new Option('--token-store <kind>', 'where credentials are kept').choices(CHOICES.tokenStore).default(DEFAULTS.tokenStore).env('MCP_TOKEN_STORE'))
    .addOption(new Option('--config-dir <path>', 'directory for stored credentials, registrations and locks').env('MCP_AUTH_BRIDGE_CONFIG_DIR'))
    .optionsGroup(HELP_GROUPS.output)
    .addOption(new Option('--debug', `verbose log on stderr (env: ${FLAG_ENV.debug}=1)`));
}

function common(command: Command): Command {
  return command
    .helpOption('-h, --help', 'show this help')
    .showSuggestionAfterError(true)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
}

/**
 * Builds the program: the bare form runs the bridge; `login`, `logout`, `status` and `doctor` are subcommands.
 * Output and exits go through commander's `exitOverride`, so nothing here ends the process.
 */
export function createProgram(actions: ProgramActions): Command {
  const program = common(new Command('mcp-auth-bridge'))
    .description(
      'Connects a local MCP client (stdio) to a remote MCP server over Streamable HTTP or SSE, logging in with OAuth when the server asks for it.',
    )
    .version(VERSION, '-V, --version', 'print the version and exit')
    // The bare command and the subcommands share option names: each command parses only the options after it.
    .enablePositionalOptions()
    .argument('[url]', 'the remote MCP server endpoint, e.g. https://mcp.example.com/mcp (env: MCP_BACKEND_URL)');
  addBridgeOptions(program)
    .addOption(
      new Option('--config <file>', 'bridge every server a JSON file names ({"mcpServers": {...}}, as in Claude Desktop, Cursor, Windsurf; or VS Code\'s {"servers": {...}}), instead of one <url>').env(
        'MCP_AUTH_BRIDGE_CONFIG',
      ),
    )
    .addHelpText(
      'after',
      `
Commands run instead of the bridge when named first: login, logout, status, doctor, serve (see mcp-auth-bridge <command> --help).
Durations: 500ms, 30s, 2m, or plain seconds. Sizes: 64kb, 16mb.
stdout carries only the MCP protocol; every log line goes to stderr.
Coming from mcp-remote? Its flags (--host, --enable-proxy, --static-oauth-client-info, …) are refused with ours to use instead.

Exit codes: 0 clean shutdown (stdin closed, SIGINT, SIGTERM), 1 fatal error, 2 invalid command line.

Example (Claude Desktop, Cursor, Windsurf config):
  "command": "npx", "args": ["-y", "mcp-auth-bridge", "https://mcp.example.com/mcp"]`,
    )
    .action(async (url: string | undefined, options: RawOptions, command: Command) => actions.bridge(url, options, givenOnCommandLine(command)));

  addBridgeOptions(
    addFileOptions(
      common(program.command('login'))
        .description('log in to a server now (discovery and the browser login), store the credentials, and say who is logged in until when')
        .argument('[url]', 'the remote MCP server endpoint (env: MCP_BACKEND_URL)')
        .option('--force', 'log in again even when a stored login is still good'),
      'log in, one after another, to',
    ),
  ).action(async (url: string | undefined, options: RawOptions, command: Command) => actions.login(url, options, givenOnCommandLine(command)));

  addStoreOptions(
    common(program.command('logout'))
      .description('remove stored credentials (keychain and files) for one server, or all with --all')
      .argument('[url]', 'the server whose login to remove')
      .option('--all', 'remove every stored login and client registration'),
  ).action(async (url: string | undefined, options: StoreCommandOptions & { all?: boolean }) => actions.logout(url, options));

  addStoreOptions(
    addFileOptions(
      common(program.command('status'))
        .description('list stored logins: server, issuer, client, scopes, store, expiry, refresh token (never a secret)')
        .argument('[url]', 'only this server')
        .option('--json', 'print JSON instead of a table'),
      'list, by server name, the logins of',
    ),
  ).action(async (url: string | undefined, options: StoreCommandOptions & { json?: boolean }, command: Command) => actions.status(url, options, givenOnCommandLine(command)));

  addBridgeOptions(
    addFileOptions(
      common(program.command('doctor'))
        .description('diagnose the connection to a server step by step, each with the fix; exit code 0 only when all pass')
        .argument('[url]', 'the remote MCP server endpoint (env: MCP_BACKEND_URL)'),
      'diagnose, one at a time,',
    ),
  ).action(async (url: string | undefined, options: RawOptions, command: Command) => actions.doctor(url, options, givenOnCommandLine(command)));

  addBridgeOptions(
    common(program.command('serve'))
      .description('serve one server, or every server of a --config file, to many MCP clients over HTTP (Streamable HTTP at /mcp, legacy SSE at /sse)')
      .argument('[url]', 'the remote MCP server endpoint (env: MCP_BACKEND_URL); or --config <file>')
      .option('--config <file>', 'serve every server of this configuration file: aggregated at /mcp, each alone at /servers/<name>/mcp; applied again when saved and on SIGHUP')
      .optionsGroup('Serving:')
      .addOption(new Option('--host <address>', 'address to listen on; other than loopback only with inbound authentication or --insecure-no-auth').default('127.0.0.1').env('MCP_SERVE_HOST'))
      .addOption(new Option('--port <port>', 'port to listen on (0: any free port)').default('8080').env('MCP_SERVE_PORT'))
      .addOption(new Option('--public-url <url>', 'the URL clients reach this server at (behind a proxy); its host is accepted in the Host header').env('MCP_SERVE_PUBLIC_URL'))
      .addOption(new Option('--insecure-no-auth', 'listen on a non-loopback address without inbound authentication: anyone who reaches it uses your logins (logged loudly)'))
      .addOption(new Option('--cors-origin <origin>', 'a browser origin allowed to call, with CORS headers; repeatable (default: none, CORS off)').argParser(collect).default([]))
      .addOption(new Option('--max-sessions <n>', 'most client sessions at once; beyond, 503 with Retry-After').default('1000').env('MCP_SERVE_MAX_SESSIONS'))
      .addOption(new Option('--session-idle <duration>', 'close a client session after this long without a request; 0 = never').default('30m').env('MCP_SERVE_SESSION_IDLE'))
      .addOption(new Option('--sse-keepalive <duration>', 'write a comment on quiet event streams this often, so proxies do not close them as idle; 0 = never').default('15s').env('MCP_SERVE_SSE_KEEPALIVE'))
      .optionsGroup('Where users\' credentials are kept:')
      .addOption(new Option('--store <where>', 'files (under --config-dir) or redis://host:6379 / rediss://… (redis+cluster://node:port for a Redis Cluster), shared by every instance on it (password from MCP_REDIS_PASSWORD; records encrypted with MCP_STORE_KEYS)').env('MCP_SERVE_STORE'))
      .addOption(new Option('--store-prefix <prefix>', 'with a Redis --store: the prefix of every key (default mab:)').env('MCP_STORE_PREFIX'))
      .addOption(new Option('--store-key-file <path>', 'with a Redis --store: a 0600 file of "<id>:<base64 32-byte key>" lines, instead of MCP_STORE_KEYS (the first encrypts, all decrypt)').env('MCP_STORE_KEY_FILE'))
      .addOption(new Option('--store-max-ttl <days>', 'with a Redis --store: longest a login is kept when its refresh token\'s lifetime is unknown').default('90').env('MCP_STORE_MAX_TTL'))
      .addOption(new Option('--store-tls-ca <file>', 'with --store rediss://…: the CA certificate(s) (PEM) that signed Redis\'s certificate, trusted instead of the system\'s CAs (or add it to NODE_EXTRA_CA_CERTS)').env('MCP_STORE_TLS_CA'))
      .addOption(new Option('--store-tls-cert <file>', 'with --store rediss://…: a client certificate (PEM), for a Redis that asks for one (tls-auth-clients)').env('MCP_STORE_TLS_CERT'))
      .addOption(new Option('--store-tls-key <file>', 'with --store-tls-cert: its private key (PEM)').env('MCP_STORE_TLS_KEY'))
      .optionsGroup('Who may call (inbound auth; with --config, the file\'s "serve.auth" instead):')
      .addOption(new Option('--token-file <path>', 'static bearer tokens, one "user token" a line (${VAR} expanded); each names its user').env('MCP_SERVE_TOKEN_FILE'))
      .addOption(new Option('--jwt-issuer <url>', 'accept JWT access tokens of this issuer; serve publishes protected-resource metadata naming it').env('MCP_JWT_ISSUER'))
      .addOption(new Option('--jwt-audience <aud>', 'the aud tokens must carry (default: the public URL\'s /mcp)'))
      .addOption(new Option('--jwt-user-claim <claim>', 'the claim that names the user (default: sub)'))
      .addOption(new Option('--jwt-scopes <scopes>', 'scopes every token must carry, space- or comma-separated'))
      .addOption(new Option('--jwt-jwks-uri <url>', 'the issuer\'s signing keys, instead of its metadata\'s jwks_uri'))
      .addOption(new Option('--browser-client-id <id>', 'sign people in to the status page with the --jwt-issuer, as this client of it (redirect URI: <public URL>/auth/callback)').env('MCP_SERVE_BROWSER_CLIENT_ID'))
      .addOption(new Option('--browser-client-secret-file <path>', `file holding that client's secret, for a confidential client (or the secret itself in MCP_SERVE_BROWSER_CLIENT_SECRET)`).env('MCP_SERVE_BROWSER_CLIENT_SECRET_FILE'))
      .addOption(new Option('--trusted-header <name>', 'a header naming the user, set by a proxy in front of serve (e.g. X-Forwarded-User)'))
      .addOption(new Option('--trusted-peer <address>', 'a proxy allowed to set that header (address or CIDR); repeatable').argParser(collect).default([]))
      .addOption(new Option('--trusted-proxy <address>', 'a load balancer whose X-Forwarded-For names the client\'s address, for per-address limits (address or CIDR; names no user); repeatable').argParser(collect).default([])),
  ).action(async (url: string | undefined, options: RawOptions & ServeCommandOptions) => actions.serve(url, options));

  return program;
}
