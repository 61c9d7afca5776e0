/**
 * The one error type the product throws on purpose. Callers branch on {@link BridgeError.code}, never on message
 * text; the CLI entry maps codes to exit codes and prints `message` (plus `hint`) for the user.
 */

/** Stable error codes. Their strings are part of the product's interface (logs, `--json` output, docs). */
export const ErrorCode = {
  /** A command-line option or environment variable has a value the tool cannot use. */
  Usage: 'USAGE',
  /** A configuration file (header file, config) could not be read or parsed. */
  Config: 'CONFIG',
  /** The remote server could not be reached (DNS, refused, TLS, proxy, connect timeout). */
  Connect: 'CONNECT',
  /** The remote server answered with an HTTP status or body the bridge cannot use. */
  UpstreamHttp: 'UPSTREAM_HTTP',
  /** The remote server forgot the MCP session (404 on a request that carried `Mcp-Session-Id`). */
  SessionLost: 'SESSION_LOST',
  /** The response stream for a request ended before its response arrived. */
  StreamLost: 'STREAM_LOST',
  /** A request got no answer within `--request-timeout`. */
  RequestTimeout: 'REQUEST_TIMEOUT',
  /** The bridge is shutting down and will not forward more requests. */
  Closed: 'CLOSED',
  /** A message from the server is over `--max-server-message-size` (or nested too deeply to pass on). */
  MessageTooLarge: 'MESSAGE_TOO_LARGE',
  /** A local (stdio) server's command could not be started (not found, not executable, bad working directory). */
  LocalServerStart: 'LOCAL_SERVER_START',
  /** A line on stdin is not a JSON-RPC message. */
  BadInput: 'BAD_INPUT',
  /** Authorization failed or was refused (details in the message; never a secret). */
  Auth: 'AUTH',
  /** The credential store (keychain or files) failed. */
  Store: 'STORE',
  /** A server of a `--config` aggregate cannot take the request now (connecting, waiting for a login, failed, removed). */
  ServerUnavailable: 'SERVER_UNAVAILABLE',
  /** The request names a tool, prompt or resource no server of the aggregate has, or one its filter hides. */
  UnknownTarget: 'UNKNOWN_TARGET',
  /**
   * `serve`, `"sessions": "shared"`: a server asked its client something (sampling, elicitation, roots) while none or
   * several of the sessions sharing it had a request in progress, so no one client is the one it asks.
   */
  Unroutable: 'UNROUTABLE',
  /** An invariant the code relies on did not hold: a bug. */
  Internal: 'INTERNAL',
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Options for {@link BridgeError}. */
export interface BridgeErrorOptions {
  /** The lower-level error or evidence (an HTTP status, a `Response`, a system error). Never a secret. */
  cause?: unknown;
  /** What the user can do about it, one sentence. Printed after the message. */
  hint?: string;
  /** HTTP status of the upstream answer that caused this error, when there was one. */
  status?: number;
}

/**
 * An error with a stable {@link ErrorCode}, an optional user-facing `hint`, and the evidence in `cause`.
 * Messages name what failed and never contain tokens, codes, verifiers or client secrets.
 */
export class BridgeError extends Error {
  override readonly name = 'BridgeError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly status: number | undefined;

  constructor(code: ErrorCode, message: string, options: BridgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.status = options.status;
  }
}

/** Whether `error` is a {@link BridgeError}, optionally with the given code. */
export function isBridgeError(error: unknown, code?: ErrorCode): error is BridgeError {
  return error instanceof BridgeError && (code === undefined || error.code === code);
}

/** A one-line description of any thrown value, for logs and JSON-RPC error messages. */
export function describeError(error: unknown): string {
  if (error instanceof BridgeError) return error.hint ? `${error.message} (${error.hint})` : error.message;
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
