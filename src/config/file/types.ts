/**
 * What a `--config` file loads into: the name separator, the servers it names (remote ones validated into a
 * {@link ServerConfig}, local ones as a command to spawn), each with its tool filter, and the names of the disabled
 * entries.
 */
import type { ServerConfig } from '../types.js';
import type { ServeSection } from './serve-section.js';

/** Which of a server's tools the client sees: `tools.allow` / `tools.block` patterns and `readOnly`. */
export interface ToolFilter {
  /** Exact names or globs (`*`, `?`); when given, only matching tools pass. */
  allow: string[] | undefined;
  /** Exact names or globs; a matching tool never passes, even when `allow` matches it (block wins). */
  block: string[];
  /** `readOnly: true`: only tools annotated `readOnlyHint` pass. */
  readOnly: boolean;
}

/** A remote server: its entry validated by the one validator, as the command line's would be. */
export interface RemoteServer {
  name: string;
  kind: 'remote';
  config: ServerConfig;
  filter: ToolFilter;
}

/** A local server: a command the bridge spawns (without a shell) and speaks MCP to over its stdio. */
export interface LocalServer {
  name: string;
  kind: 'local';
  command: string;
  args: string[];
  /** Variables added to the child's environment, values expanded. */
  env: Record<string, string>;
  /** The child's working directory (a relative one from the file's directory), or undefined for the bridge's own. */
  cwd: string | undefined;
  /**
   * `"sessions": "shared"`: under `serve`, one process of the server for all of a user's sessions (never across
   * users), its messages kept apart per session (serve/shared-upstream/); for servers the operator knows to be
   * stateless. Absent (or `"separate"`): a process per session. One client has one session, so outside `serve`
   * it changes nothing.
   */
  sessions?: 'shared';
  filter: ToolFilter;
}

/** One enabled entry of the file. */
export type LoadedServer = RemoteServer | LocalServer;

/** A loaded configuration file. */
export interface LoadedConfig {
  /** The file it came from, as given. */
  path: string;
  /** Between a server's name and a tool or prompt name (`<server><separator><tool>`); default `__`. */
  separator: string;
  /** `"listTimeout"`: how long a list across servers waits for one server before answering without it; 0: no bound. */
  listTimeoutMs: number;
  /** The enabled servers, in the file's order. */
  servers: LoadedServer[];
  /** The names of the entries with `disabled: true`, in the file's order; they are not in {@link servers}. */
  disabled: string[];
  /** The `"serve"` section (inbound auth for `mcp-auth-bridge serve`), when the file has one. */
  serve?: ServeSection;
}
