/**
 * An in-memory storage adapter for one oidc-provider instance. Unlike the provider's built-in development adapter
 * (one module-wide store, no way to look inside), each fixture gets its own store, and tests can make the provider
 * forget things: a registered client, or every grant with the tokens issued under it.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';

/** Models whose stored instances belong to a grant (revoked with it). */
const GRANT_BOUND = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

interface Entry {
  model: string;
  id: string;
  payload: AdapterPayload;
  /** Epoch milliseconds; `Infinity` when the provider gave no lifetime. */
  expiresAt: number;
}

/** Storage shared by every model adapter of one provider. */
export class MemoryStore {
  readonly #entries = new Map<string, Entry>();

  /** The `adapter` configuration value: a factory giving one {@link Adapter} per model name. */
  readonly adapterFactory = (model: string): Adapter => new ModelAdapter(model, this);

  /** Live (unexpired) entries of `model`. */
  entries(model: string): AdapterPayload[] {
    return this.#live().filter((entry) => entry.model === model).map((entry) => entry.payload);
  }

  /** Deletes one stored instance; true when it existed. */
  delete(model: string, id: string): boolean {
    return this.#entries.delete(key(model, id));
  }

  /**
   * Deletes every grant and every code and token issued under one; returns how many grants there were.
   * JWT access tokens are not stored, so they stay valid at a resource server until they expire.
   */
  revokeAllGrants(): number {
    let grants = 0;
    for (const [k, entry] of this.#entries) {
      if (entry.model === 'Grant') grants++;
      if (entry.model === 'Grant' || (GRANT_BOUND.has(entry.model) && entry.payload.grantId !== undefined)) {
        this.#entries.delete(k);
      }
    }
    return grants;
  }

  /** @internal */
  get(model: string, id: string): Entry | undefined {
    const entry = this.#entries.get(key(model, id));
    if (entry && entry.expiresAt <= Date.now()) {
      this.#entries.delete(key(model, id));
      return undefined;
    }
    return entry;
  }

  /** @internal */
  set(model: string, id: string, payload: AdapterPayload, expiresIn: number | undefined): void {
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    this.#entries.set(key(model, id), { model, id, payload, expiresAt });
  }

  /** @internal */
  find(model: string, predicate: (payload: AdapterPayload) => boolean): AdapterPayload | undefined {
    return this.#live().find((entry) => entry.model === model && predicate(entry.payload))?.payload;
  }

  /** @internal */
  revokeGrant(model: string, grantId: string): void {
    for (const [k, entry] of this.#entries) {
      if (entry.model === model && entry.payload.grantId === grantId) this.#entries.delete(k);
    }
  }

  #live(): Entry[] {
    const now = Date.now();
    const live: Entry[] = [];
    for (const [k, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(k);
      else live.push(entry);
    }
    return live;
  }
}

function key(model: string, id: string): string {
  return `${model}:${id}`;
}

class ModelAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly store: MemoryStore,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void> {
    this.store.set(this.model, id, payload, expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.store.get(this.model, id)?.payload;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.store.find(this.model, (payload) => payload.uid === uid);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.store.find(this.model, (payload) => payload.userCode === userCode);
  }

  async consume(id: string): Promise<void> {
    const entry = this.store.get(this.model, id);
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.store.delete(this.model, id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.store.revokeGrant(this.model, grantId);
  }
}
