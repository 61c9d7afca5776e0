// The config file's "serve" section: its "auth" read with ${VAR} expanded like the rest of the file; a static token
// shorter than 32 characters or given twice refused at load, naming the key and never the token; unknown keys and
// wrong types refused with the fix; a file without the section loads as before.
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/file/load.js';
import { BridgeError, ErrorCode } from '../../../src/errors.js';

const LONG = 'alice-0123456789abcdef0123456789abcdef';
const env = { ALICE_TOKEN: LONG, BOB_TOKEN: 'bob-fedcba9876543210fedcba9876543210', SHORT_TOKEN: 'short-secret-value', ISSUER: 'https://login.example.com' };
const load = (serve: unknown) => parseConfigText(JSON.stringify({ mcpServers: { a: { url: 'https://mcp.example.com/mcp' } }, serve }), { path: 'team.json', env });

function refusal(serve: unknown): BridgeError {
  try {
    load(serve);
  } catch (error) {
    if (error instanceof BridgeError) return error;
    throw error;
  }
  throw new Error('the section was accepted');
}

describe('the "serve" section', () => {
  it('is absent from a file without it', () => {
    const loaded = parseConfigText(JSON.stringify({ mcpServers: { a: { url: 'https://mcp.example.com/mcp' } } }), { path: 'f.json', env: {} });
    expect(loaded.serve).toBeUndefined();
  });

  it('reads every method, variables expanded', () => {
    const loaded = load({
      auth: {
        tokens: [{ user: 'alice', token: '${ALICE_TOKEN}' }, { user: 'bob', token: '${BOB_TOKEN}' }],
        jwt: { issuer: '${ISSUER}', userClaim: 'email', requiredScopes: ['mcp'], audience: 'https://team.example.com/mcp' },
        trustedHeader: { name: 'X-Forwarded-User', peers: ['10.0.0.0/8', '127.0.0.1'] },
        trustedProxies: ['192.168.0.0/16'],
      },
    });
    expect(loaded.serve).toEqual({
      auth: {
        tokens: [{ user: 'alice', token: LONG }, { user: 'bob', token: env.BOB_TOKEN }],
        jwt: { issuer: 'https://login.example.com', userClaim: 'email', requiredScopes: ['mcp'], audience: 'https://team.example.com/mcp' },
        trustedHeader: { name: 'X-Forwarded-User', peers: ['10.0.0.0/8', '127.0.0.1'] },
        trustedProxies: ['192.168.0.0/16'],
      },
    });
  });

  it('without "auth" configures no method', () => {
    expect(load({}).serve).toEqual({ auth: {} });
  });

  it.each([
    [{ auth: { tokens: [{ user: 'a', token: '${SHORT_TOKEN}' }] } }, 'team.json, key "serve.auth.tokens[0].token": is shorter than 32 characters'],
    [{ auth: { tokens: [{ user: 'a', token: '${ALICE_TOKEN}' }, { user: 'b', token: LONG }] } }, 'team.json, key "serve.auth.tokens[1].token": is the same token as tokens[0]'],
    [{ auth: { tokens: [{ user: 'a' }] } }, 'team.json, key "serve.auth.tokens[0]": has no "token"'],
    [{ auth: { tokens: [{ user: '', token: LONG }] } }, 'team.json, key "serve.auth.tokens[0].user": is empty'],
    [{ auth: { tokens: { alice: LONG } } }, 'team.json, key "serve.auth.tokens": should be a list of { "user", "token" } objects, not an object'],
    [{ auth: { token: [] } }, 'team.json, key "serve.auth.token": is not a key of "serve.auth"'],
    [{ host: '0.0.0.0' }, 'team.json, key "serve.host": is not a key of "serve"'],
    [{ auth: { jwt: { audience: 'x' } } }, 'team.json, key "serve.auth.jwt": has no "issuer"'],
    [{ auth: { jwt: { issuer: 'login.example.com' } } }, 'team.json, key "serve.auth.jwt.issuer": is not an https URL'],
    [{ auth: { jwt: { issuer: 'http://login.example.com' } } }, 'team.json, key "serve.auth.jwt.issuer": is a plain http URL'],
    [{ auth: { jwt: { issuer: 'https://l.example.com', requiredScopes: 'mcp' } } }, 'team.json, key "serve.auth.jwt.requiredScopes": should be a list of text, not text'],
    [{ auth: { trustedHeader: { name: 'X-Forwarded-User' } } }, 'team.json, key "serve.auth.trustedHeader": has no "peers"'],
    [{ auth: { trustedHeader: { name: 'X-Forwarded-User', peers: [] } } }, 'team.json, key "serve.auth.trustedHeader.peers": is empty'],
    [{ auth: { trustedHeader: { name: 'X Forwarded User', peers: ['127.0.0.1'] } } }, 'team.json, key "serve.auth.trustedHeader.name": is not an HTTP header name'],
  ])('%j is refused: %s', (serve, message) => {
    const error = refusal(serve);
    expect(error.code).toBe(ErrorCode.Config);
    expect(error.message).toBe(message);
    expect(error.hint).toBeTruthy();
    expect(`${error.message} ${error.hint}`).not.toContain(LONG);
    expect(`${error.message} ${error.hint}`).not.toContain(env.SHORT_TOKEN);
  });

  it('allows a plain http issuer on this machine, and elsewhere with "allowHttp"', () => {
    expect(load({ auth: { jwt: { issuer: 'http://127.0.0.1:9000' } } }).serve?.auth.jwt?.issuer).toBe('http://127.0.0.1:9000');
    expect(load({ auth: { jwt: { issuer: 'http://idp.internal', allowHttp: true } } }).serve?.auth.jwt).toEqual({ issuer: 'http://idp.internal', allowHttp: true });
  });

  it('refuses an unset variable, naming it', () => {
    const error = refusal({ auth: { tokens: [{ user: 'a', token: '${NOT_SET_TOKEN}' }] } });
    expect(error.code).toBe(ErrorCode.Config);
    expect(error.message).toContain('NOT_SET_TOKEN');
  });

  it('reads the browser client of "jwt", its secret expanded, and refuses a secret without the id', () => {
    const loaded = load({ auth: { jwt: { issuer: '${ISSUER}', browserClientId: 'status-page', browserClientSecret: '${BOB_TOKEN}' } } });
    expect(loaded.serve?.auth?.jwt).toMatchObject({ issuer: 'https://login.example.com', browserClientId: 'status-page', browserClientSecret: env.BOB_TOKEN });
    const error = refusal({ auth: { jwt: { issuer: 'https://login.example.com', browserClientSecret: 'x' } } });
    expect(error.message).toContain('"browserClientSecret" without "browserClientId"');
    expect(error.message).not.toContain('"x"');
  });
});
