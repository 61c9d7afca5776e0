/**
 * Where this instance last relayed each session's requests, so that the next request of a session it does not hold
 * goes to the holder at once, without reading the session's record in Redis first: the relay's cost is then the
 * pub/sub round trip alone. A route is a hint, never trusted for access: it keeps the owner the record named, and
 * a request of anyone else goes through the record again. It is dropped as soon as the holder is gone or answers
 * that it does not hold the session (closed, or taken over elsewhere: a relay's `misdirected` outcome), and the
 * request is routed from the record. Bounded: the least recently used routes go first.
 */
import type { HeldRecord } from './types.js';

/** Routes kept at most. */
export const MAX_SESSION_ROUTES = 10_000;

/** One session's route. */
export interface SessionRoute {
  instance: string;
  owner: HeldRecord['owner'];
}

/** See the module comment. */
export class SessionRoutes {
  readonly #routes = new Map<string, SessionRoute>();
  readonly #max: number;

  constructor(max = MAX_SESSION_ROUTES) {
    this.#max = max;
  }

  /** The route of session `id`, if one is known (and it becomes the most recently used). */
  get(id: string): SessionRoute | undefined {
    const route = this.#routes.get(id);
    if (route) {
      this.#routes.delete(id);
      this.#routes.set(id, route);
    }
    return route;
  }

  /** Notes that session `id`'s requests went to `route`. */
  set(id: string, route: SessionRoute): void {
    this.#routes.delete(id);
    this.#routes.set(id, route);
    if (this.#routes.size > this.#max) this.#routes.delete(this.#routes.keys().next().value!);
  }

  /** Forgets session `id`'s route. */
  delete(id: string): void {
    this.#routes.delete(id);
  }

  get size(): number {
    return this.#routes.size;
  }
}
