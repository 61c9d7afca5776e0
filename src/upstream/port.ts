/**
 * The upstream port: one session with one remote MCP server, as the Bridge and the session lifecycle see it — the
 * way the SDK separates a `Transport` from its `Protocol`. Nothing above this port knows how messages travel.
 *
 * Implementations: `http/` (Streamable HTTP, with the legacy SSE transport as a fallback chosen when it opens) and
 * `http-2026/` (a stateless 2026-07-28 server, behind the same 2025-11-25 semantics); `era/` picks between them;
 * `stdio/` (a local server: a child process in its own process group). Each brings its own {@link UpstreamConnector}.
 * See docs/architecture.md, "Sessions".
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { RequestId } from '../protocol/jsonrpc.js';

/** What an {@link Upstream} tells its owner. Once it is retired, only `onmessage` (responses) still arrives. */
export interface UpstreamEvents {
  /**
   * A message from the server; `raw` is its original JSON text on one line (as text, or as the bytes the server
   * sent) when it is relayed without re-serializing.
   */
  onmessage(message: JSONRPCMessage, from: Upstream, raw?: string | Uint8Array): void;
  /**
   * What carried the answer to request `id` ended before (or without) the answer. `resumable` when the
   * implementation may still resume it, so the answer can still come.
   */
  onResponseStreamEnd(id: RequestId, resumable: boolean, error: unknown, from: Upstream): void;
  /** The server no longer knows this session, or what carried it is gone. */
  onSessionLost(reason: string, from: Upstream): void;
}

/** What a failed send says about the session it was sent on. */
export type SessionVerdict =
  /** The server no longer knows the session: open a new one. */
  | 'lost'
  /** The failure may mean a lost session or may be the server's answer: check the session before deciding. */
  | 'in-doubt'
  /** The failure says nothing about the session. */
  | 'unrelated';

/** Options for {@link Upstream.close}. */
export interface UpstreamCloseOptions {
  /** End the session on the server too (where the wire protocol can), bounded by `timeoutMs` (default 1 s). */
  terminate?: boolean;
  timeoutMs?: number;
}

/** One session with a remote MCP server. */
export interface Upstream {
  /** The wire protocol, for logs (e.g. `streamable-http`, `sse`). */
  readonly kind: string;
  /** Short name for logs: kind and a serial number, never a session id. */
  readonly label: string;
  /** Whether this upstream was replaced or closed. */
  readonly retired: boolean;
  /** Opens what carries the session (not the MCP handshake: that is the first message sent). */
  start(): Promise<void>;
  /** Sends one message; rejects with a `BridgeError` when the server could not take it. */
  send(message: JSONRPCMessage): Promise<void>;
  /** The protocol version the server agreed to in `initialize`, for the requests that follow. */
  setProtocolVersion(version: string): void;
  /**
   * Resolves once the server can send requests of its own on this session (or after `timeoutMs`); never rejects.
   * Servers drop server-to-client requests sent before that, so the client's next messages wait for it.
   */
  listening(timeoutMs: number): Promise<void>;
  /** What a failure of {@link Upstream.send} on this session says about the session. */
  sessionVerdict(error: unknown): SessionVerdict;
  /** Retires the upstream: no more events except responses. Idempotent. */
  close(options?: UpstreamCloseOptions): Promise<void>;
}

/** What {@link UpstreamConnector} needs to open a session. */
export interface OpenRequest {
  /** The `initialize` request that opens the session (the client's, or its replay under a bridge-owned id). */
  initialize: JSONRPCMessage;
  /** Where the new upstream reports. */
  events: UpstreamEvents;
  /** Called with each upstream tried, just before `initialize` is sent on it. */
  onSend?: (upstream: Upstream) => void;
}

/**
 * Opens sessions with one server: the factory the Bridge is given. Which wire protocol to use, and falling back
 * from one to another, is the connector's business.
 */
export interface UpstreamConnector {
  /**
   * Opens a session and sends `initialize` on it; resolves with the upstream once the server took the request
   * (its answer arrives as a message). Rejects with the reason the last attempt failed.
   */
  open(request: OpenRequest): Promise<Upstream>;
  /** Opens a replacement for a lost session the way the last successful {@link open} did, without fallback. */
  reopen(request: OpenRequest): Promise<Upstream>;
}
