// Cross-app access (SEP-990): the user signed in to the enterprise IdP (a second real oidc-provider) and the bridge
// holds their ID token (a file, or MCP_IDP_ID_TOKEN). The bridge exchanges it at the IdP for an ID-JAG (RFC 8693
// token exchange) and presents that to the MCP server's authorization server (RFC 7523 JWT bearer grant): the
// user's access token, with no browser. Both steps are repeated, reading the ID token again, when the token runs out.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { authArgs, connectWithoutLogin, tempDir, whoami } from '../helpers/auth-bridge.js';
import { storedLogins, storeRecords } from '../helpers/auth-secrets.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import {
  acceptIdJags,
  ID_JAG_TOKEN_TYPE,
  ID_TOKEN_TYPE,
  JWT_BEARER_GRANT,
  startAuthStack,
  startEnterpriseIdp,
  TOKEN_EXCHANGE_GRANT,
  XAA_CLIENT,
  XAA_CLIENT_ID,
  XAA_CLIENT_SECRET,
  type JwtBearerRecord,
} from '../helpers/oidc/index.js';
import { initializeOutcome } from '../helpers/outcomes.js';

useTeardown();

/** An enterprise IdP, and an MCP server whose authorization server accepts the IdP's ID-JAGs. */
async function enterprise(options: { accessTokenTtlSeconds?: number; trust?: boolean } = {}) {
  const idp = await startEnterpriseIdp();
  const grants: JwtBearerRecord[] = [];
  const stack = await startAuthStack({
    provider: {
      extraClients: [XAA_CLIENT],
      setup: acceptIdJags(idp, grants),
      ...(options.accessTokenTtlSeconds ? { accessTokenTtlSeconds: options.accessTokenTtlSeconds } : {}),
    },
  });
  if (options.trust !== false) idp.trust(stack.provider.issuer, XAA_CLIENT_ID);
  return { idp, grants, ...stack };
}

/** The options a user puts in a client config for cross-app access (secrets in the environment). */
function crossAppArgs(idpIssuer: string, idpClientId: string, extra: string[] = []): string[] {
  return ['--client-id', XAA_CLIENT_ID, '--idp-issuer', idpIssuer, '--idp-client-id', idpClientId, ...extra];
}

describe('cross-app access (--idp-issuer)', () => {
  it('exchanges the ID token from a file for an ID-JAG at the IdP, then for the user\'s access token: no browser, nothing secret kept or logged', async () => {
    const { idp, grants, provider, server } = await enterprise();
    const dir = tempDir();
    const idTokenFile = join(dir, 'id-token.jwt');
    const idToken = await idp.idTokenFor('dana');
    writeFileSync(idTokenFile, `${idToken}\n`, { mode: 0o600 });
    const configDir = tempDir();
    const bridge = await connectWithoutLogin({
      url: server.url,
      configDir,
      args: crossAppArgs(idp.issuer, idp.clientId, ['--id-token-file', idTokenFile, '--debug']),
      env: { OIDC_CLIENT_SECRET: XAA_CLIENT_SECRET, MCP_IDP_CLIENT_SECRET: idp.clientSecret },
    });
    expect(await whoami(bridge)).toEqual({ sub: 'dana', clientId: XAA_CLIENT_ID, scopes: ['mcp:read'] });

    // Step 1 at the IdP, as its client: RFC 8693 with the parameters SEP-990 names.
    expect(idp.exchanges).toEqual([
      {
        clientId: idp.clientId,
        requestedTokenType: ID_JAG_TOKEN_TYPE,
        subjectTokenType: ID_TOKEN_TYPE,
        audience: provider.issuer,
        resource: server.url,
        scope: 'mcp:read',
        outcome: 'ok',
      },
    ]);
    expect(idp.provider.tokenRequests.map((t) => [t.grantType, t.status])).toContainEqual([TOKEN_EXCHANGE_GRANT, 200]);
    // Step 2 at the MCP authorization server, as the pre-registered client: the JWT bearer grant with the ID-JAG.
    expect(grants).toEqual([{ clientId: XAA_CLIENT_ID, resource: server.url, scope: 'mcp:read', typ: 'oauth-id-jag+jwt', sub: 'dana', outcome: 'ok' }]);
    expect(provider.tokenRequests.map((t) => [t.grantType, t.status, t.clientId])).toEqual([[JWT_BEARER_GRANT, 200, XAA_CLIENT_ID]]);
    expect(provider.counters.authorizationRequests).toBe(0);
    expect(bridge.loginUrls()).toEqual([]);

    const [login] = storedLogins(configDir);
    expect(login!.json.metadata).toMatchObject({ grant: 'jwt_bearer', clientId: XAA_CLIENT_ID, clientIdSource: 'pre-registered', hasRefreshToken: false });
    const stored = storeRecords(configDir).map((r) => readFileSync(r.path, 'utf8')).join('\n');
    for (const secret of [idToken, XAA_CLIENT_SECRET, idp.clientSecret]) {
      expect(stored).not.toContain(secret);
      expect(bridge.stderr()).not.toContain(secret);
    }
    expect(bridge.stderr()).not.toMatch(/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\./); // no ID-JAG or token either
    expect(bridge.stderr()).toContain(`through cross-app access from ${idp.issuer}`);
  });

  it('MCP_IDP_ID_TOKEN works too; when the token runs out both steps are repeated, with the ID token read again', async () => {
    const { idp, grants, server } = await enterprise({ accessTokenTtlSeconds: 4 });
    const idTokenFile = join(tempDir(), 'id-token.jwt');
    writeFileSync(idTokenFile, await idp.idTokenFor('dana'), { mode: 0o600 });
    const env = { OIDC_CLIENT_SECRET: XAA_CLIENT_SECRET, MCP_IDP_CLIENT_SECRET: idp.clientSecret };
    const configDir = tempDir();
    const bridge = await connectWithoutLogin({ url: server.url, configDir, args: crossAppArgs(idp.issuer, idp.clientId, ['--id-token-file', idTokenFile]), env });
    expect((await whoami(bridge)).sub).toBe('dana');

    // Another tool refreshes the file (here: with another user's token, so the test can see it was read again).
    writeFileSync(idTokenFile, await idp.idTokenFor('erin'), { mode: 0o600 });
    const expiresAt = Number(storedLogins(configDir)[0]!.json.metadata.expiresAt);
    await sleep(Math.max(0, expiresAt - Date.now() + 300));
    expect((await whoami(bridge)).sub).toBe('erin');
    expect(idp.exchanges.map((e) => e.outcome)).toEqual(['ok', 'ok']);
    expect(grants.map((g) => g.sub)).toEqual(['dana', 'erin']);
    await bridge.close();

    const fromEnv = await connectWithoutLogin({
      url: server.url,
      configDir: tempDir(),
      label: 'env',
      args: crossAppArgs(idp.issuer, idp.clientId),
      env: { ...env, MCP_IDP_ID_TOKEN: await idp.idTokenFor('frank') },
    });
    expect((await whoami(fromEnv)).sub).toBe('frank');
  });

  it('explains what went wrong: an ID token that is no JWT, an IdP that does not trust the server, and incomplete options', async () => {
    const { idp, server } = await enterprise({ trust: false });
    const env = { OIDC_CLIENT_SECRET: XAA_CLIENT_SECRET, MCP_IDP_CLIENT_SECRET: idp.clientSecret };
    const idTokenFile = join(tempDir(), 'id-token.jwt');

    writeFileSync(idTokenFile, 'not a token');
    const garbled = spawnBridgeRaw([...authArgs(tempDir()), ...crossAppArgs(idp.issuer, idp.clientId, ['--id-token-file', idTokenFile]), server.url], env);
    const garbledEnd = await initializeOutcome(garbled, 20_000);
    expect(garbledEnd.kind === 'error' && garbledEnd.message).toContain(`the ID token in ${idTokenFile} is not a JWT`);
    expect(idp.exchanges).toEqual([]);

    writeFileSync(idTokenFile, await idp.idTokenFor('dana'));
    const untrusted = spawnBridgeRaw([...authArgs(tempDir()), ...crossAppArgs(idp.issuer, idp.clientId, ['--id-token-file', idTokenFile]), server.url], env);
    const untrustedEnd = await initializeOutcome(untrusted, 20_000);
    expect(untrustedEnd.kind === 'error' && untrustedEnd.message).toContain(`the enterprise IdP ${idp.issuer} refused to exchange the ID token for an ID-JAG: invalid_target`);
    expect(untrustedEnd.kind === 'error' && untrustedEnd.message).toContain('ask your administrator');
    expect(idp.exchanges.map((e) => e.outcome)).toEqual(['invalid_target']);

    const usage = async (args: string[], extraEnv: Record<string, string> = {}) => {
      const child = spawnBridgeRaw([...authArgs(tempDir()), ...args, server.url], { ...env, ...extraEnv });
      return { status: await child.waitForExit(10_000), stderr: child.stderr() };
    };
    const noIdToken = await usage(crossAppArgs(idp.issuer, idp.clientId));
    expect(noIdToken.status.code).toBe(2);
    expect(noIdToken.stderr).toContain(`cross-app access needs your ID token from ${idp.issuer}`);
    const noIdpClient = await usage(['--client-id', XAA_CLIENT_ID, '--idp-issuer', idp.issuer], { MCP_IDP_ID_TOKEN: 'x.y.z' });
    expect(noIdpClient.status.code).toBe(2);
    expect(noIdpClient.stderr).toContain('--idp-issuer needs --idp-client-id');
    const strayFile = await usage(['--client-id', XAA_CLIENT_ID, '--id-token-file', idTokenFile], { MCP_IDP_CLIENT_SECRET: '' });
    expect(strayFile.status.code).toBe(2);
    expect(strayFile.stderr).toContain('--id-token-file is for cross-app access and needs --idp-issuer');
  });
});
