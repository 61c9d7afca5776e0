/**
 * A server that answers 401 but publishes no protected-resource metadata (RFC 9728): either a server of the
 * 2025-03-26 MCP authorization spec (its authorization server at its own origin, legacy-discovery.ts), or one that
 * wants something the bridge cannot find out by itself — an API key, or tokens from a provider it does not name.
 * {@link findUnadvertisedAuthorizationServer} decides which, for the bridge and for `doctor` alike, and the error
 * for the second kind quotes what the server answered (bounded, control characters escaped) and names both fixes.
 */
import { BridgeError, ErrorCode } from '../errors.js';
import { terminalSafe } from '../log.js';
import { readBodyStart } from '../net/body-start.js';
import { parseChallenges } from './challenge.js';
import type { LegacyAuthorizationServer } from './legacy-discovery.js';
import type { OAuthHttp } from './oauth-http.js';

/** What a 401 said, kept as evidence for the message (never a secret: it is the server's answer to no credentials). */
export interface RefusalEvidence {
  status: number;
  /** The `WWW-Authenticate` header, if any. */
  wwwAuthenticate: string | null;
  /** The start of the body, as text (at most {@link REFUSAL_BODY_LIMIT} bytes read). */
  body: string;
}

/** How much of a refusal's body is read. */
export const REFUSAL_BODY_LIMIT = 1024;
/** How much of the server's text a message quotes. */
const QUOTE_LIMIT = 200;

/** Reads a refusal's status, challenge and the start of its body, then releases the rest of the body. */
export async function readRefusal(response: Response): Promise<RefusalEvidence> {
  const evidence = { status: response.status, wwwAuthenticate: response.headers.get('www-authenticate') };
  return { ...evidence, body: await readBodyStart(response, REFUSAL_BODY_LIMIT) };
}

/**
 * Server text made fit to quote in a message: whitespace runs folded (so it stays one line), bounded, and
 * terminal-safe ({@link terminalSafe}: control characters shown as escapes).
 */
export function quoteServerText(text: string, limit = QUOTE_LIMIT): string {
  const folded = text.replace(/\s+/g, ' ').trim();
  return terminalSafe(folded.length > limit ? `${folded.slice(0, limit)}…` : folded);
}

/** Whether a 401 challenged with an OAuth scheme (Bearer, DPoP) or with none at all (2025-03-26 servers often send none). */
export function mayBeOAuth(refusal: RefusalEvidence | undefined): boolean {
  const schemes = parseChallenges(refusal?.wwwAuthenticate).map((c) => c.scheme);
  return schemes.length === 0 || schemes.includes('bearer') || schemes.includes('dpop');
}

/** The error for a server that refused without saying how to log in; see the module comment. */
export function noLoginAdvertisedError(serverUrl: URL, refusal: RefusalEvidence | undefined): BridgeError {
  const said = refusal ? [refusal.wwwAuthenticate ? `WWW-Authenticate: ${refusal.wwwAuthenticate}` : '', refusal.body].map((t) => t.trim()).filter(Boolean).join(' ') : '';
  const answer = said ? `; it answered HTTP ${refusal!.status} "${quoteServerText(said)}"` : refusal ? `; it answered HTTP ${refusal.status}` : '';
  return new BridgeError(ErrorCode.Auth, `${serverUrl.host} refused the request without saying how to log in${answer}`, {
    cause: refusal,
    hint: 'if it wants an API key, pass it as a header: --header "Authorization:${VAR}" with the key in the variable VAR (add "Bearer " if the server wants it); if it validates tokens from an OAuth provider, pass --issuer <url> and --client-id <id>',
    ...(refusal ? { status: refusal.status } : {}),
  });
}

/** Options for {@link findUnadvertisedAuthorizationServer}. */
export interface UnadvertisedOptions {
  serverUrl: URL;
  /** What the server's 401 said, when known. */
  refusal: RefusalEvidence | undefined;
  http: OAuthHttp;
}

/**
 * For a server without protected-resource metadata: its 2025-03-26 authorization server when it really has one at
 * its origin (only looked for when its challenge, if any, is an OAuth one), else throws {@link noLoginAdvertisedError}.
 */
export async function findUnadvertisedAuthorizationServer(o: UnadvertisedOptions): Promise<LegacyAuthorizationServer> {
  // Loaded here, not at the top: the auth layer reads refusals on every start, and the OAuth engine that legacy
  // discovery uses must not load until a login needs it (docs/architecture.md, lazy chunks).
  const legacy = mayBeOAuth(o.refusal)
    ? await (await import('./legacy-discovery.js')).discoverLegacyAuthorizationServer({ serverUrl: o.serverUrl, http: o.http })
    : undefined;
  if (!legacy) throw noLoginAdvertisedError(o.serverUrl, o.refusal);
  return legacy;
}
