/**
 * Turns raw command-line options and the environment into a validated {@link BridgeConfig}. Every problem is a
 * usage {@link BridgeError} that names the option and the fix; nothing is silently ignored.
 */
import type { TransportMode } from '../bridge/bridge.js';
import { BridgeError, ErrorCode } from '../errors.js';
import type { LogLevel } from '../log.js';
import { mergeHeaders, parseHeader, parseHeaderLines, readHeaderFile } from './headers.js';
import { FLAG_ENV, type RawOptions } from './program.js';
import { parseDuration, parseEnvFlag, parseSize } from './values.js';

/** Everything the bridge needs to run, validated. */
export interface BridgeConfig {
  url: URL;
  transport: TransportMode;
  headers: Record<string, string>;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxMessageBytes: number;
  useEnvProxy: boolean;
  logLevel: LogLevel;
  logFile: string | undefined;
  banner: boolean;
}

/** Whether `url` points at this machine (where plain http cannot be intercepted on the network). */
export function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Parses and checks the server URL. */
export function parseServerUrl(text: string | undefined, allowHttp: boolean): URL {
  if (!text) {
    throw new BridgeError(ErrorCode.Usage, 'no server URL given', {
      hint: 'pass it as the argument (mcp-auth-bridge https://mcp.example.com/mcp) or set MCP_BACKEND_URL',
    });
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BridgeError(ErrorCode.Usage, `"${text.slice(0, 200)}" is not a URL`, { hint: 'give the full URL, with https://' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new BridgeError(ErrorCode.Usage, `the server URL must use https: (got ${url.protocol})`);
  }
  if (url.username || url.password) {
    throw new BridgeError(ErrorCode.Usage, 'the server URL must not contain a user name or password', {
      hint: 'send credentials as a header instead: -H "Authorization: ${TOKEN}"',
    });
  }
  if (url.protocol === 'http:' && !isLoopback(url) && !allowHttp) {
    throw new BridgeError(ErrorCode.Usage, `refusing plain http to ${url.host}: anyone on the network could read or change the traffic`, {
      hint: 'use https://, or pass --allow-http if this network is trusted',
    });
  }
  url.hash = '';
  return url;
}

/** Validates `raw` (from commander) with `env` (for `MCP_*` variables). */
export function resolveBridgeConfig(urlArg: string | undefined, raw: RawOptions, env: NodeJS.ProcessEnv): BridgeConfig {
  const flag = (value: boolean | undefined, name: string) => value ?? parseEnvFlag(name, env[name]) ?? false;
  const allowHttp = flag(raw.allowHttp, FLAG_ENV.allowHttp);
  const debug = flag(raw.debug, FLAG_ENV.debug);
  const silent = flag(raw.silent, FLAG_ENV.silent);
  if (debug && silent) {
    throw new BridgeError(ErrorCode.Usage, '--silent and --debug (or their variables) cannot be used together', {
      hint: `drop one of them; check ${FLAG_ENV.debug} and ${FLAG_ENV.silent} in the environment`,
    });
  }
  const banner = raw.banner && !flag(undefined, FLAG_ENV.noBanner);
  const url = parseServerUrl(urlArg ?? env.MCP_BACKEND_URL, allowHttp);
  const headers = mergeHeaders(
    env.MCP_HEADERS ? parseHeaderLines(env.MCP_HEADERS, env, 'MCP_HEADERS') : [],
    raw.headerFile ? readHeaderFile(raw.headerFile, env) : [],
    raw.header.map((h) => parseHeader(h, env, { origin: '--header' })),
  );
  return {
    url,
    transport: raw.transport as TransportMode,
    headers,
    connectTimeoutMs: parseDuration('--connect-timeout', raw.connectTimeout),
    requestTimeoutMs: parseDuration('--request-timeout', raw.requestTimeout),
    maxMessageBytes: parseSize('--max-message-size', raw.maxMessageSize),
    useEnvProxy: flag(raw.useEnvProxy, FLAG_ENV.useEnvProxy),
    logLevel: debug ? 'debug' : silent ? 'error' : 'info',
    logFile: raw.logFile,
    banner,
  };
}

/** The URL as safe to print: origin and path; a query string (which may hold a key) is elided. */
export function displayUrl(url: URL): string {
  return `${url.origin}${url.pathname}${url.search ? '?…' : ''}`;
}
