// --debug lets a user debug: each HTTP exchange (method, URL without secrets, status, time), the discovery URLs
// tried and what each answered, the names (never the values) of the headers sent, and each message's method and id
// in both directions — against a real protected server and a real login, with no token, code, verifier or secret
// in the output. And without --debug, the start-up line names the credential store, without opening it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectWithLogin, tempDir, whoami } from '../helpers/auth-bridge.js';
import { leakedKinds, observeProviderSecrets, storeSecrets } from '../helpers/auth-secrets.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startAuthStack } from '../helpers/oidc/index.js';
import { startStreamableServer } from '../helpers/servers.js';

useTeardown();

describe('--debug shows what happened on the wire', () => {
  it('logs every HTTP exchange, the discovery attempts, header names and messages both ways, and no secret', async () => {
    const stack = await startAuthStack();
    const observed = observeProviderSecrets(stack.provider);
    const configDir = join(tempDir(), 'config');
    const { bridge, login } = await connectWithLogin({ url: stack.server.url, configDir, args: ['--debug', '--scopes', 'openid mcp:read'] });
    observed.add('code(callback)', login.params.get('code'));
    observed.add('state', login.params.get('state'));
    expect((await whoami(bridge)).sub).toBe('alice');
    const stored = storeSecrets(configDir);
    await bridge.close();
    const stderr = bridge.stderr();
    const lines = stderr.split('\n');
    const mcp = stack.server.url.replace(/[.]/g, '\\.');

    // Each exchange: method, URL, status, content type, time until headers.
    expect(stderr).toMatch(new RegExp(`http: POST ${mcp} → 401 (\\S+ )?in \\d+ ms`));
    expect(stderr).toMatch(new RegExp(`http: POST ${mcp} → 200 (application/json|text/event-stream) in \\d+ ms`));
    // Discovery: each well-known URL tried, with its answer.
    expect(stderr).toMatch(/oauth discovery: GET http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\S* → 200 application\/json in \d+ ms/);
    expect(stderr).toMatch(/oauth discovery: GET http:\/\/127\.0\.0\.1:\d+\/\.well-known\/(oauth-authorization-server|openid-configuration)\S* → \d{3}/);
    // The token request is an exchange too, with its header names only.
    expect(stderr).toMatch(/oauth: POST http:\/\/127\.0\.0\.1:\d+\/\S*token\S* → 200 application\/json in \d+ ms; headers sent: [a-z, -]*content-type/);
    // Header names sent upstream, never their values.
    const authorized = lines.filter((l) => /http: POST .* → 200 .*headers sent: .*\bauthorization\b/.test(l));
    expect(authorized.length).toBeGreaterThan(0);
    expect(lines.some((l) => /http: POST .*headers sent: .*\bmcp-session-id\b/.test(l))).toBe(true);
    // Messages, both ways, by method and id.
    expect(stderr).toMatch(/from client: request initialize id=0/);
    expect(stderr).toMatch(/to client: response id=0/);
    expect(stderr).toMatch(/from client: notification notifications\/initialized/);
    expect(stderr).toMatch(/from client: request tools\/call id=\d+/);
    expect(stderr).toMatch(/to client: response id=\d+/);
    // Never the params of a message.
    expect(stderr).not.toContain('"whoami"');

    const secrets: [string, string][] = [
      ...observed.entries().filter(([kind]) => kind !== 'state'),
      ...stored.map((v): [string, string] => ['stored secret', v]),
    ];
    expect(secrets.length).toBeGreaterThan(3);
    expect(leakedKinds(stderr, secrets, 'stderr')).toEqual([]);
    expect(stderr).not.toMatch(/Bearer\s+(?!\[redacted)[A-Za-z0-9._~+/-]{8,}/);
    expect(stderr).not.toMatch(/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\./);
  });

  it('strips query values from logged URLs (user info is refused before anything is sent)', async () => {
    const server = await startStreamableServer();
    const url = new URL(server.url);
    url.search = '?token=query-secret-1&code=query-secret-2';
    const raw = spawnBridgeRaw(['--debug', url.href]);
    await raw.initialize();
    raw.endInput();
    await raw.waitForExit();
    const stderr = raw.stderr();
    expect(stderr).toMatch(/http: POST http:\/\/127\.0\.0\.1:\d+\/mcp\?token=(…|\[redacted\])&code=(…|\[redacted\]) → 200/);
    for (const secret of ['query-secret-1', 'query-secret-2']) expect(stderr).not.toContain(secret);
  });
});

describe('the start-up line names the credential store', () => {
  it('without --debug, and without opening the store', async () => {
    const server = await startStreamableServer();
    const root = tempDir();
    const cases: { args: string[]; says: string }[] = [
      { args: ['--token-store', 'file', '--config-dir', join(root, 'files')], says: `credentials: files in ${join(root, 'files')}` },
      { args: ['--token-store', 'auto', '--config-dir', join(root, 'auto')], says: `credentials: OS keychain, else files in ${join(root, 'auto')}` },
      { args: ['--token-store', 'keychain', '--config-dir', join(root, 'keychain')], says: 'credentials: OS keychain' },
      { args: ['--header', 'Authorization: Bearer static-key-value'], says: 'no login (static Authorization header)' },
    ];
    for (const c of cases) {
      const raw = spawnBridgeRaw([...c.args, server.url]);
      await raw.initialize();
      raw.endInput();
      expect(await raw.waitForExit()).toEqual({ code: 0, signal: null });
      const banner = raw.stderr().split('\n').find((l) => l.includes('stdio ⇄'));
      expect(banner, raw.stderr()).toBeDefined();
      expect(banner).toContain(c.says);
      expect(raw.stderr()).not.toMatch(/debug:/);
    }
    // No login was needed, so no store was opened: nothing was created in the config directories.
    for (const dir of ['files', 'auto', 'keychain']) expect(existsSync(join(root, dir))).toBe(false);
  });
});
