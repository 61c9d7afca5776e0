// --client-credentials: machine-to-machine tokens (OAuth client credentials grant, SEP-1046) for a pre-registered
// client authenticating with its secret or with private_key_jwt (RFC 7523 §2.2; an RSA, EC or Ed25519 PEM from a
// file or from MCP_CLIENT_KEY). No user, no browser, no refresh token: the token is requested again before it
// expires and on 401, once between parallel bridges. Nothing secret is stored or logged, and the key never is.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuthorizationServer } from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { preRegisteredClient } from '../../src/auth/client.js';
import { authArgs, connectWithoutLogin, startAuthBridge, tempDir, whoami, type AuthBridge } from '../helpers/auth-bridge.js';
import { leakedKinds, observeProviderSecrets, storedLogins, storeRecords } from '../helpers/auth-secrets.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { clientKeyPairs, jwtClientMetadata, JWT_CLIENT_ID, startAuthStack, type AuthStackOptions } from '../helpers/oidc/index.js';
import { initializeOutcome } from '../helpers/outcomes.js';
import { withTimeout } from '../helpers/wait.js';

useTeardown();

async function stack(options: AuthStackOptions['provider'] = {}) {
  const started = await startAuthStack({ provider: { extraClients: [await jwtClientMetadata()], ...options } });
  return started;
}

const machineArgs = (clientId: string, extra: string[] = []) => ['--client-credentials', '--client-id', clientId, ...extra];

describe('client credentials (--client-credentials)', () => {
  it('with the client secret: a token for the client, no user, no browser, stored without the secret', async () => {
    const { provider, server } = await stack();
    const observed = observeProviderSecrets(provider);
    const configDir = tempDir();
    const { clientId, clientSecret } = provider.confidentialClient;
    const bridge = await connectWithoutLogin({ url: server.url, configDir, args: machineArgs(clientId, ['--debug']), env: { OIDC_CLIENT_SECRET: clientSecret } });
    expect(await whoami(bridge)).toEqual({ sub: clientId, clientId, scopes: ['mcp:read'] });
    expect(bridge.loginUrls()).toEqual([]);
    expect(provider.counters.authorizationRequests).toBe(0);
    expect(provider.counters.registrations).toBe(0);
    expect(provider.tokenRequests.map((t) => [t.grantType, t.status, t.clientId])).toEqual([['client_credentials', 200, clientId]]);

    const [login] = storedLogins(configDir);
    expect(login!.json.metadata).toMatchObject({ grant: 'client_credentials', clientId, clientIdSource: 'pre-registered', hasRefreshToken: false, resource: server.url });
    const files = storeRecords(configDir).map((r) => readFileSync(r.path, 'utf8')).join('\n');
    expect(files).not.toContain(clientSecret);
    expect(leakedKinds(bridge.stderr(), [...observed.entries(), ['client secret', clientSecret]], 'stderr')).toEqual([]);
    expect(bridge.stderr()).toContain(`obtained an access token for ${new URL(server.url).host} with the client credentials of ${clientId}`);
  });

  it('with private_key_jwt: an RSA key from a PEM file, an EC P-256 key from MCP_CLIENT_KEY, an Ed25519 key with its kid', async () => {
    const { provider, server } = await stack();
    const keys = await clientKeyPairs();
    const dir = tempDir();
    const rsaFile = join(dir, 'client-rsa.pem');
    const edFile = join(dir, 'client-ed25519.pem');
    writeFileSync(rsaFile, keys.RS256.pem, { mode: 0o600 });
    writeFileSync(edFile, keys.EdDSA.pem, { mode: 0o600 });
    const runs: [string, string[], Record<string, string>][] = [
      ['RS256 file', ['--client-key', rsaFile], {}],
      ['ES256 env', [], { MCP_CLIENT_KEY: keys.ES256.pem }],
      ['EdDSA file + kid', ['--client-key', edFile, '--client-key-id', keys.EdDSA.kid], {}],
    ];
    for (const [label, args, env] of runs) {
      const configDir = tempDir();
      const bridge = await connectWithoutLogin({ url: server.url, configDir, label, args: machineArgs(JWT_CLIENT_ID, [...args, '--debug']), env });
      expect(await whoami(bridge), label).toMatchObject({ sub: JWT_CLIENT_ID, clientId: JWT_CLIENT_ID });
      const files = storeRecords(configDir).map((r) => readFileSync(r.path, 'utf8')).join('\n');
      expect(files, label).not.toContain('PRIVATE KEY');
      expect(bridge.stderr(), label).not.toContain('PRIVATE KEY');
      expect(storedLogins(configDir)[0]!.json.metadata, label).toMatchObject({ grant: 'client_credentials', clientIdSource: 'pre-registered' });
      await bridge.close();
    }
    const requests = provider.tokenRequests.filter((t) => t.grantType === 'client_credentials');
    expect(requests.map((t) => [t.status, t.clientId])).toEqual(runs.map(() => [200, JWT_CLIENT_ID]));
  });

  it('asks again before the token expires (no refresh token), and on 401', async () => {
    const { provider, server } = await stack({ accessTokenTtlSeconds: 4 });
    const configDir = tempDir();
    const { clientId, clientSecret } = provider.confidentialClient;
    const env = { OIDC_CLIENT_SECRET: clientSecret };
    const bridge = await connectWithoutLogin({ url: server.url, configDir, args: machineArgs(clientId), env });
    expect((await whoami(bridge)).sub).toBe(clientId);
    const first = storedLogins(configDir)[0]!.json.metadata;
    const refused = server.counters.unauthorized;

    // Proactively: a call after the token's end gets a new token first, without being refused.
    await sleep(Math.max(0, Number(first.expiresAt) - Date.now() + 300));
    expect((await whoami(bridge)).sub).toBe(clientId);
    expect(server.counters.unauthorized).toBe(refused);
    expect(provider.tokenRequests.filter((t) => t.grantType === 'client_credentials').map((t) => t.status)).toEqual([200, 200]);
    expect(Number(storedLogins(configDir)[0]!.json.metadata.obtainedAt)).toBeGreaterThan(Number(first.obtainedAt));
    await bridge.close();

    // On 401: a stored token the server no longer accepts (here: garbled) is replaced by a new request.
    const [record] = storeRecords(configDir).filter((r) => r.kind === 'tokens');
    const json = JSON.parse(readFileSync(record!.path, 'utf8'));
    json.secrets.accessToken = 'not-a-valid-token';
    json.metadata.expiresAt = Date.now() + 3_600_000;
    writeFileSync(record!.path, JSON.stringify(json), { mode: 0o600 });
    const again = await connectWithoutLogin({ url: server.url, configDir, args: machineArgs(clientId), env, label: 'after 401' });
    expect((await whoami(again)).sub).toBe(clientId);
    expect(server.requests.some((r) => r.tokenError !== undefined)).toBe(true);
    expect(provider.tokenRequests.filter((t) => t.grantType === 'client_credentials')).toHaveLength(3);
  });

  it('four bridges at once make one token request, and one more when the token runs out', async () => {
    const ttl = 6;
    const { provider, server } = await stack({ accessTokenTtlSeconds: ttl });
    const configDir = tempDir();
    const { clientId, clientSecret } = provider.confidentialClient;
    const started = Date.now();
    const bridges: AuthBridge[] = [0, 1, 2, 3].map((i) =>
      startAuthBridge({ url: server.url, configDir, label: `bridge-${i}`, args: machineArgs(clientId), env: { OIDC_CLIENT_SECRET: clientSecret } }),
    );
    const connected = await Promise.allSettled(bridges.map((b) => withTimeout(`${b.label} to connect`, b.connected, 20_000)));
    const failures = connected.flatMap((r, i) => (r.status === 'rejected' ? [`${bridges[i]!.label}: ${String(r.reason)}`] : []));
    expect(failures, failures.join('\n')).toEqual([]);
    const cc = () => provider.tokenRequests.filter((t) => t.grantType === 'client_credentials');
    expect(cc()).toHaveLength(1);
    expect(Date.now() - started, 'the bridges took longer than the token lifetime to start').toBeLessThan(ttl * 900);

    const expiresAt = Number(storedLogins(configDir)[0]!.json.metadata.expiresAt);
    await sleep(Math.max(0, expiresAt - Date.now() + 300));
    const results = await Promise.allSettled(bridges.map((b) => whoami(b)));
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${bridges[i]!.label}: ${String(r.reason)}`] : []));
    expect(failed, failed.join('\n')).toEqual([]);
    expect(cc().map((t) => t.status)).toEqual([200, 200]);
    expect(storedLogins(configDir)).toHaveLength(1);
  });

  it('a wrong secret is refused with invalid_client and a hint; contradictory or incomplete options stop the bridge (exit 2)', async () => {
    const { provider, server } = await stack();
    const { clientId } = provider.confidentialClient;
    const raw = spawnBridgeRaw([...authArgs(tempDir()), ...machineArgs(clientId), server.url], { OIDC_CLIENT_SECRET: 'wrong-secret-0123456789' });
    const end = await initializeOutcome(raw, 20_000);
    expect(end.kind).toBe('error');
    if (end.kind === 'error') {
      expect(end.message).toContain(`refused the client credentials of ${clientId}: invalid_client`);
      expect(end.message).toContain('check --client-id and the client secret');
      expect(end.message).not.toContain('wrong-secret-0123456789');
    }

    const usage = async (args: string[], env: Record<string, string> = {}) => {
      const child = spawnBridgeRaw([...authArgs(tempDir()), ...args, server.url], env);
      const status = await child.waitForExit(10_000);
      return { code: status.code, stderr: child.stderr() };
    };
    const noSecret = await usage(machineArgs(clientId));
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain("--client-credentials needs the client's secret or key");
    const noId = await usage(['--client-credentials']);
    expect(noId).toMatchObject({ code: 2 });
    expect(noId.stderr).toContain('--client-credentials needs --client-id');
    const both = await usage(['--device-code', ...machineArgs(clientId)], { OIDC_CLIENT_SECRET: 'x' });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--device-code and --client-credentials cannot be used together');
    const badKey = await usage(machineArgs(JWT_CLIENT_ID), { MCP_CLIENT_KEY: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n' });
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain('--client-key: MCP_CLIENT_KEY is not a PEM private key');
    const missingFile = await usage(machineArgs(JWT_CLIENT_ID, ['--client-key', join(tempDir(), 'absent.pem')]));
    expect(missingFile.code).toBe(2);
    expect(missingFile.stderr).toMatch(/--client-key: cannot read .*absent\.pem: ENOENT/);
    expect(Object.keys(provider.counters.tokenRequests)).toEqual(['client_credentials']); // only the wrong-secret attempt
  });
});

describe('client authentication of a pre-registered client', () => {
  const as = (methods?: string[]): AuthorizationServer => ({
    issuer: 'https://as.example',
    token_endpoint: 'https://as.example/token',
    ...(methods ? { token_endpoint_auth_methods_supported: methods } : {}),
  });

  async function sent(server: AuthorizationServer, credentials: Parameters<typeof preRegisteredClient>[2]) {
    const client = await preRegisteredClient(server, 'machine', credentials);
    const body = new URLSearchParams();
    const headers = new Headers();
    await client.auth(server, client.client, body, headers);
    return { method: client.client.token_endpoint_auth_method, body: Object.fromEntries(body), authorization: headers.get('authorization') };
  }

  it('uses client_secret_basic unless the metadata lists only client_secret_post, and private_key_jwt with a key', async () => {
    expect(await sent(as(), { secret: 's3cret' })).toMatchObject({ method: 'client_secret_basic', authorization: `Basic ${btoa('machine:s3cret')}` });
    expect(await sent(as(['client_secret_post']), { secret: 's3cret' })).toMatchObject({
      method: 'client_secret_post',
      body: { client_id: 'machine', client_secret: 's3cret' },
      authorization: null,
    });
    const { parseClientKey } = await import('../../src/auth/client-key.js');
    const key = parseClientKey((await clientKeyPairs()).ES256.pem, { source: 'test', kid: 'k1' });
    const jwt = await sent(as(['private_key_jwt']), { key });
    expect(jwt).toMatchObject({ method: 'private_key_jwt', body: { client_id: 'machine', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' } });
    const [header, payload] = jwt.body.client_assertion!.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    expect(header).toEqual({ alg: 'ES256', kid: 'k1' });
    expect(payload).toMatchObject({ iss: 'machine', sub: 'machine', aud: 'https://as.example' });
    await expect(preRegisteredClient(as(['client_secret_basic']), 'machine', { key })).rejects.toThrow(/does not accept private_key_jwt/);
  });
});
