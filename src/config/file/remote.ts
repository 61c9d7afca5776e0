/**
 * A remote entry: its keys mapped through the table (keys.ts) into one {@link ConfigInput}, then validated by the one
 * validator, whose refusal comes back naming the file, the server and, in the entry's words, the key (problem.ts).
 */
import { BridgeError } from '../../errors.js';
import { FLAG_ENV, WORKLOAD_TOKEN_ENV } from '../env-names.js';
import { parseServerUrl } from '../url.js';
import { parseEnvFlag } from '../values.js';
import { expandAt, withPlainVariables } from './expand.js';
import type { Given } from './entry-keys.js';
import type { ConfigInput } from '../input.js';
import { REMOTE_KEYS, type KeyKind } from './keys.js';
import { isObject, readFlag, readPath, readText, readTextList, wrongType, type ReadContext } from './json-values.js';
import { describePlace, entryRefused, fileProblem, type Place } from './problem.js';
import { parseHeader } from '../headers.js';
import type { ServerConfig } from '../types.js';
import { validateConfig } from '../validate.js';

/**
 * Variables that configure THE server of a single-server bridge; with many servers they would apply to every one of
 * them (MCP_HEADERS would send one server's credentials to all, MCP_WORKLOAD_TOKEN would present one workload token to
 * every server). An entry names its own (`headers`, `workload-token-file`).
 */
const SINGLE_SERVER_ENV = ['MCP_HEADERS', 'MCP_BACKEND_URL', WORKLOAD_TOKEN_ENV] as const;

/**
 * The environment a file is read with: the one given, without the single-server variables. One environment for
 * the whole file, so that `${VAR}` means the same in every value, headers (which the validator expands) included.
 */
export function fileEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of SINGLE_SERVER_ENV) delete out[name];
  return out;
}

/** `type` as VS Code and the other clients write it, as a `--transport`. `http` falls back to SSE, as VS Code does. */
const TYPE_TRANSPORT: Readonly<Record<string, string>> = { http: 'auto', 'streamable-http': 'streamable-http', streamableHttp: 'streamable-http', sse: 'sse' };

/** The transport a remote entry's `type` asks for, or undefined for a type that is not remote. */
export function transportOfType(type: string): string | undefined {
  return TYPE_TRANSPORT[type];
}

/**
 * Validates a remote entry.
 * @param ctx its `env` made by {@link fileEnvironment}
 * @param entry the entry by canonical key (entry-keys.ts)
 * @param type the entry's `type`, already checked to be a remote one, if given
 * @throws BridgeError `CONFIG` for a key of the wrong type or an unset variable; the validator's code otherwise
 */
export function readRemote(entry: Map<string, Given>, type: string | undefined, place: Place, ctx: ReadContext): ServerConfig {
  const url = entry.get('url')!;
  const input: ConfigInput = { url: readText(url.value, { ...place, key: url.key }, ctx, '"url": "https://mcp.example.com/mcp"') };
  const headers = entry.get('headers');
  if (headers !== undefined) input.header = headerLines(headers, place, ctx);
  const fields = input as Record<string, unknown>;
  for (const [name, given] of entry) {
    const spec = REMOTE_KEYS[name];
    if (spec !== undefined) fields[spec.field] = readOption(given.value, spec.kind, { ...place, key: given.key }, ctx);
  }
  // `type` gives the transport unless `transport` says more (`"type": "http"` is either; a `transport` may pick one).
  const transport = entry.get('transport');
  if (type !== undefined) {
    const wanted = transportOfType(type)!;
    if (transport === undefined) input.transport = wanted;
    else if (wanted !== 'auto' && input.transport !== wanted) {
      throw fileProblem({ ...place, key: transport.key }, `does not agree with "type": "${type}"`, 'keep one of "type" and "transport"');
    }
  }
  const spelling = new Map([...entry].map(([canonical, given]) => [canonical, given.key]));
  try {
    // The server URL first, on its own, so that its refusal (which names no option) names the key.
    const allowHttp = allowHttpOf(input, ctx.env);
    if (allowHttp !== undefined) parseServerUrl(input.url, allowHttp);
  } catch (error) {
    if (error instanceof BridgeError) throw entryRefused({ ...place, key: url.key }, error, spelling);
    throw error;
  }
  try {
    return validateConfig(input, ctx.env).server;
  } catch (error) {
    if (error instanceof BridgeError) throw entryRefused(place, error, spelling);
    throw error;
  }
}

/** `allow-http` as the validator reads it: the entry's, else its variable; undefined when the variable is bad (the validator says so). */
function allowHttpOf(input: ConfigInput, env: NodeJS.ProcessEnv): boolean | undefined {
  try {
    return input.allowHttp ?? parseEnvFlag(FLAG_ENV.allowHttp, env[FLAG_ENV.allowHttp]) ?? false;
  } catch {
    return undefined;
  }
}

/** One option's value, type-checked for its kind and expanded. */
function readOption(value: unknown, kind: KeyKind, place: Place, ctx: ReadContext): unknown {
  switch (kind) {
    case 'text':
      return readText(value, place, ctx);
    case 'path':
      return readPath(value, place, ctx);
    case 'flag':
      return readFlag(value, place);
    case 'amount':
      if (typeof value === 'number') return value;
      if (typeof value === 'string') return readText(value, place, ctx);
      throw wrongType(place, value, 'a number or text', `"${place.key}": "30s"`);
    case 'list':
      if (isObject(value)) return Object.entries(value).map(([k, v]) => `${k}=${readText(v, { ...place, key: `${place.key}.${k}` }, ctx)}`);
      return readTextList(value, place, ctx, `"${place.key}": ["access_type=offline"]`);
    case 'text-or-false':
      if (value === false) return false;
      if (typeof value === 'string') return readText(value, place, ctx);
      throw wrongType(place, value, 'text or false', `"${place.key}": false`);
    case 'auth':
      if (value === 'oauth' || value === 'none') return value;
      throw fileProblem(place, 'should be "oauth" or "none"', `"${place.key}": "none" turns the bridge's login off for this server`);
  }
}

/**
 * `headers` as the validator's `Name: value` lines. Values are checked here (so that a refusal names the key) but
 * passed on unexpanded: the validator expands header values itself, and expanding twice would expand a `${…}`
 * that a variable's value happens to contain.
 */
function headerLines(given: Given, place: Place, ctx: ReadContext): string[] {
  const at = { ...place, key: given.key };
  if (!isObject(given.value)) throw wrongType(at, given.value, 'an object of header names and values', '"headers": { "Authorization": "Bearer ${TOKEN}" }');
  return Object.entries(given.value).map(([name, value]) => {
    const key = { ...place, key: `${given.key}.${name}` };
    if (typeof value !== 'string') throw wrongType(key, value, 'text', `"${name}": "value"`);
    if (name.includes(':') || name.trim() !== name || name === '') throw fileProblem(key, 'is not a header name', 'write the name alone as the key, e.g. "X-Api-Key", and the value as its text');
    expandAt(value, ctx, key);
    const line = `${name}: ${withPlainVariables(value, ctx, key)}`;
    // The validator checks it again; here, so that a refusal (reserved name, line break, empty) names the key.
    parseHeader(line, ctx.env, { origin: describePlace(key) });
    return line;
  });
}
