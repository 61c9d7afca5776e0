/**
 * The command line, declared with commander: options, their environment variables, and help text. Declares only;
 * {@link resolveBridgeConfig} validates, and the entry (main.ts) runs.
 */
import { Command, Option } from 'commander';
import { VERSION } from '../version.js';

/** Raw option values as commander gives them (before validation). */
export interface RawOptions {
  transport: string;
  header: string[];
  headerFile?: string;
  allowHttp?: boolean;
  connectTimeout: string;
  requestTimeout: string;
  maxMessageSize: string;
  useEnvProxy?: boolean;
  debug?: boolean;
  logFile?: string;
  silent?: boolean;
  banner: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Environment variables read for boolean flags (commander treats any set variable as true, so they are read in resolve). */
export const FLAG_ENV = {
  allowHttp: 'MCP_ALLOW_HTTP',
  useEnvProxy: 'MCP_USE_ENV_PROXY',
  debug: 'MCP_PROXY_DEBUG',
  silent: 'MCP_SILENT',
  noBanner: 'MCP_NO_BANNER',
} as const;

/**
 * Builds the program. `action` runs with the URL argument (possibly undefined: `MCP_BACKEND_URL` may give it)
 * and the raw options. Output and exits go through commander's `exitOverride`, so nothing here ends the process.
 */
export function createProgram(action: (url: string | undefined, options: RawOptions) => Promise<void>): Command {
  const program = new Command('mcp-auth-bridge');
  program
    .description(
      'Connects a local MCP client (stdio) to a remote MCP server over Streamable HTTP or SSE, logging in with OAuth when the server asks for it.',
    )
    .version(VERSION, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help')
    .argument('[url]', 'the remote MCP server endpoint, e.g. https://mcp.example.com/mcp (env: MCP_BACKEND_URL)')
    .addOption(
      new Option('--transport <mode>', 'auto: Streamable HTTP, falling back to legacy SSE on HTTP 400/404/405')
        .choices(['auto', 'streamable-http', 'sse'])
        .default('auto')
        .env('MCP_TRANSPORT'),
    )
    .addOption(
      new Option('-H, --header <header>', 'add "Name: value" to every request; repeatable; ${VAR} is read from the environment (env: MCP_HEADERS, one per line)')
        .argParser(collect)
        .default([]),
    )
    .addOption(new Option('--header-file <path>', 'read headers from a file, one "Name: value" per line, # for comments').env('MCP_HEADER_FILE'))
    .addOption(new Option('--allow-http', `allow http: URLs that are not on this machine (env: ${FLAG_ENV.allowHttp}=1)`))
    .addOption(
      new Option('--connect-timeout <duration>', 'limit on reaching the server and opening a session; 0 = none').default('30s').env('MCP_CONNECT_TIMEOUT'),
    )
    .addOption(
      new Option('--request-timeout <duration>', 'limit on each request, restarted by its progress notifications; 0 = none')
        .default('5m')
        .env('MCP_REQUEST_TIMEOUT'),
    )
    .addOption(
      new Option('--max-message-size <size>', 'largest message accepted from the client on stdin').default('16mb').env('MCP_MAX_MESSAGE_SIZE'),
    )
    .addOption(new Option('--use-env-proxy', `send requests through HTTPS_PROXY / HTTP_PROXY, except NO_PROXY hosts (env: ${FLAG_ENV.useEnvProxy}=1)`))
    .addOption(new Option('--debug', `verbose log on stderr; secrets are always redacted (env: ${FLAG_ENV.debug}=1)`))
    .addOption(new Option('--log-file <path>', 'also append the verbose log to this file (created 0600)').env('MCP_LOG_FILE'))
    .addOption(new Option('--silent', `log errors only (env: ${FLAG_ENV.silent}=1)`).conflicts('debug'))
    .addOption(new Option('--no-banner', `skip the start-up line on stderr (env: ${FLAG_ENV.noBanner}=1)`))
    .showSuggestionAfterError(true)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .addHelpText(
      'after',
      `
Durations: 500ms, 30s, 2m, or plain seconds. Sizes: 64kb, 16mb.
stdout carries only the MCP protocol; every log line goes to stderr.

Exit codes: 0 clean shutdown (stdin closed, SIGINT, SIGTERM), 1 fatal error, 2 invalid command line.

Example (Claude Desktop, Cursor, Windsurf config):
  "command": "npx", "args": ["-y", "mcp-auth-bridge", "https://mcp.example.com/mcp"]`,
    )
    .action(async (url: string | undefined, options: RawOptions) => action(url, options));
  return program;
}
