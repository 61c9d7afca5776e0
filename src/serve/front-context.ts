/**
 * What every endpoint handler of the HTTP front shares: the sessions, the backends, the limits and the logger, and
 * the one request being handled with the identity the authenticator gave it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import type { ServeCluster } from './cluster/types.js';
import type { SessionHolds } from './cluster/session-holds.js';
import type { SessionRoutes } from './cluster/session-routes.js';
import type { InboundIdentity } from './inbound-auth/types.js';
import type { ModernRoom } from './modern/modern-endpoint.js';
import type { SessionTable } from './session-table.js';
import type { ServeBackends } from './types.js';

/** Shared by the endpoint handlers. */
export interface FrontContext {
  sessions: SessionTable;
  backends: ServeBackends;
  /** `--max-message-size`: the largest POST body. */
  maxMessageBytes: number;
  logger: Logger;
  /** True once the drain started: no new session is opened. */
  draining(): boolean;
  /** `--sse-keepalive`: the comment interval of long-lived event streams (GET, legacy SSE); 0: none. */
  sseKeepAliveMs: number;
  /** The 2026-07-28 side: stateless requests (modern/). */
  modern: ModernRoom;
  /** The other instances on the same Redis (`--store redis://…`), and what this one holds; undefined: one process. */
  cluster?: { link: ServeCluster; sessions: SessionHolds; routes: SessionRoutes };
}

/** One request to an MCP endpoint, authenticated. */
export interface EndpointRequest {
  req: IncomingMessage;
  res: ServerResponse;
  identity: InboundIdentity;
  /** The server it is for (`/servers/<name>/…`), undefined for every server (`/mcp`, `/sse`). */
  target: string | undefined;
  /** The endpoint's path, for logs. */
  path: string;
  /** CORS headers to add to the answer (empty unless the origin is listed). */
  cors: Record<string, string>;
  /** Relayed from another instance (cluster/): it is answered here or refused, never relayed again. */
  relayed?: boolean;
}

/** Seconds a client is told to wait when the session limit is reached or the server is draining. */
export const RETRY_AFTER_S = '30';
