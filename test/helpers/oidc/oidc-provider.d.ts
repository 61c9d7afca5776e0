/**
 * The slice of `oidc-provider` 9 that the fixtures use. The package ships no types and `@types/oidc-provider`
 * lags behind 9.x, so these are declared here, narrowly: only what test/helpers/oidc calls.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** What an adapter stores for one model instance (token, grant, session, client, …). */
  export type AdapterPayload = Record<string, unknown> & {
    grantId?: string;
    uid?: string;
    userCode?: string;
    consumed?: number;
  };

  /** The storage interface oidc-provider calls, one instance per model name. */
  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  /** A registered client as the provider sees it (only what the fixtures read). */
  export interface Client {
    clientId: string;
    grantTypeAllowed(grantType: string): boolean;
  }

  /** A resource server (RFC 8707) a token is issued for. */
  export class ResourceServer {
    constructor(identifier: string, data: Record<string, unknown>);
    readonly audience: string;
    readonly scope: string;
  }

  /** An access token under construction (custom grants). */
  export interface AccessTokenInstance {
    resourceServer?: ResourceServer;
    scope?: string;
    readonly expiration: number;
    readonly tokenType: string;
    save(): Promise<string>;
  }

  /** The `ctx.oidc` request context (only what the fixtures read). */
  export interface OIDCContext {
    route?: string;
    params?: Record<string, unknown>;
    body?: Record<string, unknown>;
    client?: Client;
    /** The provider serving the request. */
    provider: Provider;
  }

  /** A Koa context as oidc-provider extends it. */
  export interface KoaContextWithOIDC {
    method: string;
    path: string;
    status: number;
    body: unknown;
    oidc?: OIDCContext;
  }

  export type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

  /** The configuration object; deliberately loose (see the provider's own documentation for each key). */
  export type Configuration = Record<string, unknown>;

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    proxy: boolean;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: Middleware): this;
    on(event: string, listener: (...args: any[]) => void): this;
    readonly Client: { readonly adapter: Adapter; find(id: string): Promise<Client | undefined> };
    readonly AccessToken: new (properties: { accountId?: string; client: Client; gty?: string; scope?: string }) => AccessTokenInstance;
    readonly ResourceServer: typeof ResourceServer;
    /** Adds a grant type at the token endpoint: `params` are the body parameters it reads; `dupes` those that may repeat. */
    registerGrantType(name: string, handler: (ctx: KoaContextWithOIDC) => Promise<void>, params?: string | readonly string[], dupes?: string | readonly string[]): void;
  }

  export default Provider;

  export const errors: {
    InvalidTarget: new (description?: string) => Error;
    InvalidGrant: new (description?: string) => Error;
    InvalidRequest: new (description?: string) => Error;
  };
}
