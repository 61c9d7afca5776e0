/**
 * A JWT the bridge presents but does not issue (a workload's platform token), read from where the user keeps it:
 * a file, read again at every use because its owner rotates it, or an environment variable. Only its shape and its
 * unverified `exp` are checked here — the authorization server verifies it; this turns a missing, malformed or stale
 * token into a message that names where it came from (never the token).
 */
import { readFile } from 'node:fs/promises';
import { BridgeError, ErrorCode } from '../../errors.js';

/** Where a JWT comes from. */
export type JwtSource = { kind: 'file'; path: string } | { kind: 'env'; name: string; value: string };

/** Names a {@link JwtSource} for messages (the path or the variable, never the token). */
export function describeJwtSource(source: JwtSource): string {
  return source.kind === 'file' ? source.path : source.name;
}

/** Words for {@link readJwt}'s messages. */
export interface JwtWords {
  /** What the token is, e.g. "workload identity token". */
  what: string;
  /** What to do when it expired. */
  renew: string;
}

/**
 * Reads the JWT now (a file again every time) and checks that it is three base64url parts whose payload is JSON
 * and, when it has an `exp`, that it has not passed `now` (epoch ms).
 * @throws BridgeError `AUTH` naming the source
 */
export async function readJwt(source: JwtSource, now: number, words: JwtWords): Promise<string> {
  let token: string;
  if (source.kind === 'file') {
    try {
      token = (await readFile(source.path, 'utf8')).trim();
    } catch (error) {
      throw new BridgeError(ErrorCode.Auth, `cannot read the ${words.what} file ${source.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
        cause: error,
        hint: 'check the path, and that the platform has written the token there',
      });
    }
  } else {
    token = source.value.trim();
  }
  const parts = token.split('.');
  let exp: unknown;
  try {
    if (parts.length !== 3) throw new Error('not three parts');
    exp = (JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
  } catch {
    throw new BridgeError(ErrorCode.Auth, `the ${words.what} in ${describeJwtSource(source)} is not a JWT`, {
      hint: 'it must be a signed JWT: three base64url parts separated by dots',
    });
  }
  if (typeof exp === 'number' && exp * 1000 <= now) {
    throw new BridgeError(ErrorCode.Auth, `the ${words.what} in ${describeJwtSource(source)} expired at ${new Date(exp * 1000).toISOString()}`, { hint: words.renew });
  }
  return token;
}
