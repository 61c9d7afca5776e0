/**
 * What the provider fixture saw: every HTTP request (route, status) and every token endpoint call (grant type,
 * client, outcome), recorded by a Koa middleware around the provider's own. Token values are never recorded.
 */
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';

/** One HTTP request to the provider. */
export interface ProviderRequest {
  method: string;
  /** Path without the query string, e.g. `/auth`. */
  path: string;
  /** oidc-provider's route name (`authorization`, `resume`, `token`, `registration`, `discovery`, …), if matched. */
  route?: string;
  status: number;
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
  reset(): void;
}

/** Installs the recording middleware on `provider` and returns its logs. */
export function recordProviderTraffic(provider: Provider): ProviderTraffic {
  const requests: ProviderRequest[] = [];
  const tokenRequests: TokenRequestRecord[] = [];
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
      requests.push({ method: ctx.method, path: ctx.path, route, status: ctx.status });
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
    reset() {
      requests.length = 0;
      tokenRequests.length = 0;
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
