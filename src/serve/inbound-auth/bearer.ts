/**
 * The bearer token of a request, from its `Authorization` header only (RFC 6750 §2.1; OAuth 2.1 §5.2 forbids tokens
 * in the query string). What the header holds is told apart: nothing, a Bearer token, or something else.
 */
import type { IncomingMessage } from 'node:http';

/** What the `Authorization` header of a request holds. */
export type PresentedCredential =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  /** A header that is not `Bearer <token68>` (another scheme, or a malformed value). */
  | { kind: 'malformed' };

const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Reads the `Authorization` header of `req`. */
export function presentedCredential(req: IncomingMessage): PresentedCredential {
  const header = req.headers.authorization;
  if (header === undefined || header.trim() === '') return { kind: 'none' };
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match || !TOKEN68.test(match[1]!)) return { kind: 'malformed' };
  return { kind: 'bearer', token: match[1]! };
}
