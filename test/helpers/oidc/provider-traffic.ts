/**
 * What the provider fixture saw: every HTTP request (route, status, parameter names) and every token endpoint call
 * (grant type, client, outcome), recorded by a Koa middleware around the provider's own. Token and secret values are
 * never recorded: only SHA-256 digests of every value received, so a test can ask whether one was ({@link
 * ProviderTraffic.received}).
 */
import { createHash } from 'node:crypto';
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';

/** One HTTP request to the provider. */
export interface ProviderRequest {
  method: string;
  /** Path without the query string, e.g. `/auth`. */
  path: string;
  /** oidc-provider's route name (`authorization`, `resume`, `token`, `registration`, `discovery`, …), if matched. */
  route?: string;
  status: number;
  /** Names of the query and form-body parameters it carried (e.g. `resource`), never their values. */
  params: string[];
}

/** One call to the token endpoint. */
export interface TokenRequestRecord {
  /** `grant_type` as sent (`authorization_code`, `refresh_token`, …); `unknown` if absent. */
  grantType: string;
  /** When the provider answered it, epoch ms. */
  at: number;
  /** The authenticated (or claimed) client, when the provider got that far. */
  clientId?: string;
  status: number;
  /** The OAuth `error` code of a failed call, e.g. `invalid_grant`. */
  error?: string;
  /** The `error_description` of a failed call as sent (oidc-provider often says only `grant request is invalid`). */
  errorDescription?: string;
  /**
   * The provider's internal detail of a failed call, never sent to the client: e.g. `refresh token already used`
   * (a rotated token presented again: the grant is now revoked), `refresh token not found`, `grant not found`.
   */
  errorDetail?: string;
}

/** Live counts derived from the logs (read them when asserting; they keep counting). */
export interface ProviderCounters {
  /** Authorization requests started: hits on the authorization endpoint (`/auth`), not the login resumes. */
  readonly authorizationRequests: number;
  /** Token endpoint calls by grant type, failed ones included, e.g. `{ authorization_code: 1, refresh_token: 2 }`. */
  readonly tokenRequests: Readonly<Record<string, number>>;
  /** Shorthand for `tokenRequests.refresh_token ?? 0`. */
  readonly refreshTokenRequests: number;
  /** Successful dynamic client registrations (POST `/reg` answered 201). */
  readonly registrations: number;
  /** Requests to either discovery document (`/.well-known/openid-configuration`, `/.well-known/oauth-authorization-server`). */
  readonly discoveryRequests: number;
}

/** The logs and counters of one provider. */
export interface ProviderTraffic {
  readonly requests: ProviderRequest[];
  readonly tokenRequests: TokenRequestRecord[];
  readonly counters: ProviderCounters;
  /**
   * Whether any request carried `value` (a query or body parameter, or a credential in the `Authorization` header:
   * Basic user or password, Bearer token). Compared by digest; the value itself is never kept.
   */
  received(value: string): boolean;
  reset(): void;
}

/** The Koa request parts read here (the local oidc-provider typings do not declare them). */
type KoaRequestParts = { query?: Record<string, unknown>; headers?: Record<string, string | string[] | undefined> };
const queryOf = (ctx: KoaContextWithOIDC) => (ctx as unknown as KoaRequestParts).query ?? {};

const digest = (value: string) => createHash('sha256').update(value).digest('hex');

/** Every value a request carried, for {@link ProviderTraffic.received}. */
function valuesOf(ctx: KoaContextWithOIDC): string[] {
  const values: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string') values.push(v);
    else if (Array.isArray(v)) for (const x of v) add(x);
  };
  for (const v of Object.values(queryOf(ctx))) add(v);
  const body = ctx.oidc?.body;
  if (body && typeof body === 'object') for (const v of Object.values(body)) add(v);
  const header = (ctx as unknown as KoaRequestParts).headers?.authorization;
  const [scheme, credentials] = (typeof header === 'string' ? header : '').split(' ');
  if (scheme?.toLowerCase() === 'basic' && credentials) {
    const [user, password] = Buffer.from(credentials, 'base64').toString('utf8').split(':');
    for (const part of [user, password]) {
      if (part === undefined) continue;
      add(part);
      try {
        add(decodeURIComponent(part.replace(/\+/g, ' ')));
      } catch {
        // not form-encoded: the raw value was added
      }
    }
  } else if (credentials) {
    add(credentials);
  }
  return values;
}

function paramNames(ctx: KoaContextWithOIDC): string[] {
  const body = ctx.oidc?.body;
  return [...new Set([...Object.keys(queryOf(ctx)), ...(body && typeof body === 'object' ? Object.keys(body) : [])])];
}

/** Installs the recording middleware on `provider` and returns its logs. */
export function recordProviderTraffic(provider: Provider): ProviderTraffic {
  const requests: ProviderRequest[] = [];
  const tokenRequests: TokenRequestRecord[] = [];
  const seen = new Set<string>();
  const countRoute = (predicate: (r: ProviderRequest) => boolean) => requests.filter(predicate).length;
  const details = new WeakMap<object, string>();
  provider.on('grant.error', (ctx: object, error: { error_detail?: unknown }) => {
    if (typeof error?.error_detail === 'string') details.set(ctx, error.error_detail);
  });

  provider.use(async (ctx, next) => {
    try {
      await next();
    } finally {
      const route = ctx.oidc?.route;
      requests.push({ method: ctx.method, path: ctx.path, route, status: ctx.status, params: paramNames(ctx) });
      for (const value of valuesOf(ctx)) seen.add(digest(value));
      if (route === 'token') tokenRequests.push(describeTokenRequest(ctx, details.get(ctx)));
    }
  });

  const counters: ProviderCounters = {
    get authorizationRequests() {
      return countRoute((r) => r.route === 'authorization');
    },
    get tokenRequests() {
      const byGrant: Record<string, number> = {};
      for (const { grantType } of tokenRequests) byGrant[grantType] = (byGrant[grantType] ?? 0) + 1;
      return byGrant;
    },
    get refreshTokenRequests() {
      return tokenRequests.filter((t) => t.grantType === 'refresh_token').length;
    },
    get registrations() {
      return countRoute((r) => r.route === 'registration' && r.method === 'POST' && r.status === 201);
    },
    get discoveryRequests() {
      return countRoute((r) => r.route === 'discovery');
    },
  };

  return {
    requests,
    tokenRequests,
    counters,
    received: (value) => seen.has(digest(value)),
    reset() {
      requests.length = 0;
      tokenRequests.length = 0;
      seen.clear();
    },
  };
}

function describeTokenRequest(ctx: KoaContextWithOIDC, errorDetail: string | undefined): TokenRequestRecord {
  const grantType = ctx.oidc?.params?.grant_type ?? ctx.oidc?.body?.grant_type;
  const record: TokenRequestRecord = {
    grantType: typeof grantType === 'string' ? grantType : 'unknown',
    at: Date.now(),
    status: ctx.status,
  };
  const clientId = ctx.oidc?.client?.clientId;
  if (clientId !== undefined) record.clientId = clientId;
  const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
  if (body && typeof body === 'object' && typeof body.error === 'string') {
    record.error = body.error;
    if (typeof body.error_description === 'string') record.errorDescription = body.error_description;
    if (errorDetail !== undefined) record.errorDetail = errorDetail;
  }
  return record;
}
