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

import type { SuiteId } from './suites.js';

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
  /** auth/wif-jwt-bearer: the platform-issued workload JWTs (only `valid_jwt` is the one a platform would hand out). */
  valid_jwt?: string;
  wrong_audience_jwt?: string;
  expired_jwt?: string;
  /** http-custom-headers: the tool calls to make, with their arguments. */
  toolCalls?: Array<{ name: string; arguments?: Record<string, unknown> }>;
}

/** What the driver (the MCP client) does once the bridge is spawned (scripts.ts). */
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
  | 'sse-reconnect'
  /** Every tool, resource and prompt listed, called, read and got (each method's `Mcp-Method` / `Mcp-Name`). */
  | 'standard-headers'
  /** The context's `toolCalls`, with their arguments (`Mcp-Param-*` headers and their encoding). */
  | 'custom-headers'
  /** Every listed tool called with arguments from its schema: only valid tools may reach the client. */
  | 'call-every-tool'
  /** `json_schema_echo` called with the focal tool's inputSchema exactly as the bridge wrote it on stdout. */
  | 'schema-echo'
  /** tools/list; the network `$ref` must reach the client as written, and nobody may fetch it. */
  | 'ref-no-deref'
  /** The MRTR tools: elicitation rounds with and without requestState, a call in between, no resultType. */
  | 'mrtr'
  /** SEP-2640 skills: `skills/list` only (nothing may be read). */
  | 'skills-list'
  /** SEP-2640 skills: list, read SKILL.md, verify it against its entry, read the rest only if it verifies. */
  | 'skills-load';

/** Client capabilities the driver declares (and answers: sampling with a fixed text, roots with none). */
export type ClientFeatures = 'none' | 'elicitation-defaults' | 'all';

/** Why a scenario is expected to fail with the current bridge. */
export interface KnownFailure {
  kind: 'missing feature' | 'product bug' | 'suite defect';
  /** One line for the summary table; for a suite defect, with its evidence. */
  why: string;
  /** The suite runs it applies to (default: all). */
  suites?: SuiteId[];
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
  /** What the client declares (default: `none`). */
  features?: ClientFeatures;
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

/**
 * The bridge option that names the workload identity token file (auth/wif-jwt-bearer; the platform rotates the file,
 * the bridge reads it again at each use). Passed only when the bridge's --help lists it.
 */
export const WORKLOAD_TOKEN_OPTION = '--workload-token-file';

/** SEP-990: the MCP server's client at its AS, and the enterprise IdP's client and the user's ID token. */
const enterpriseManaged: ScenarioPlan = {
  client: 'auth',
  args: (ctx, t) => [
    '--client-id',
    need(ctx, 'client_id'),
    ...(t.supports('--idp-issuer') ? ['--idp-issuer', need(ctx, 'idp_issuer')] : []),
    ...(t.supports('--idp-client-id') ? ['--idp-client-id', need(ctx, 'idp_client_id')] : []),
    ...(t.supports('--id-token-file') ? ['--id-token-file', t.secretFile('id-token.jwt', need(ctx, 'idp_id_token'))] : []),
  ],
  env: (ctx) => ({ OIDC_CLIENT_SECRET: need(ctx, 'client_secret') }),
};

/**
 * DPoP: nothing to configure. `--dpop auto` (the default) binds the tokens when the server challenges with `DPoP`
 * and its authorization server offers it, as the scenarios' servers do: the proof is that it happens by itself.
 */
const dpop: ScenarioPlan = { client: 'auth' };

export const SCENARIOS: Record<string, ScenarioPlan> = {
  // ── core: the pipe ────────────────────────────────────────────────────────────────────────────────
  initialize: { client: 'list' },
  tools_call: { client: 'add-numbers' },
  // The fixture sends elicitation/create with server.request(), not tied to the tools/call, so the SDK server puts
  // it on the standalone GET stream, or drops it when that stream is not open yet (no event store). The client's
  // transport opens that stream after notifications/initialized, and the bridge holds the client's next requests
  // until the server has answered it, so the tools/call goes right after connecting, as a real client's would.
  'elicitation-sep1034-client-defaults': { client: 'elicitation-defaults', features: 'elicitation-defaults' },
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
  'auth/cross-app-access-complete-flow': enterpriseManaged,
  // 0.2's name for the same flow (SEP-990).
  'auth/enterprise-managed-authorization': enterpriseManaged,
  // DPoP-bound tokens (SEP-1932, RFC 9449): nothing in the context; the user's option turns DPoP on.
  'auth/dpop': dpop,
  'auth/dpop-nonce': dpop,
  // Workload identity federation (SEP-1933): the platform's JWT in a file the platform rotates.
  'auth/wif-jwt-bearer': {
    client: 'list',
    args: (ctx, t) => [
      '--client-id',
      need(ctx, 'client_id'),
      ...(t.supports(WORKLOAD_TOKEN_OPTION) ? [WORKLOAD_TOKEN_OPTION, t.secretFile('workload.jwt', need(ctx, 'valid_jwt'))] : []),
    ],
  },

  // ── 2026-07-28: what the bridge adds for a 2025-11-25 client (SEP-2575, SEP-2243, SEP-2322) ─────
  // Per-request metadata is an obligation of a 2026-07-28 client, exercised with the era forced. In `--protocol auto`
  // the bridge opens a server it does not know yet with the client's own 2025 initialize, on purpose: a dual-era
  // server then keeps serving its 2025 features (its tools' sampling and roots requests, which have no back-channel
  // in 2026-07-28), and a 2025 server costs nothing extra; a 2026-only server refuses it and is spoken to in
  // 2026-07-28 from then on (remembered). The scenario keeps each check's worst verdict over every POST, that first
  // 2025 one included. The auto-mode first POST is pinned in test/upstream/era/detection.test.ts.
  'request-metadata': { client: 'list', features: 'all', args: () => ['--protocol', '2026-07-28'] },
  'http-standard-headers': { client: 'standard-headers', features: 'all' },
  'http-custom-headers': { client: 'custom-headers', features: 'all' },
  'http-invalid-tool-headers': { client: 'call-every-tool', features: 'all' },
  'sep-2322-client-request-state': { client: 'mrtr', features: 'all' },
  // JSON Schema 2020-12 (SEP-1613, SEP-2106): schemas reach the client as the server wrote them.
  'json-schema-2020-12-preservation': { client: 'schema-echo' },
  'json-schema-ref-no-deref': { client: 'ref-no-deref' },

  // ── 2026-07-28 authorization (SEP-2468 iss, SEP-2207 offline_access, SEP-2352 migration) ───────
  'auth/authorization-server-migration': { client: 'auth' },
  'auth/iss-supported': { client: 'auth' },
  'auth/iss-not-advertised': { client: 'auth' },
  'auth/iss-supported-missing': { client: 'auth' },
  'auth/iss-wrong-issuer': { client: 'auth' },
  'auth/iss-unexpected': { client: 'auth' },
  'auth/iss-normalized': { client: 'auth' },
  'auth/metadata-issuer-mismatch': { client: 'auth' },

  // ── extension: skills (SEP-2640). The host verifies skill files (scripts.ts plays the host); the bridge
  // relays skills/list and resources/read unchanged and reads nothing on its own.
  'sep-2640-client-no-prefetch': { client: 'skills-list' },
  'sep-2640-client-verify-digest': { client: 'skills-load' },
  'sep-2640-client-verify-size': { client: 'skills-load' },
  'sep-2640-client-verify-frontmatter': { client: 'skills-load' },
};

/** The known failure of a scenario in one suite, if any. */
export function knownFor(scenario: string, suite: SuiteId): KnownFailure | undefined {
  const known = SCENARIOS[scenario]?.known;
  return known && (!known.suites || known.suites.includes(suite)) ? known : undefined;
}

/** The plan for a scenario; unknown ones (a newer suite) get the generic client for their family. */
export function planFor(scenario: string): ScenarioPlan & { unmapped: boolean } {
  const plan = SCENARIOS[scenario];
  if (plan) return { ...plan, unmapped: false };
  return { client: scenario.startsWith('auth/') ? 'auth' : 'list', unmapped: true };
}
