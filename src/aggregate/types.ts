/**
 * What the aggregator is given: the servers it fronts (named, each with its tool filter) and, for each, a backend
 * that makes the server's {@link Bridge} — the wiring of transports, protocol eras and logins stays in `cli/`, so
 * this room knows nothing of HTTP, processes or OAuth.
 */
import type { Bridge, ClientChannel } from '../bridge/bridge.js';
import type { ToolFilter } from '../config/file/types.js';

/** One server of the aggregate, as the aggregator sees it. */
export interface MemberSpec {
  /** Its name in the configuration file. */
  name: string;
  /** The name as it prefixes tools, prompts and resource URIs (naming/server-slug.ts). */
  slug: string;
  /** Which of its tools the client sees (and may call): the server's own filter. */
  filter: ToolFilter;
  /** `serve`: what this session's user may use of the server, on top of {@link filter} (both must let a tool through). */
  userFilter?: ToolFilter;
}

/**
 * What carries one client side to a server: a {@link Bridge}, or (serve, `"sessions": "shared"`) a session of a
 * server process shared by one user's sessions.
 */
export type MemberPipe = Pick<Bridge, 'start' | 'drain' | 'close'>;

/** Makes one server's Bridge; made by the CLI for each server of the file. */
export interface MemberBackend {
  /** A pipe to the server whose client side is `channel`. Called once per member. */
  open(channel: ClientChannel): MemberPipe;
  /** What the server's requests wait for (e.g. a browser login and its URL), for messages to the client. */
  waitingFor(): string | undefined;
  /** The URL of the user's login under way for this server, if any (for a URL-mode elicitation). */
  loginUrl?(): string | undefined;
  /** Releases what the backend holds beyond the Bridge (nothing, for most). */
  close?(): Promise<void>;
}

/** Makes the backend of a server. */
export type MemberFactory = (spec: MemberSpec) => MemberBackend;

/** A changed configuration, for `Aggregator.reconfigure`. */
export interface Reconfiguration {
  /** Every server of the new configuration, in its order. */
  servers: readonly MemberSpec[];
  /** Names of servers whose entry changed: they are restarted. */
  changed: ReadonlySet<string>;
  /** The new name separator, if it changed: every name the client sees changes. */
  separator?: string;
}
