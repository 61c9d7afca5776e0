// Workload identity federation (SEP-1933): the bridge runs as a workload whose platform (a small real OIDC issuer
// here, as a cluster's service-account issuer is) gives it a short-lived JWT in a file it rotates. The bridge
// presents that JWT to the MCP server's authorization server (a real oidc-provider) with the RFC 7523 JWT bearer
// grant and gets the workload's access token: no browser, no client secret. The file is read again for every token
// request, so a rotated token is used as soon as the access token runs out.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { authArgs, connectWithoutLogin, tempDir, whoami } from '../helpers/auth-bridge.js';
import { storedLogins, storeRecords } from '../helpers/auth-secrets.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import {
  acceptWorkloadTokens,
  startAuthStack,
  startWorkloadPlatform,
  WORKLOAD_CLIENT,
  WORKLOAD_CLIENT_ID,
  WORKLOAD_JWT_BEARER_GRANT,
  type WorkloadGrantRecord,
} from '../helpers/oidc/index.js';
import { initializeOutcome } from '../helpers/outcomes.js';

useTeardown();

/** A workload platform, and an MCP server whose authorization server trusts the platform's tokens. */
async function federation(options: { accessTokenTtlSeconds?: number } = {}) {
  const platform = await startWorkloadPlatform();
  const grants: WorkloadGrantRecord[] = [];
  const stack = await startAuthStack({
    provider: {
      extraClients: [WORKLOAD_CLIENT],
      setup: acceptWorkloadTokens(platform, grants),
      ...(options.accessTokenTtlSeconds ? { accessTokenTtlSeconds: options.accessTokenTtlSeconds } : {}),
    },
  });
  return { platform, grants, ...stack };
}

describe('workload identity (--workload-token-file)', () => {
  it('presents the platform JWT from a file with the JWT bearer grant: the workload\'s token, no browser, nothing secret kept or logged', async () => {
    const { platform, grants, provider, server } = await federation();
    const tokenFile = join(tempDir(), 'token');
    const jwt = await platform.tokenFor('system:serviceaccount:agents:reporter', { audience: provider.issuer });
    writeFileSync(tokenFile, `${jwt}\n`, { mode: 0o600 });
    const configDir = tempDir();
    const bridge = await connectWithoutLogin({ url: server.url, configDir, args: ['--client-id', WORKLOAD_CLIENT_ID, '--workload-token-file', tokenFile, '--debug'] });
    expect(await whoami(bridge)).toEqual({ sub: 'system:serviceaccount:agents:reporter', clientId: WORKLOAD_CLIENT_ID, scopes: ['mcp:read'] });

    expect(grants).toEqual([{ clientId: WORKLOAD_CLIENT_ID, resource: server.url, scope: 'mcp:read', sub: 'system:serviceaccount:agents:reporter', outcome: 'ok' }]);
    expect(provider.tokenRequests.map((t) => [t.grantType, t.status, t.clientId])).toEqual([[WORKLOAD_JWT_BEARER_GRANT, 200, WORKLOAD_CLIENT_ID]]);
    expect(provider.counters.authorizationRequests).toBe(0);
    expect(bridge.loginUrls()).toEqual([]);

    const [login] = storedLogins(configDir);
    expect(login!.json.metadata).toMatchObject({ grant: 'workload_identity', clientId: WORKLOAD_CLIENT_ID, hasRefreshToken: false });
    const stored = storeRecords(configDir).map((r) => readFileSync(r.path, 'utf8')).join('\n');
    expect(stored).not.toContain(jwt);
    expect(bridge.stderr()).not.toContain(jwt);
    expect(bridge.stderr()).not.toMatch(/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\./);
    expect(bridge.stderr()).toContain(`with the workload identity token from ${tokenFile}`);
  });

  it('reads the file again for each token request, so a rotated token is used when the access token runs out; MCP_WORKLOAD_TOKEN works too', async () => {
    const { platform, grants, provider, server } = await federation({ accessTokenTtlSeconds: 4 });
    const tokenFile = join(tempDir(), 'token');
    writeFileSync(tokenFile, await platform.tokenFor('job-1', { audience: provider.issuer }), { mode: 0o600 });
    const configDir = tempDir();
    const bridge = await connectWithoutLogin({ url: server.url, configDir, args: ['--client-id', WORKLOAD_CLIENT_ID, '--workload-token-file', tokenFile] });
    expect((await whoami(bridge)).sub).toBe('job-1');

    // The platform rotates the file (another subject here, so the test sees it was read again).
    writeFileSync(tokenFile, await platform.tokenFor('job-2', { audience: provider.issuer }), { mode: 0o600 });
    const expiresAt = Number(storedLogins(configDir)[0]!.json.metadata.expiresAt);
    await sleep(Math.max(0, expiresAt - Date.now() + 300));
    expect((await whoami(bridge)).sub).toBe('job-2');
    expect(grants.map((g) => [g.sub, g.outcome])).toEqual([['job-1', 'ok'], ['job-2', 'ok']]);
    await bridge.close();

    const fromEnv = await connectWithoutLogin({
      url: server.url,
      configDir: tempDir(),
      label: 'env',
      args: ['--client-id', WORKLOAD_CLIENT_ID],
      env: { MCP_WORKLOAD_TOKEN: await platform.tokenFor('job-3', { audience: provider.issuer }) },
    });
    expect((await whoami(fromEnv)).sub).toBe('job-3');
  });

  it('explains a refusal and never falls back to another grant; refuses contradicting options', async () => {
    const { platform, grants, provider, server } = await federation();
    const tokenFile = join(tempDir(), 'token');
    writeFileSync(tokenFile, await platform.tokenFor('job-1', { audience: 'https://somewhere-else.example' }), { mode: 0o600 });
    const child = spawnBridgeRaw([...authArgs(tempDir()), '--client-id', WORKLOAD_CLIENT_ID, '--workload-token-file', tokenFile, server.url], {});
    const end = await initializeOutcome(child, 20_000);
    expect(end.kind === 'error' && end.message).toContain(`the authorization server ${provider.issuer} refused the workload identity token from ${tokenFile}: invalid_grant`);
    expect(end.kind === 'error' && end.message).toContain(`that the token's audience is ${provider.issuer}`);
    expect(grants.map((g) => g.outcome)).toEqual(['invalid_grant']);
    expect(provider.tokenRequests.every((t) => t.grantType === WORKLOAD_JWT_BEARER_GRANT)).toBe(true);
    expect(provider.counters.authorizationRequests).toBe(0);

    writeFileSync(tokenFile, 'not a token');
    const garbled = spawnBridgeRaw([...authArgs(tempDir()), '--client-id', WORKLOAD_CLIENT_ID, '--workload-token-file', tokenFile, server.url], {});
    const garbledEnd = await initializeOutcome(garbled, 20_000);
    expect(garbledEnd.kind === 'error' && garbledEnd.message).toContain(`the workload identity token in ${tokenFile} is not a JWT`);
    expect(grants).toHaveLength(1);

    const both = spawnBridgeRaw([...authArgs(tempDir()), '--client-credentials', '--client-id', 'x', '--workload-token-file', tokenFile, server.url], { OIDC_CLIENT_SECRET: 's' });
    expect((await both.waitForExit(10_000)).code).toBe(2);
    expect(both.stderr()).toContain('--client-credentials and --workload-token-file cannot be used together');
    const missing = spawnBridgeRaw([...authArgs(tempDir()), '--workload-token-file', join(tempDir(), 'absent'), server.url], {});
    expect((await missing.waitForExit(10_000)).code).toBe(2);
    expect(missing.stderr()).toContain('--workload-token-file: cannot read');
  });
});
