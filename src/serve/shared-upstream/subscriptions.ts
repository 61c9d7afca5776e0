/**
 * Resource subscriptions (MCP 2025-11-25, server/resources#subscriptions) on a server that several sessions share:
 * the server sees one subscription per URI however many sessions hold one, and `notifications/resources/updated`
 * reaches only the sessions that subscribed to its URI.
 */

/** The subscriptions of the sessions `S` sharing one server, counted per URI. See the module comment. */
export class SharedSubscriptions<S> {
  readonly #holders = new Map<string, Set<S>>();

  /**
   * `session` subscribes to `uri`: true when the server must hear of it (the first holder); false when the server
   * already holds the subscription (or the session already did), so the answer is ours.
   */
  subscribe(session: S, uri: string): boolean {
    let holders = this.#holders.get(uri);
    if (!holders) this.#holders.set(uri, (holders = new Set()));
    if (holders.has(session)) return false;
    holders.add(session);
    return holders.size === 1;
  }

  /**
   * `session` unsubscribes from `uri`: true when the server must hear of it (the session was the last holder);
   * false when others still hold it, or the session held none.
   */
  unsubscribe(session: S, uri: string): boolean {
    const holders = this.#holders.get(uri);
    if (!holders?.delete(session)) return false;
    if (holders.size > 0) return false;
    this.#holders.delete(uri);
    return true;
  }

  /** The sessions subscribed to `uri`. */
  holdersOf(uri: string): S[] {
    return [...(this.#holders.get(uri) ?? [])];
  }

  /** `session` is gone: drops its subscriptions and returns the URIs the server must now unsubscribe from. */
  leave(session: S): string[] {
    const last: string[] = [];
    for (const [uri, holders] of this.#holders) {
      if (!holders.delete(session) || holders.size > 0) continue;
      this.#holders.delete(uri);
      last.push(uri);
    }
    return last;
  }
}
