/**
 * What every part of an HTTP upstream session is opened with: the connector, the upstream, and the wire beneath it
 * (the Streamable HTTP client or the legacy SSE transport) take these same settings, each adding its own.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Logger } from '../../log.js';

/** The settings of one server's HTTP sessions. */
export interface HttpSessionSettings {
  /** The remote MCP server's endpoint. */
  url: URL;
  /** Static headers sent on every request (from `--header`). */
  headers: Record<string, string>;
  /** The upstream fetch stack (net/fetch-stack.ts): auth, the connect timeout, the network. */
  fetch: FetchLike;
  /** Bound on session set-up and answers that should come at once; 0 disables. */
  connectTimeoutMs: number;
  /** Largest message accepted from the server, in bytes (`--max-server-message-size`). */
  maxMessageBytes: number;
  /** Backpressure from the client side: undefined while it can take more, else a promise that settles when it can. */
  clientReady?: () => Promise<void> | undefined;
  logger: Logger;
}
