/**
 * The shared upstreams of `serve` (`"sessions": "shared"`), one per (user, server) — never one across users — and
 * the backend each session of a user is given for such a server: its pipe is a session of the upstream the user's
 * other sessions hold, or of a new one when none is open (or the open one is closing).
 */
import type { MemberBackend } from '../../aggregate/types.js';
import type { Logger } from '../../log.js';
import { SharedUpstream } from './shared-upstream.js';

/** Options for {@link SharedUpstreams}. */
export interface SharedUpstreamsOptions {
  logger: Logger;
  /** How long a server outlives its user's last session (shared-upstream.ts). */
  graceMs?: number;
}

/** The shared upstreams by (user, server). See the module comment. */
export class SharedUpstreams {
  readonly #o: SharedUpstreamsOptions;
  readonly #open = new Map<string, { server: string; upstream: SharedUpstream }>();

  constructor(options: SharedUpstreamsOptions) {
    this.#o = options;
  }

  /**
   * The backend of one session of `user` to `server`: its pipe is a session of their shared upstream, made with
   * `make` (the server's own backend: a Bridge over a new process) when none is open.
   */
  backendFor(o: { user: string; server: string; make: () => MemberBackend; logger: Logger }): MemberBackend {
    return {
      open: (channel) => this.#upstreamOf(o).attach(channel, o.logger),
      waitingFor: () => undefined,
      // The upstream outlives any one session: it closes after its last session leaves.
      close: async () => undefined,
    };
  }

  /**
   * Servers whose entry changed or went (a reload): their upstreams are no longer handed out, so the next session
   * gets one made from the new entry; the sessions on the old one keep it until they leave.
   */
  forget(servers: ReadonlySet<string>): void {
    for (const [key, { server }] of this.#open) if (servers.has(server)) this.#open.delete(key);
  }

  /** Ends every shared upstream now (serve's shutdown). */
  async close(): Promise<void> {
    const all = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(all.map(({ upstream }) => upstream.close()));
  }

  #upstreamOf(o: { user: string; server: string; make: () => MemberBackend; logger: Logger }): SharedUpstream {
    const key = `${o.user}\0${o.server}`;
    const open = this.#open.get(key);
    if (open && !open.upstream.closing) return open.upstream;
    const entry = { server: o.server, upstream: undefined as unknown as SharedUpstream };
    entry.upstream = new SharedUpstream({
      backend: o.make(),
      logger: this.#o.logger.child({ name: o.server }),
      ...(this.#o.graceMs !== undefined ? { graceMs: this.#o.graceMs } : {}),
      onClosed: () => {
        if (this.#open.get(key) === entry) this.#open.delete(key);
      },
    });
    this.#open.set(key, entry);
    this.#o.logger.debug(`${o.server}: one process for all of a user's sessions ("sessions": "shared")`);
    return entry.upstream;
  }
}
