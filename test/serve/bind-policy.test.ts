/**
 * Where `serve` may listen without inbound authentication (serve/bind-policy.ts, a pure rule): loopback always; any
 * other address only with an authenticator that requires credentials, or with `--insecure-no-auth`, which is the
 * one case that gets the loud warning. (The refusal as a user meets it is in lifecycle.test.ts; tests never bind a
 * non-loopback address.)
 */
import { describe, expect, it } from 'vitest';
import { checkBind, insecureWarning, isLoopbackHost } from '../../src/serve/bind-policy.js';
import { isBridgeError, ErrorCode } from '../../src/errors.js';

describe('bind policy', () => {
  it('knows loopback addresses by every spelling', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.1', 'example.com', '127.0.0.1.example.com']) expect(isLoopbackHost(host), host).toBe(false);
  });

  it('allows loopback without auth, quietly; refuses other addresses unless authenticated or explicitly insecure', () => {
    expect(checkBind({ host: '127.0.0.1', authRequired: false, insecureNoAuth: false })).toBe(false);
    expect(checkBind({ host: '0.0.0.0', authRequired: true, insecureNoAuth: false })).toBe(false);
    expect(checkBind({ host: '0.0.0.0', authRequired: false, insecureNoAuth: true })).toBe(true);
    let thrown: unknown;
    try {
      checkBind({ host: '0.0.0.0', authRequired: false, insecureNoAuth: false });
    } catch (error) {
      thrown = error;
    }
    expect(isBridgeError(thrown, ErrorCode.Usage)).toBe(true);
    expect((thrown as Error & { hint: string }).hint).toMatch(/--insecure-no-auth/);
    expect(insecureWarning('0.0.0.0')).toMatch(/^INSECURE: .*WITHOUT inbound authentication/);
  });
});
