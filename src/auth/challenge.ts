/**
 * `WWW-Authenticate` parsing (RFC 9110 §11.6.1, RFC 6750 §3): the Bearer challenge's `resource_metadata`
 * (RFC 9728 §5.1), `scope`, `error` and `error_description` — or the DPoP challenge's (RFC 9449 §7.1), which has
 * the same parameters, when the server offers DPoP only. A small parser of our own: challenges may be several
 * in one header, parameters may be quoted with escapes, and names are case-insensitive.
 */

/** One parsed challenge. */
export interface Challenge {
  /** Lower-cased auth scheme, e.g. `bearer`. */
  scheme: string;
  /** Parameters with lower-cased names. */
  params: Record<string, string>;
}

/** What the bridge reads from a Bearer (or DPoP) challenge. */
export interface BearerChallenge {
  /** The server offered the DPoP scheme (RFC 9449 §7.1), alone or beside Bearer. */
  dpop?: boolean;
  resourceMetadata?: string;
  scope?: string;
  error?: string;
  errorDescription?: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/** Parses every challenge in a `WWW-Authenticate` header value. Malformed tails are ignored, never thrown. */
export function parseChallenges(header: string | null | undefined): Challenge[] {
  const out: Challenge[] = [];
  if (!header) return out;
  let rest = header.trim();
  let current: Challenge | undefined;
  while (rest.length > 0) {
    rest = rest.replace(/^[\s,]+/, '');
    const name = TOKEN.exec(rest)?.[0];
    if (!name) break;
    const after = rest.slice(name.length);
    const param = /^\s*=\s*/.exec(after);
    if (param && current && !/^\s*=\s*(,|$)/.test(after)) {
      let value: string;
      let tail = after.slice(param[0].length);
      if (tail.startsWith('"')) {
        let i = 1;
        value = '';
        while (i < tail.length && tail[i] !== '"') {
          if (tail[i] === '\\' && i + 1 < tail.length) i++;
          value += tail[i];
          i++;
        }
        tail = tail.slice(i + 1);
      } else {
        const m = /^[^\s,]*/.exec(tail)![0];
        value = m;
        tail = tail.slice(m.length);
      }
      current.params[name.toLowerCase()] = value;
      rest = tail;
      continue;
    }
    // A new challenge: scheme, optionally followed by token68 (ignored) or parameters.
    current = { scheme: name.toLowerCase(), params: {} };
    out.push(current);
    rest = after.replace(/^\s+[A-Za-z0-9\-._~+/]+=*(?=\s*(,|$))/, '');
  }
  return out;
}

/** The Bearer challenge of a response (else its DPoP challenge), or undefined when it has neither. */
export function bearerChallenge(response: Response): BearerChallenge | undefined {
  const challenges = parseChallenges(response.headers.get('www-authenticate'));
  const dpop = challenges.find((c) => c.scheme === 'dpop');
  const bearer = challenges.find((c) => c.scheme === 'bearer') ?? dpop;
  if (!bearer) return undefined;
  const p = bearer.params;
  return {
    ...(dpop ? { dpop: true } : {}),
    ...(p.resource_metadata ? { resourceMetadata: p.resource_metadata } : {}),
    ...(p.scope ? { scope: p.scope } : {}),
    ...(p.error ? { error: p.error } : {}),
    ...(p.error_description ? { errorDescription: p.error_description } : {}),
  };
}
