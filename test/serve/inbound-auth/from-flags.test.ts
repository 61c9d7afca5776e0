// Inbound auth from serve's flags (one URL, no config file): a token file of "user token" or "user:token" lines,
// the --jwt-* flags, --trusted-header with --trusted-peer; every refusal says which flag or line and the fix, and
// never quotes a token.
import { describe, expect, it } from 'vitest';
import { inboundAuthFromFlags, type InboundAuthFlags } from '../../../src/serve/inbound-auth/from-flags.js';
import { BridgeError, ErrorCode } from '../../../src/errors.js';

const A = 'alice-0123456789abcdef0123456789abcdef';
const B = 'bob-fedcba9876543210fedcba9876543210';
const files: Record<string, string> = {
  'tokens.txt': `# team tokens\nalice ${A}\n\nbob:\${BOB_TOKEN}\n`,
  'short.txt': 'alice short-token\n',
  'dup.txt': `alice ${A}\nbob ${A}\n`,
  'bad.txt': `alice\n`,
  'empty.txt': '# nothing\n',
  'secret.txt': 'browser-client-secret-0123456789\n',
  'blank-secret.txt': '\n',
};
const readFile = (path: string) => {
  const text = files[path];
  if (text === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
  return text;
};
const fromFlags = (flags: InboundAuthFlags) => inboundAuthFromFlags(flags, { BOB_TOKEN: B }, { readFile });

function refusal(flags: InboundAuthFlags): BridgeError {
  try {
    fromFlags(flags);
  } catch (error) {
    if (error instanceof BridgeError) return error;
    throw error;
  }
  throw new Error('the flags were accepted');
}

describe('inbound auth from flags', () => {
  it('none given: no method', () => {
    expect(fromFlags({})).toEqual({});
  });

  it('reads a token file, both line forms, variables expanded, comments skipped', () => {
    expect(fromFlags({ tokenFile: 'tokens.txt' })).toEqual({ tokens: [{ user: 'alice', token: A }, { user: 'bob', token: B }] });
  });

  it('reads the JWT flags, scopes split at spaces or commas', () => {
    expect(fromFlags({ jwtIssuer: 'https://login.example.com', jwtScopes: 'mcp:read, mcp:write', jwtUserClaim: 'email', jwtAudience: 'api://team' })).toEqual({
      jwt: { issuer: 'https://login.example.com', requiredScopes: ['mcp:read', 'mcp:write'], userClaim: 'email', audience: 'api://team' },
    });
  });

  it('reads the trusted header with repeated and comma-separated peers', () => {
    expect(fromFlags({ trustedHeader: 'X-Forwarded-User', trustedPeers: ['10.0.0.0/8,127.0.0.1', '::1'] })).toEqual({
      trustedHeader: { name: 'X-Forwarded-User', peers: ['10.0.0.0/8', '127.0.0.1', '::1'] },
    });
  });

  it('reads the trusted proxies, repeated and comma-separated, without a trusted header', () => {
    expect(fromFlags({ trustedProxies: ['10.0.0.0/8,127.0.0.1', 'fd00::/8'] })).toEqual({ trustedProxies: ['10.0.0.0/8', '127.0.0.1', 'fd00::/8'] });
  });

  it.each([
    [{ tokenFile: 'short.txt' }, ErrorCode.Config, '--token-file short.txt line 1: the token is shorter than 32 characters'],
    [{ tokenFile: 'dup.txt' }, ErrorCode.Config, '--token-file dup.txt line 2: the same token as line 1'],
    [{ tokenFile: 'bad.txt' }, ErrorCode.Config, '--token-file bad.txt line 1: is not "user token"'],
    [{ tokenFile: 'empty.txt' }, ErrorCode.Config, '--token-file empty.txt: names no token'],
    [{ tokenFile: 'missing.txt' }, ErrorCode.Config, '--token-file: cannot read missing.txt (ENOENT)'],
    [{ jwtScopes: 'mcp' }, ErrorCode.Usage, '--jwt-scopes needs --jwt-issuer'],
    [{ jwtIssuer: 'http://login.example.com' }, ErrorCode.Usage, '--jwt-issuer: not an https URL'],
    [{ trustedHeader: 'X-Forwarded-User' }, ErrorCode.Usage, '--trusted-header needs --trusted-peer'],
    [{ trustedPeers: '10.0.0.0/8' }, ErrorCode.Usage, '--trusted-peer needs --trusted-header'],
    [{ trustedHeader: 'X-Forwarded-User', trustedPeers: 'proxy.internal' }, ErrorCode.Usage, '--trusted-peer: "proxy.internal" is not an IPv4 or IPv6 address or CIDR range'],
    [{ trustedProxies: 'balancer.internal' }, ErrorCode.Usage, '--trusted-proxy: "balancer.internal" is not an IPv4 or IPv6 address or CIDR range'],
  ])('%j is refused: %s %s', (flags, code, message) => {
    const error = refusal(flags);
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
    expect(error.hint).toBeTruthy();
    expect(`${error.message} ${error.hint}`).not.toContain(A);
    expect(`${error.message} ${error.hint}`).not.toContain('short-token');
  });

  it('takes --browser-client-id with --jwt-issuer, its secret from a file or MCP_SERVE_BROWSER_CLIENT_SECRET', () => {
    const issuer = 'https://login.example.com';
    expect(fromFlags({ jwtIssuer: issuer, browserClientId: 'status-page' }).jwt).toEqual({ issuer, browserClientId: 'status-page' });
    expect(fromFlags({ jwtIssuer: issuer, browserClientId: 'status-page', browserClientSecretFile: 'secret.txt' }).jwt).toEqual({ issuer, browserClientId: 'status-page', browserClientSecret: 'browser-client-secret-0123456789' });
    const fromEnv = inboundAuthFromFlags({ jwtIssuer: issuer, browserClientId: 'status-page' }, { MCP_SERVE_BROWSER_CLIENT_SECRET: 'from-the-environment' }, { readFile });
    expect(fromEnv.jwt?.browserClientSecret).toBe('from-the-environment');
  });

  it('refuses --browser-client-id without --jwt-issuer, a secret file without the id, and an unreadable or empty secret file', () => {
    expect(refusal({ browserClientId: 'status-page' })).toMatchObject({ code: ErrorCode.Usage, message: '--browser-client-id needs --jwt-issuer' });
    expect(refusal({ jwtIssuer: 'https://login.example.com', browserClientSecretFile: 'secret.txt' })).toMatchObject({ code: ErrorCode.Usage, message: '--browser-client-secret-file needs --browser-client-id' });
    expect(refusal({ jwtIssuer: 'https://login.example.com', browserClientId: 'p', browserClientSecretFile: 'missing.txt' })).toMatchObject({ code: ErrorCode.Config, message: '--browser-client-secret-file: cannot read missing.txt (ENOENT)' });
    expect(refusal({ jwtIssuer: 'https://login.example.com', browserClientId: 'p', browserClientSecretFile: 'blank-secret.txt' })).toMatchObject({ code: ErrorCode.Config, message: '--browser-client-secret-file blank-secret.txt: is empty' });
  });
});
