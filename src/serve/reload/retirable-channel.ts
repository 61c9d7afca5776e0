/**
 * The client side of a session of one server alone (`/servers/<name>/mcp`) served by a plain Bridge, which cannot
 * change under its client. When a reload changes or removes the server, or takes it from the user, the session is
 * retired: its Bridge is closed (the upstream session ended) while the client's channel stays open, and every
 * request that still comes on it is answered at once with an error that says to open a new session — never left
 * without an answer, never forwarded.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ClientChannel } from '../../bridge/bridge.js';
import { ErrorCode } from '../../errors.js';
import { classify, errorResponse, RpcErrorCode } from '../../protocol/jsonrpc.js';

/** A {@link ClientChannel} in front of the session's own, which a reload can retire; see the module comment. */
export class RetirableChannel implements ClientChannel {
  readonly #inner: ClientChannel;
  #retired: string | undefined;

  constructor(inner: ClientChannel) {
    this.#inner = inner;
  }

  get onmessage(): ClientChannel['onmessage'] {
    return this.#inner.onmessage;
  }
  set onmessage(handler: ClientChannel['onmessage']) {
    if (this.#retired === undefined) this.#inner.onmessage = handler;
  }
  get onerror(): ClientChannel['onerror'] {
    return this.#inner.onerror;
  }
  set onerror(handler: ClientChannel['onerror']) {
    this.#inner.onerror = handler;
  }
  get onclose(): ClientChannel['onclose'] {
    return this.#inner.onclose;
  }
  set onclose(handler: ClientChannel['onclose']) {
    this.#inner.onclose = handler;
  }
  get oninputend(): ClientChannel['oninputend'] {
    return this.#inner.oninputend;
  }
  set oninputend(handler: ClientChannel['oninputend']) {
    this.#inner.oninputend = handler;
  }

  /** Whether the session was retired. */
  get retired(): boolean {
    return this.#retired !== undefined;
  }

  start(): Promise<void> {
    return this.#inner.start();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.#inner.send(message);
  }

  sendRaw(json: string | Uint8Array, message?: JSONRPCMessage): Promise<void> {
    if (this.#inner.sendRaw) return this.#inner.sendRaw(json, message);
    return this.#inner.send(message ?? (JSON.parse(typeof json === 'string' ? json : Buffer.from(json).toString('utf8')) as JSONRPCMessage));
  }

  ready(): Promise<void> | undefined {
    return this.#inner.ready?.();
  }

  /** Closes the client's channel, unless the session was retired (then the channel outlives the engine). */
  async close(): Promise<void> {
    if (this.#retired === undefined) await this.#inner.close();
  }

  /**
   * Retires the session: from now on every request is answered with an error that gives `why`, and nothing is
   * forwarded. Call before closing the engine, so its close leaves the client's channel open.
   */
  retire(why: string): void {
    if (this.#retired !== undefined) return;
    this.#retired = why;
    const message = `${why}: this session is over; open a new session`;
    this.#inner.onmessage = (m) => {
      const c = classify(m);
      if (c.kind === 'request') void this.#inner.send(errorResponse(c.id, RpcErrorCode.ConnectionClosed, message, { code: ErrorCode.ServerUnavailable }));
    };
  }

  /** Closes the client's channel of a retired session (when the front ends the session). */
  async end(): Promise<void> {
    await this.#inner.close();
  }
}
