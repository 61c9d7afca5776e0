/**
 * Scenario → what the MCP client does through the bridge, and which bridge options a user would give for it.
 *
 * The conformance runner starts each client scenario's servers and runs our driver with the server URL; scenarios
 * that need configuration (pre-registered credentials, client keys, an enterprise ID token) pass it as JSON in
 * `MCP_CONFORMANCE_CONTEXT`. This table maps that context onto the bridge's real command-line options and
 * environment variables — the ones a user would put in an MCP client configuration — and nothing else.
 *
 * `known` records why a scenario is expected to fail today (see test/conformance/README.md): the runner prints it
 * next to the failure, and with `--baseline` does not fail the run for it (but does fail when such a scenario
 * starts passing, so the entry gets removed).
 */

/** The JSON in `MCP_CONFORMANCE_CONTEXT` (fields depend on the scenario). */
export interface ConformanceContext {
  name?: string;
  client_id?: string;
  client_secret?: string;
  /** auth/client-credentials-jwt: a PKCS#8 PEM private key for `private_key_jwt`. */
  private_key_pem?: string;
  signing_algorithm?: string;
  /** auth/cross-app-access-complete-flow (SEP-990): the enterprise IdP side. */
  idp_client_id?: string;
  idp_id_token?: string;
  idp_issuer?: string;
  idp_token_endpoint?: string;
}

/** What the driver (the MCP client) does once the bridge is spawned. */
export type ClientScript =
  /** initialize, tools/list. */
  | 'list'
  /** initialize, tools/list, tools/call `test-tool` (the auth scenarios' server). */
  | 'auth'
  /** initialize, tools/list, tools/call `add_numbers` {a: 5, b: 3} and check the sum. */
  | 'add-numbers'
  /** A client with `elicitation.form.applyDefaults` that accepts with empty content; calls the elicitation tool. */
  | 'elicitation-defaults'
  /** tools/call `test_reconnection`, whose answer only arrives on a resumed SSE stream. */
  | 'sse-reconnect';

/** Why a scenario is expected to fail with the current bridge. */
export interface KnownFailure {
  kind: 'missing feature' | 'product bug' | 'suite defect';
  /** One line for the summary table. */
  why: string;
}

/** What the driver offers a plan while it builds the bridge's command line. */
export interface PlanTools {
  serverUrl: URL;
  /** Whether the bridge under test has this option (read from its `--help`): features are picked up as they land. */
  supports: (option: string) => boolean;
  /** Writes `content` to a 0600 file in the scenario's private temp directory and returns its path. */
  secretFile: (name: string, content: string) => string;
}

/** One row of the table. */
export interface ScenarioPlan {
  client: ClientScript;
  /** Bridge options beyond the common ones (see the driver), from the scenario's context. */
  args?: (ctx: ConformanceContext, tools: PlanTools) => string[];
  /** Environment for the bridge (secrets go here, as a user's config `env` block would carry them). */
  env?: (ctx: ConformanceContext, tools: PlanTools) => Record<string, string>;
  known?: KnownFailure;
  /** Timing-sensitive: the runner runs it with no other scenario in parallel. */
  alone?: boolean;
}

/** The client ID metadata document URL the auth/basic-cimd scenario expects as client_id. */
export const CIMD_URL = 'https://conformance-test.local/client-metadata.json';

function need(ctx: ConformanceContext, key: keyof ConformanceContext): string {
  const value = ctx[key];
  if (typeof value !== 'string' || !value) throw new Error(`MCP_CONFORMANCE_CONTEXT has no ${key} for ${ctx.name ?? 'this scenario'}`);
  return value;
}

/** `--client-id` from the context; the secret goes in `OIDC_CLIENT_SECRET`, as the README recommends over argv. */
const preRegistered: Pick<ScenarioPlan, 'args' | 'env'> = {
  args: (ctx) => ['--client-id', need(ctx, 'client_id')],
  env: (ctx) => ({ OIDC_CLIENT_SECRET: need(ctx, 'client_secret') }),
};

export const SCENARIOS: Record<string, ScenarioPlan> = {
  // ── core: the pipe ────────────────────────────────────────────────────────────────────────────────
  initialize: { client: 'list' },
  tools_call: { client: 'add-numbers' },
  // The fixture sends elicitation/create with server.request(), not tied to the tools/call, so the SDK server puts
  // it on the standalone GET stream, or drops it when that stream is not open yet (no event store). The client's
  // transport opens that stream after notifications/initialized, and the bridge holds the client's next requests
  // until the server has answered it, so the tools/call goes right after connecting, as a real client's would.
  'elicitation-sep1034-client-defaults': { client: 'elicitation-defaults' },
  // Checks reconnection timing to ±50/200 ms: run alone on these 2-core machines.
  'sse-retry': { client: 'sse-reconnect', alone: true },

  // ── auth (2025-11-25): discovery, registration, scopes — nothing to configure ────────────────────
  'auth/metadata-default': { client: 'auth' },
  'auth/metadata-var1': { client: 'auth' },
  'auth/metadata-var2': { client: 'auth' },
  'auth/metadata-var3': { client: 'auth' },
  'auth/scope-from-www-authenticate': { client: 'auth' },
  'auth/scope-from-scopes-supported': { client: 'auth' },
  'auth/scope-omitted-when-undefined': { client: 'auth' },
  'auth/scope-step-up': {
    client: 'auth',
  },
  'auth/scope-retry-limit': { client: 'auth' },
  'auth/token-endpoint-auth-basic': { client: 'auth' },
  'auth/token-endpoint-auth-post': { client: 'auth' },
  'auth/token-endpoint-auth-none': { client: 'auth' },
  'auth/resource-mismatch': { client: 'auth' },
  'auth/offline-access-scope': { client: 'auth' },
  'auth/offline-access-not-supported': { client: 'auth' },

  // ── auth: the client identity the user configures ──────────────────────────────────────────────
  'auth/basic-cimd': { client: 'auth', args: () => ['--client-metadata-url', CIMD_URL] },
  'auth/pre-registration': {
    client: 'auth',
    ...preRegistered,
  },

  // ── auth: 2025-03-26 back-compat ───────────────────────────────────────────────────────────────
  'auth/2025-03-26-oauth-metadata-backcompat': {
    client: 'auth',
  },
  'auth/2025-03-26-oauth-endpoint-fallback': {
    client: 'auth',
  },

  // ── extensions: machine-to-machine and enterprise-managed authorization ────────────────────────
  // With the options a user gives for them (passed only when the bridge's --help lists them, so an older build is
  // still run, with the closest configuration it has).
  'auth/client-credentials-basic': {
    client: 'list',
    args: (ctx, t) => [...(t.supports('--client-credentials') ? ['--client-credentials'] : []), '--client-id', need(ctx, 'client_id')],
    env: (ctx) => ({ OIDC_CLIENT_SECRET: need(ctx, 'client_secret') }),
  },
  'auth/client-credentials-jwt': {
    client: 'list',
    args: (ctx, t) => [
      ...(t.supports('--client-credentials') ? ['--client-credentials'] : []),
      '--client-id',
      need(ctx, 'client_id'),
      ...(t.supports('--client-key') ? ['--client-key', t.secretFile('client-key.pem', need(ctx, 'private_key_pem'))] : []),
    ],
  },
  'auth/cross-app-access-complete-flow': {
    client: 'auth',
    args: (ctx, t) => [
      '--client-id',
      need(ctx, 'client_id'),
      ...(t.supports('--idp-issuer') ? ['--idp-issuer', need(ctx, 'idp_issuer')] : []),
      ...(t.supports('--idp-client-id') ? ['--idp-client-id', need(ctx, 'idp_client_id')] : []),
      ...(t.supports('--id-token-file') ? ['--id-token-file', t.secretFile('id-token.jwt', need(ctx, 'idp_id_token'))] : []),
    ],
    env: (ctx) => ({ OIDC_CLIENT_SECRET: need(ctx, 'client_secret') }),
  },
};

/** The plan for a scenario; unknown ones (a newer suite) get the generic client for their family. */
export function planFor(scenario: string): ScenarioPlan & { unmapped: boolean } {
  const plan = SCENARIOS[scenario];
  if (plan) return { ...plan, unmapped: false };
  return { client: scenario.startsWith('auth/') ? 'auth' : 'list', unmapped: true };
}
