/**
 * Static request headers from `-H/--header`, `--header-file` and `MCP_HEADERS`. Values may name environment
 * variables as `${VAR}`, expanded here (never by a shell), so a secret can live in the client config's `env` block
 * instead of in argv, and a value with spaces survives clients that split arguments at spaces (as on Windows).
 */
import { readFileSync } from 'node:fs';
import { BridgeError, ErrorCode } from '../errors.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
/** Control characters that RFC 9110 §5.5 does not allow in a field value: C0 except tab, and DEL. */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;
/** Headers the transport sets itself; a user value would break the protocol. */
const RESERVED = new Set([
  'accept',
  'connection',
  'content-length',
  'content-type',
  'host',
  'last-event-id',
  'mcp-protocol-version',
  'mcp-session-id',
  'transfer-encoding',
]);

/** Where a header came from, for error messages. */
export interface HeaderSource {
  /** e.g. `--header`, `--header-file ./h.txt line 3`, `MCP_HEADERS`. */
  origin: string;
}

/**
 * Expands `${VAR}` and `${VAR:-default}` from `env` in one pass (an expanded value is never expanded again). A
 * variable that is not set is an error (never silently empty) unless it has a default, which is used when the variable
 * is unset or empty, as in a shell.
 */
export function expandVariables(text: string, env: NodeJS.ProcessEnv, source: HeaderSource): string {
  return text.replace(VAR, (_m, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (fallback !== undefined && (value === undefined || value === '')) return fallback;
    if (value === undefined) {
      throw new BridgeError(ErrorCode.Usage, `${source.origin}: environment variable ${name} is not set`, {
        hint: `set ${name} in the environment (in a client config, in its "env" block)`,
      });
    }
    return value;
  });
}

/**
 * Parses one `Name: value` (or `Name:value`) header and expands variables in the value.
 * @returns the lower-cased name and the value
 */
export function parseHeader(text: string, env: NodeJS.ProcessEnv, source: HeaderSource): [string, string] {
  const colon = text.indexOf(':');
  if (colon <= 0) {
    throw new BridgeError(ErrorCode.Usage, `${source.origin}: "${text.slice(0, 40)}" is not a header`, {
      hint: 'write it as "Name: value", for example -H "X-Api-Key: ${API_KEY}"',
    });
  }
  const name = text.slice(0, colon).trim();
  if (!TOKEN.test(name)) {
    throw new BridgeError(ErrorCode.Usage, `${source.origin}: "${name}" is not a valid header name`);
  }
  if (RESERVED.has(name.toLowerCase())) {
    throw new BridgeError(ErrorCode.Usage, `${source.origin}: the ${name} header is set by the bridge itself and cannot be overridden`);
  }
  const value = expandVariables(text.slice(colon + 1).trim(), env, source);
  if (/[\r\n]/.test(value)) {
    throw new BridgeError(ErrorCode.Usage, `${source.origin}: the value of ${name} contains a line break`);
  }
  const control = CONTROL.exec(value);
  if (control) {
    const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw new BridgeError(ErrorCode.Usage, `${source.origin}: the value of ${name} contains the control character ${code}`, {
      hint: 'header values may contain tabs but no other control characters (RFC 9110 §5.5); check the value or the variable it names',
    });
  }
  if (value === '') {
    throw new BridgeError(ErrorCode.Usage, `${source.origin}: the header ${name} has an empty value`, {
      hint: `if your client splits arguments at spaces (Windows), write "${name}:\${VAR}" and put the value in the environment variable VAR`,
    });
  }
  return [name.toLowerCase(), value];
}

/** Reads a header file: one `Name: value` per line; blank lines and lines starting with `#` are skipped. */
export function readHeaderFile(path: string, env: NodeJS.ProcessEnv): Array<[string, string]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BridgeError(ErrorCode.Config, `--header-file: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      cause: error,
    });
  }
  return parseHeaderLines(text, env, `--header-file ${path}`);
}

/** Parses newline-separated headers (header files, `MCP_HEADERS`). */
export function parseHeaderLines(text: string, env: NodeJS.ProcessEnv, origin: string): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    headers.push(parseHeader(trimmed, env, { origin: `${origin} line ${i + 1}` }));
  });
  return headers;
}

/** Merges header lists in order; a later value for the same name replaces an earlier one. */
export function mergeHeaders(...lists: Array<Array<[string, string]>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const list of lists) for (const [name, value] of list) out[name] = value;
  return out;
}
