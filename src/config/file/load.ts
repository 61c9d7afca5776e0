/**
 * The configuration file of `--config`: read, parsed, and loaded into a {@link LoadedConfig}. It takes the shapes
 * users already have — `{"mcpServers": {...}}` (Claude Desktop, Cursor, Windsurf) or `{"servers": {...}}` (VS Code) —
 * plus the name separator. Pure: the file reader and the environment are passed in.
 */
import { parseDuration } from '../values.js';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { closestKey } from './closest.js';
import { findDuplicateKey } from './duplicate-keys.js';
import { readInputs } from './inputs.js';
import { loadEntry } from './entry.js';
import { isObject, wrongType } from './json-values.js';
import { TOP_KEYS } from './keys.js';
import { fileEnvironment } from './remote.js';
import { fileProblem } from './problem.js';
import { readServeSection } from './serve-section.js';
import type { LoadedConfig, LoadedServer } from './types.js';

/** The separator between a server's name and a tool's when the file names none. */
export const DEFAULT_SEPARATOR = '__';

/** What a server name and the separator may be made of: they become part of tool names (`^[a-zA-Z0-9_-]{1,64}$`). */
const NAME = /^[a-zA-Z0-9_-]+$/;

/** Options for {@link loadConfigFile}. */
export interface LoadOptions {
  /**
   * The environment `${VAR}` expands from and the validator reads (`MCP_*` flags); the single-server variables
   * (`MCP_HEADERS`, `MCP_BACKEND_URL`, `MCP_WORKLOAD_TOKEN`) are left out: they would apply to every server.
   */
  env: NodeJS.ProcessEnv;
  /** Reads the file as text; default: `fs.readFileSync(path, 'utf8')`. */
  readFile?: (path: string) => string;
}

/**
 * Reads and loads the configuration file at `path`.
 * @throws BridgeError `CONFIG` for an unreadable file, bad JSON or a bad entry (naming the server, the key and the fix); a
 *   remote entry the validator refuses keeps the validator's code, with its error as `cause`
 */
export function loadConfigFile(path: string, options: LoadOptions): LoadedConfig {
  const read = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  let text: string;
  try {
    text = read(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw fileProblem({ path }, `cannot be read${code ? ` (${code})` : ''}`, 'check the path given to --config', error);
  }
  return parseConfigText(text, { path, env: options.env });
}

/** Options for {@link parseConfigText}. */
export interface ParseOptions {
  /** The file's name, for messages; relative paths in entries start from its directory. */
  path: string;
  /** As {@link LoadOptions.env}. */
  env: NodeJS.ProcessEnv;
}

/**
 * Loads a configuration from the text of its file.
 * @throws BridgeError as {@link loadConfigFile}
 */
export function parseConfigText(text: string, options: ParseOptions): LoadedConfig {
  const { path, env } = options;
  const json = text.replace(/^\uFEFF/, '');
  const top = parseJson(json, path);
  refuseDuplicateKeys(json, path);
  if (!isObject(top)) throw wrongType({ path }, top, 'a JSON object', '{ "mcpServers": { "name": { "url": "https://…" } } }');
  for (const key of Object.keys(top)) {
    if (!(TOP_KEYS as readonly string[]).includes(key)) {
      const meant = closestKey(key, TOP_KEYS);
      const fix = meant === undefined ? 'the file has "mcpServers" (or VS Code\'s "servers" and "inputs") and optionally "separator"' : `did you mean "${meant}"?`;
      throw fileProblem({ path, key }, 'is not a top-level key of the file', fix);
    }
  }
  if (top.mcpServers !== undefined && top.servers !== undefined) {
    throw fileProblem({ path }, 'has both "mcpServers" and "servers"', 'keep one: "mcpServers" (Claude Desktop, Cursor, Windsurf) or "servers" (VS Code)');
  }
  const listKey = top.servers !== undefined ? 'servers' : 'mcpServers';
  const entries = top[listKey];
  if (entries === undefined) throw fileProblem({ path }, 'names no servers', 'add "mcpServers": { "<name>": { "url": "https://…" } }');
  if (!isObject(entries)) throw wrongType({ path, key: listKey }, entries, 'an object of server names and entries');
  const separator = separatorOf(top.separator, path);
  const listTimeoutMs = listTimeoutOf(top.listTimeout, path);
  const inputs = readInputs(top.inputs, path);
  const servers: LoadedServer[] = [];
  const disabled: string[] = [];
  for (const [name, raw] of Object.entries(entries)) {
    checkName(name, separator, path);
    const loaded = loadEntry(name, raw, path, { env: fileEnvironment(env), inputs, dir: dirname(path) });
    if (loaded === 'disabled') disabled.push(name);
    else servers.push(loaded);
  }
  const loaded: LoadedConfig = { path, separator, listTimeoutMs, servers, disabled };
  if (top.serve !== undefined) loaded.serve = readServeSection(top.serve, { path, ctx: { env: fileEnvironment(env), inputs, dir: dirname(path) }, servers: [...servers.map((s) => s.name), ...disabled] });
  return loaded;
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // Not the parser's message: it quotes the text around the fault, which may hold a secret. Display only.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '');
    const where = position ? ` at ${lineAndColumn(text, Number(position[1]))}` : '';
    throw fileProblem({ path }, `is not valid JSON${where}`, 'check for a missing comma or quote, or a comma after the last item (JSON allows none)');
  }
}

/** A key given twice in one object, which JSON would resolve silently by keeping the last. */
function refuseDuplicateKeys(text: string, path: string): void {
  const found = findDuplicateKey(text);
  if (found === undefined) return;
  const lines = `lines ${found.firstLine} and ${found.secondLine}`;
  const [list, server, ...rest] = found.container;
  if (found.container.length === 1 && (list === 'mcpServers' || list === 'servers')) {
    throw fileProblem({ path, server: found.key }, `is named twice (${lines})`, 'rename one of the two entries: JSON would keep only the last one, without a word');
  }
  const inEntry = (list === 'mcpServers' || list === 'servers') && typeof server === 'string';
  const key = [...(inEntry ? rest : found.container), found.key].map((part) => (typeof part === 'number' ? `[${part}]` : part)).join('.').replace(/\.\[/g, '[');
  throw fileProblem({ path, server: inEntry ? server : undefined, key }, `is given twice (${lines})`, 'keep one of the two: JSON would keep only the last one, without a word');
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

function separatorOf(value: unknown, path: string): string {
  if (value === undefined) return DEFAULT_SEPARATOR;
  if (typeof value !== 'string') throw wrongType({ path, key: 'separator' }, value, 'text', '"separator": "__"');
  if (!NAME.test(value)) {
    throw fileProblem({ path, key: 'separator' }, 'may contain only letters, digits, "_" and "-"', 'tool names allow no other characters; the default is "__"');
  }
  return value;
}

/** The default of `"listTimeout"`: how long a list across servers waits for one server. */
export const DEFAULT_LIST_TIMEOUT_MS = 10_000;

function listTimeoutOf(value: unknown, path: string): number {
  if (value === undefined) return DEFAULT_LIST_TIMEOUT_MS;
  if (typeof value !== 'string' && typeof value !== 'number') throw wrongType({ path, key: 'listTimeout' }, value, 'a duration', '"listTimeout": "10s"');
  let ms: number;
  try {
    ms = parseDuration('listTimeout', value);
  } catch (error) {
    throw fileProblem({ path, key: 'listTimeout' }, 'is not a duration', 'write e.g. "10s" or "500ms"; 0 waits for every server however long it takes', error);
  }
  return ms;
}

function checkName(name: string, separator: string, path: string): void {
  if (!NAME.test(name)) {
    const suggestion = name.replace(/[^a-zA-Z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'server';
    throw fileProblem({ path, server: name }, 'is not a name tools can be prefixed with: it may contain only letters, digits, "_" and "-"', `rename it, e.g. "${suggestion}"`);
  }
  if (name.includes(separator)) {
    throw fileProblem({ path, server: name }, `contains the separator "${separator}", so its tools' names could not be told apart`, `rename it, or choose another "separator"`);
  }
}
