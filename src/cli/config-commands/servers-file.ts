/**
 * The servers a `login`, `status` or `doctor` command with `--config <file>` acts on: the file loaded by the one
 * loader (config/file/load.ts), narrowed to the `--server` names, and each remote server given the process-wide
 * credential options of the command line (`--token-store`, `--config-dir`), which an entry cannot set.
 */
import { BridgeError, ErrorCode } from '../../errors.js';
import { closestKey } from '../../config/file/closest.js';
import { loadConfigFile } from '../../config/file/load.js';
import type { LoadedConfig, LoadedServer } from '../../config/file/types.js';
import { oauthOf, type ServerConfig } from '../../config/types.js';

/** The credential options of the whole process, from the command line. */
export interface ProcessCredentials {
  tokenStore: 'auto' | 'keychain' | 'file';
  configDir: string | undefined;
}

/** Options for {@link openServersFile}. */
export interface ServersFileOptions {
  /** The file given to `--config`. */
  path: string;
  /** The `--server` names; none: every server of the file. */
  names: readonly string[];
  /** The environment `${VAR}` expands from. */
  env: NodeJS.ProcessEnv;
  credentials: ProcessCredentials;
  /** Reads the file; default: the loader's own. */
  readFile?: (path: string) => string;
}

/** The servers a command acts on. */
export interface ServersFile {
  loaded: LoadedConfig;
  /** The servers named (or all enabled ones), in the file's order; remote ones carry the process's credential options. */
  servers: LoadedServer[];
  /** The disabled entries to list as skipped: all of them when no `--server` is given, else none. */
  disabled: string[];
}

/**
 * Loads the file and picks its servers.
 * @throws BridgeError `CONFIG` for a bad file (the loader's), `USAGE` for a `--server` the file does not name or disables
 */
export function openServersFile(o: ServersFileOptions): ServersFile {
  const loaded = loadConfigFile(o.path, { env: o.env, ...(o.readFile ? { readFile: o.readFile } : {}) });
  const servers = selectServers(loaded, o.names).map((s) => (s.kind === 'remote' ? { ...s, config: withCredentials(s.config, o.credentials) } : s));
  return { loaded, servers, disabled: o.names.length === 0 ? loaded.disabled : [] };
}

/**
 * The servers of `loaded` named in `names` (every enabled one when none), in the file's order.
 * @throws BridgeError `USAGE` naming the unknown server and the one meant, or saying it is disabled
 */
export function selectServers(loaded: LoadedConfig, names: readonly string[]): LoadedServer[] {
  if (names.length === 0) return loaded.servers;
  const known = loaded.servers.map((s) => s.name);
  for (const name of names) {
    if (known.includes(name)) continue;
    if (loaded.disabled.includes(name)) {
      throw new BridgeError(ErrorCode.Usage, `--server ${name}: the server "${name}" is disabled in ${loaded.path}`, {
        hint: `remove "disabled": true from its entry to use it`,
      });
    }
    const meant = closestKey(name, [...known, ...loaded.disabled]);
    throw new BridgeError(ErrorCode.Usage, `--server ${name}: ${loaded.path} names no server "${name}"`, {
      hint: meant !== undefined ? `did you mean "${meant}"?` : known.length ? `the file names: ${known.join(', ')}` : 'the file names no enabled server',
    });
  }
  return loaded.servers.filter((s) => names.includes(s.name));
}

/** `server` with the process's credential options: where its logins are kept is one choice for the whole process. */
export function withCredentials(server: ServerConfig, credentials: ProcessCredentials): ServerConfig {
  const auth = oauthOf(server);
  return auth ? { ...server, auth: { ...auth, tokenStore: credentials.tokenStore, configDir: credentials.configDir } } : server;
}

/** Why a server of the file has no login of the bridge's own, or undefined when the bridge logs in for it. */
export function noLoginReason(server: LoadedServer): string | undefined {
  if (server.kind === 'local') return 'a local server (a command): nothing to log in to';
  const kind = server.config.auth.kind;
  if (kind === 'static-header') return 'an Authorization header is set in its "headers": nothing to log in to';
  if (kind === 'none') return '"auth": "none": nothing to log in to';
  return undefined;
}
