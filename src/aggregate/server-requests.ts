/**
 * Requests servers send to the client (sampling, elicitation, roots) under ids the client cannot confuse: each
 * server numbers its own requests, so two servers may both send id 1. Each request reaches the client under a
 * fresh id of the aggregator; the client's answer goes back to the server that asked, under the server's id. A
 * progress token in such a request is renamed the same way, so the client's progress notifications find their
 * server, and a server's cancellation of its request reaches the client under the id the client knows.
 */
import type { RequestId } from '../protocol/jsonrpc.js';

/** Where a renamed id or token came from. */
export interface Origin<M> {
  member: M;
  /** The server's own id (or progress token). */
  original: RequestId;
}

/** Bound on server requests awaiting the client's answer, across servers; the oldest is forgotten beyond it. */
const MAX_OPEN = 4_096;

/** The renaming tables of server-to-client requests. See the module comment. */
export class ServerRequests<M> {
  readonly #byClientId = new Map<string, Origin<M> & { token?: string }>();
  readonly #tokens = new Map<string, Origin<M>>();
  #serial = 0;

  /**
   * Renames a server's request for the client: returns the message to send (a copy, with a fresh id and, when it
   * asks for progress, a fresh token).
   */
  toClient(member: M, message: Record<string, unknown>): Record<string, unknown> {
    const id = `s${++this.#serial}`;
    const copy: Record<string, unknown> = { ...message, id };
    const params = message.params as { _meta?: { progressToken?: unknown } } | undefined;
    const token = params?._meta?.progressToken;
    let renamed: string | undefined;
    if (typeof token === 'string' || typeof token === 'number') {
      renamed = `p${this.#serial}`;
      this.#tokens.set(renamed, { member, original: token });
      copy.params = { ...params, _meta: { ...params!._meta, progressToken: renamed } };
    }
    this.#byClientId.set(id, { member, original: message.id as RequestId, ...(renamed ? { token: renamed } : {}) });
    if (this.#byClientId.size > MAX_OPEN) this.#forget(this.#byClientId.keys().next().value as string);
    return copy;
  }

  /** The client answered `id`: where the answer goes, under which id. Forgets the request. */
  answered(id: RequestId): Origin<M> | undefined {
    const origin = this.#byClientId.get(String(id));
    if (origin) this.#forget(String(id));
    return origin;
  }

  /** The client's progress token `token` for a server's request: its server and original token. */
  progress(token: RequestId): Origin<M> | undefined {
    return this.#tokens.get(String(token));
  }

  /** The id the client knows for a server's own request `original` (for its cancellation). */
  clientIdOf(member: M, original: RequestId): string | undefined {
    for (const [id, origin] of this.#byClientId) if (origin.member === member && origin.original === original) return id;
    return undefined;
  }

  /** Forgets every request of `member` (removed or restarted); returns the client ids it had open. */
  dropMember(member: M): string[] {
    const ids: string[] = [];
    for (const [id, origin] of this.#byClientId) {
      if (origin.member !== member) continue;
      ids.push(id);
      this.#forget(id);
    }
    return ids;
  }

  #forget(id: string): void {
    const origin = this.#byClientId.get(id);
    this.#byClientId.delete(id);
    if (origin?.token) this.#tokens.delete(origin.token);
  }
}
