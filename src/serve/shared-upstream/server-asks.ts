/**
 * The requests a shared server sends to "its client" (sampling, elicitation, roots: MCP 2025-11-25 client features):
 * which of the sharing sessions each is for, and the table of those sent, so that only that session's answer goes
 * back, the server's cancellation reaches it, and a session that ends has its open ones refused.
 *
 * The session a request is for: the owner of the task it is made for (tasks.ts), else the one session with a request
 * in flight (the server asks while serving it), else the only session; otherwise no one session is, and the request
 * is refused rather than answered by a client it was not meant for.
 */
import type { RequestId } from '../../protocol/jsonrpc.js';

/** Where a server request goes: a session, or why none. */
export type AskRoute<S> = { to: S; why?: undefined } | { to?: undefined; why: string };

/** Sessions as the routing sees them. */
interface Asked {
  readonly inFlight: number;
}

/** The server requests of one shared server. See the module comment. */
export class ServerAsks<S extends Asked> {
  /** By the server's id as text: the session asked, and the id as the server gave it. */
  readonly #open = new Map<string, { session: S; id: RequestId }>();

  /** The session `method` is for among `sessions` (`taskOwner`: the owner of its related task, if known). */
  route(method: string, sessions: readonly S[], taskOwner: S | undefined): AskRoute<S> {
    if (taskOwner) return { to: taskOwner };
    const busy = sessions.filter((s) => s.inFlight > 0);
    if (busy.length === 1) return { to: busy[0]! };
    if (sessions.length === 1) return { to: sessions[0]! };
    return {
      why:
        busy.length === 0
          ? `no client session sharing this server has a request in progress, so none is the one ${method} is for`
          : `${busy.length} client sessions sharing this server have requests in progress, so the one ${method} is for is not known`,
    };
  }

  /** The server's request `id` went to `session`. */
  sent(id: RequestId, session: S): void {
    this.#open.set(String(id), { session, id });
  }

  /** `session` answers `id`: true (and forgotten) when it was the one asked. */
  answered(id: RequestId, session: S): boolean {
    const key = String(id);
    if (this.#open.get(key)?.session !== session) return false;
    this.#open.delete(key);
    return true;
  }

  /** The server cancelled its request `id`: the session it went to, if still open. */
  cancelled(id: unknown): S | undefined {
    const key = String(id);
    const open = this.#open.get(key);
    this.#open.delete(key);
    return open?.session;
  }

  /** `session` is gone: the ids (as the server gave them) of the requests it will not answer. */
  leave(session: S): RequestId[] {
    const ids: RequestId[] = [];
    for (const [key, open] of this.#open) {
      if (open.session !== session) continue;
      this.#open.delete(key);
      ids.push(open.id);
    }
    return ids;
  }
}
