// The grants table (src/auth/grants.ts) and the scopes each grant asks for; the OAuth error codes the grants decide
// on (src/auth/oauth-errors.ts) are a closed set; the callback address (src/auth/callback-address.ts).
import { describe, expect, it } from 'vitest';
import { callbackAddress, stableCallbackPort } from '../../src/auth/callback-address.js';
import { chooseScopes, GRANTS, isMachineGrant } from '../../src/auth/grants.js';
import { isOAuthErrorCode, OAuthError, oauthErrorCode } from '../../src/auth/oauth-errors.js';

describe('the grants table', () => {
  it('says what each grant is', () => {
    expect(Object.keys(GRANTS).sort()).toEqual(['authorization_code', 'client_credentials', 'device_code', 'jwt_bearer', 'workload_identity']);
    expect(GRANTS.authorization_code).toMatchObject({ user: true, browser: true, refreshable: true });
    expect(GRANTS.device_code).toMatchObject({ user: true, browser: false, refreshable: true, obtainBy: 'device-login' });
    expect(isMachineGrant('client_credentials')).toBe(true);
    expect(isMachineGrant('jwt_bearer')).toBe(true);
    expect(GRANTS.workload_identity).toMatchObject({ user: false, browser: false, refreshable: false, obtainBy: 'workload-identity', needsClientId: false });
    expect(GRANTS.client_credentials.needsClientId).toBe(true);
    expect(isMachineGrant('device_code')).toBe(false);
  });

  it('scopes: a step-up union, else explicit, else challenged, else advertised; offline_access when offered; none of that for machines', () => {
    const base = { grant: 'authorization_code' as const, explicit: undefined, challenged: undefined, advertised: undefined, offered: undefined, issuerMode: false };
    expect(chooseScopes({ ...base, challenged: 'a b', advertised: ['c'], offered: ['offline_access'] })).toEqual(['a', 'b', 'offline_access']);
    expect(chooseScopes({ ...base, explicit: ['x'], challenged: 'a' })).toEqual(['x']);
    expect(chooseScopes({ ...base, advertised: ['c'], union: ['u'] })).toEqual(['u']);
    expect(chooseScopes({ ...base, issuerMode: true })).toEqual(['openid', 'profile', 'email']);
    expect(chooseScopes({ ...base, grant: 'client_credentials', offered: ['offline_access'] })).toEqual([]);
  });
});

describe('OAuth error codes', () => {
  it('are read from the body or a challenge, and only known codes decide anything', () => {
    expect(oauthErrorCode({ error: 'invalid_grant' })).toBe(OAuthError.InvalidGrant);
    expect(oauthErrorCode({ error: 'made_up' })).toBeUndefined();
    expect(oauthErrorCode({ code: 'OAUTH_WWW_AUTHENTICATE_CHALLENGE', status: 401, cause: [{ parameters: {} }] })).toBe(OAuthError.InvalidClient);
    expect(oauthErrorCode(new Error('invalid_grant'))).toBeUndefined(); // message text decides nothing
    expect(isOAuthErrorCode('slow_down')).toBe(true);
  });
});

describe('the callback address', () => {
  it('a fixed redirect URL, else the host on the given or the stable port', () => {
    expect(callbackAddress({ redirectUrl: 'http://[::1]:9000/cb' }, 'i', 'r')).toEqual({ host: '::1', port: 9000, path: '/cb', fixed: true, redirectUri: 'http://[::1]:9000/cb' });
    const stable = stableCallbackPort('https://as.example.com', 'https://mcp.example.com/mcp');
    expect(stable).toBeGreaterThanOrEqual(28000);
    expect(stable).toBeLessThan(29000);
    expect(callbackAddress({}, 'https://as.example.com', 'https://mcp.example.com/mcp')).toEqual({
      host: '127.0.0.1',
      port: stable,
      path: '/callback',
      fixed: false,
      redirectUri: `http://127.0.0.1:${stable}/callback`,
    });
    expect(callbackAddress({ callbackHost: 'localhost', callbackPort: 28123 }, 'i', 'r')).toMatchObject({ fixed: true, redirectUri: 'http://localhost:28123/callback' });
  });
});
