/**
 * The one validator: option values (from argv or a JSON `mcpServers` entry, {@link ConfigInput}) and the environment
 * in, a {@link ServerConfig} and a {@link ProcessConfig} out. Every problem is a usage {@link BridgeError} that names
 * the option and the fix; nothing is silently ignored.
 */
import { BridgeError, ErrorCode } from '../errors.js';
import { FLAG_ENV, SERVER_URL_ENV } from './env-names.js';
import { mergeHeaders, parseHeader, parseHeaderLines, readHeaderFile } from './headers.js';
import { CHOICES, DEFAULTS, type ConfigInput } from './input.js';
import { validateOAuth } from './oauth.js';
import type { Config, ProcessConfig, ServerAuth, ServerConfig } from './types.js';
import { parseServerUrl } from './url.js';
import { choice, parseDuration, parseEnvFlag, parseSize } from './values.js';

/**
 * Validates `input` with `env` (for `MCP_*` variables and `${VAR}` in header values).
 * @throws BridgeError `USAGE` (or `CONFIG` for an unreadable header file) naming the option
 */
export function validateConfig(input: ConfigInput, env: NodeJS.ProcessEnv): Config {
  const flag = (value: boolean | undefined, name: string) => value ?? parseEnvFlag(name, env[name]) ?? false;
  const allowHttp = flag(input.allowHttp, FLAG_ENV.allowHttp);
  const process = validateProcess(input, env);
  const url = parseServerUrl(input.url ?? env[SERVER_URL_ENV], allowHttp);
  const headers = mergeHeaders(
    env.MCP_HEADERS ? parseHeaderLines(env.MCP_HEADERS, env, 'MCP_HEADERS') : [],
    input.headerFile ? readHeaderFile(input.headerFile, env) : [],
    (input.header ?? []).map((h) => parseHeader(h, env, { origin: '--header' })),
  );
  const transport = choice('--transport', input.transport ?? DEFAULTS.transport, CHOICES.transport);
  const protocol = protocolOf(input.protocol ?? DEFAULTS.protocol, transport);
  const connectTimeoutMs = parseDuration('--connect-timeout', input.connectTimeout ?? DEFAULTS.connectTimeout);
  const requestTimeoutMs = parseDuration('--request-timeout', input.requestTimeout ?? DEFAULTS.requestTimeout);
  const maxServerMessageBytes = parseSize('--max-server-message-size', input.maxServerMessageSize ?? DEFAULTS.maxServerMessageSize);
  // An Authorization header from the user turns the bridge's own login off.
  const auth: ServerAuth =
    headers.authorization !== undefined ? { kind: 'static-header' } : input.auth === 'none' ? { kind: 'none' } : validateOAuth(input, allowHttp, env);
  const server: ServerConfig = { url, transport, protocol, headers, connectTimeoutMs, requestTimeoutMs, maxServerMessageBytes, allowHttp, auth };
  return { server, process };
}

/**
 * Validates the options of the process alone (`--debug`, `--silent`, `--log-file`, `--no-banner`,
 * `--max-message-size`, `--use-env-proxy`), for the commands whose servers come from a `--config` file.
 * @throws BridgeError `USAGE` naming the option
 */
export function validateProcess(input: ConfigInput, env: NodeJS.ProcessEnv): ProcessConfig {
  const flag = (value: boolean | undefined, name: string) => value ?? parseEnvFlag(name, env[name]) ?? false;
  const logLevel = logLevelOf(input, env);
  const banner = (input.banner ?? true) && !flag(undefined, FLAG_ENV.noBanner);
  const maxMessageBytes = parseSize('--max-message-size', input.maxMessageSize ?? DEFAULTS.maxMessageSize);
  const useEnvProxy = flag(input.useEnvProxy, FLAG_ENV.useEnvProxy);
  return { logLevel, logFile: input.logFile, banner, maxMessageBytes, useEnvProxy };
}

/** `--protocol` with the peer's synonyms resolved; a 2026-07-28 server has no legacy SSE transport. */
function protocolOf(value: string, transport: ServerConfig['transport']): ServerConfig['protocol'] {
  const chosen = choice('--protocol', value, CHOICES.protocol);
  const protocol = chosen === 'legacy' ? '2025-11-25' : chosen === 'modern' ? '2026-07-28' : chosen;
  if (protocol === '2026-07-28' && transport === 'sse') {
    throw new BridgeError(ErrorCode.Usage, '--protocol 2026-07-28 cannot be used with --transport sse: the 2026-07-28 revision has no legacy SSE transport', {
      hint: 'drop --transport sse, or use --protocol auto',
    });
  }
  return protocol;
}

/** The log level `--debug` / `--silent` (or their variables) ask for; both at once is refused. */
function logLevelOf(input: ConfigInput, env: NodeJS.ProcessEnv): ProcessConfig['logLevel'] {
  const flag = (value: boolean | undefined, name: string) => value ?? parseEnvFlag(name, env[name]) ?? false;
  const debug = flag(input.debug, FLAG_ENV.debug);
  const silent = flag(input.silent, FLAG_ENV.silent);
  if (debug && silent) {
    throw new BridgeError(ErrorCode.Usage, '--silent and --debug (or their variables) cannot be used together', {
      hint: `drop one of them; check ${FLAG_ENV.debug} and ${FLAG_ENV.silent} in the environment`,
    });
  }
  return debug ? 'debug' : silent ? 'error' : 'info';
}
