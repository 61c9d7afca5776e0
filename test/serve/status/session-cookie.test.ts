/**
 * The session cookie itself, in process on a clock of the test's own: its attributes (`__Host-` and Secure on
 * https, HttpOnly, SameSite=Lax, Path=/, a bounded Max-Age), its end after the lifetime, sign-out's memory of ended
 * sessions bounded, and a cookie from another start (another key) refused.
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { MAX_SIGNED_OUT, SESSION_LIFETIME_MS, SessionCookies } from '../../../src/serve/browser-session/session-cookie.js';
import { memoryBrowserState, MemoryRecords } from '../../../src/serve/browser-state/memory-browser-state.js';

/** A request carrying the cookie a `Set-Cookie` value sets. */
function requestWith(setCookie: string): IncomingMessage {
  return { headers: { cookie: setCookie.split(';')[0] } } as IncomingMessage;
}

describe('the session cookie', () => {
  it('is __Host- prefixed and Secure on https, HttpOnly, SameSite=Lax, Path=/, for 8 hours', () => {
    const https = new SessionCookies({ secure: () => true }).issue('alice', 'token');
    expect(https).toMatch(/^__Host-mab-session=[^;]+; Path=\/; Max-Age=28800; HttpOnly; SameSite=Lax; Secure$/);
    const http = new SessionCookies({ secure: () => false }).issue('alice', 'token');
    expect(http).toMatch(/^mab-session=[^;]+; Path=\/; Max-Age=28800; HttpOnly; SameSite=Lax$/);
  });

  it('names its user until its lifetime ends, and nobody after', async () => {
    let now = 1_000_000;
    const cookies = new SessionCookies({ secure: () => false, now: () => now });
    const req = requestWith(cookies.issue('alice', 'oidc'));
    expect(await cookies.read(req)).toMatchObject({ user: 'alice', method: 'oidc', expiresAt: 1_000_000 + SESSION_LIFETIME_MS });
    now += SESSION_LIFETIME_MS - 1;
    expect((await cookies.read(req))?.user).toBe('alice');
    now += 1;
    expect(await cookies.read(req)).toBeUndefined();
  });

  it('refuses a cookie signed at another start (another key)', async () => {
    const before = new SessionCookies({ secure: () => false });
    const after = new SessionCookies({ secure: () => false });
    expect(await after.read(requestWith(before.issue('alice', 'token')))).toBeUndefined();
  });

  it('remembers ended sessions until they would have expired, in bounded memory', async () => {
    let now = 0;
    const state = memoryBrowserState({ now: () => now });
    const cookies = new SessionCookies({ secure: () => false, now: () => now, state });
    const first = requestWith(cookies.issue('alice', 'token'));
    const clear = await cookies.end(await cookies.read(first));
    expect(clear).toBe('mab-session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax');
    expect(await cookies.read(first)).toBeUndefined();
    for (let i = 0; i < MAX_SIGNED_OUT + 10; i++) await cookies.end(await cookies.read(requestWith(cookies.issue(`u${i}`, 'token'))));
    const signedOut = state.records('signed-out', MAX_SIGNED_OUT);
    expect(signedOut).toBeInstanceOf(MemoryRecords);
    expect((signedOut as MemoryRecords).size).toBe(MAX_SIGNED_OUT);
    // The oldest ended sessions are forgotten past the bound; every one of them is still refused by its expiry.
    now += SESSION_LIFETIME_MS;
    expect(await cookies.read(first)).toBeUndefined();
  });
});
