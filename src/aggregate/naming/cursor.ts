/**
 * Pagination across servers: one cursor for the client that carries each server's own cursor. MCP 2025-11-25
 * (pagination): "cursors are opaque" — the client passes them back unchanged and never reads them, so the bridge may
 * put what it needs in them; a cursor it cannot read is an invalid one (-32602), never a crash.
 */
import { BridgeError, ErrorCode } from '../../errors.js';

/** The version tag in front of every cursor this module writes; a future format gets another. */
export const CURSOR_TAG = 'mab1.';

/** The longest cursor {@link decodeCursor} reads (8 KiB); {@link encodeCursor} refuses to write a longer one. */
export const MAX_CURSOR_LENGTH = 8 * 1024;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * The cursor for the client: {@link CURSOR_TAG} and the base64url (RFC 4648 §5) of the JSON of `state`, which maps
 * each server slug that has more to list to that server's own cursor. Throws a {@link BridgeError}
 * (`MESSAGE_TOO_LARGE`) when the result would be over {@link MAX_CURSOR_LENGTH}: the servers' cursors together are too
 * long to carry (the caller ends the listing there rather than hand out a cursor that would be refused).
 */
export function encodeCursor(state: Record<string, string>): string {
  const cursor = `${CURSOR_TAG}${Buffer.from(JSON.stringify(state), 'utf8').toString('base64url')}`;
  if (cursor.length > MAX_CURSOR_LENGTH) {
    throw new BridgeError(ErrorCode.MessageTooLarge, `the servers' list cursors together are too long to carry (${cursor.length} characters)`, {
      hint: 'the list ends here; ask the server operators about their cursor sizes',
      cause: { length: cursor.length, limit: MAX_CURSOR_LENGTH, servers: Object.keys(state) },
    });
  }
  return cursor;
}

/**
 * The state in a cursor written by {@link encodeCursor}, or undefined for anything else: not text, over
 * {@link MAX_CURSOR_LENGTH}, another tag, not base64url, not JSON, not an object of text values. The record returned
 * has only own properties (a `__proto__` key stays a plain key); read it with `Object.hasOwn`.
 */
export function decodeCursor(text: string): Record<string, string> | undefined {
  if (typeof text !== 'string' || text.length > MAX_CURSOR_LENGTH || !text.startsWith(CURSOR_TAG)) return undefined;
  const body = text.slice(CURSOR_TAG.length);
  if (!BASE64URL.test(body) || body.length % 4 === 1) return undefined;
  const bytes = Buffer.from(body, 'base64url');
  // Reject bits Buffer would ignore: only the canonical text of these bytes is a cursor we wrote.
  if (bytes.toString('base64url') !== body) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const entries = Object.entries(parsed);
  if (!entries.every(([, value]) => typeof value === 'string')) return undefined;
  return Object.fromEntries(entries) as Record<string, string>;
}
