// `status [<url>] [--json]` and `logout [<url>] [--all]` after real logins (real oidc-provider, real protected MCP
// servers, the real CLI): what is listed (never a secret), filtering by server, the empty store, an unreadable
// record; logout of one server (the next bridge run must log in again), of everything (with counts), and its usage
// errors; and, with a private real Secret Service, that logout removes the keychain entry too.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthBridge, tempDir, fileStore } from '../helpers/auth-bridge.js';
import { observeProviderSecrets, storedLogins, storeRecords, storeSecrets, type ObservedSecrets } from '../helpers/auth-secrets.js';
import { useTeardown } from '../helpers/cleanup.js';
import { usePrivateKeyring } from '../helpers/keyring.js';
import { startAuthStack, startProtectedMcpServer, type AuthStack, type ProtectedMcpServer } from '../helpers/oidc/index.js';
import { withTimeout } from '../helpers/wait.js';
import { browserCommand } from '../helpers/browser-command.js';
import { runCli } from '../helpers/cli.js';

useTeardown();

let stack: AuthStack;
let other: ProtectedMcpServer;
let observed: ObservedSecrets;

beforeAll(async () => {
  stack = await startAuthStack({ teardown: 'manual' });
  // A second server trusting the same provider, for filtering and --all.
  other = await startProtectedMcpServer({ issuer: stack.provider.issuer, jwksUri: stack.provider.jwksUri, teardown: 'manual' });
  observed = observeProviderSecrets(stack.provider);
}, 30_000);

afterAll(async () => {
  await other?.close();
  await stack?.close();
});

/** Logs in to `url` with the `login` command and a headless browser; asserts it worked. */
async function login(url: string, configDir: string, store: string[] = fileStore(configDir), env: Record<string, string> = {}): Promise<void> {
  const browser = browserCommand(tempDir(), { login: {} });
  const result = await runCli(['login', ...store, '--auth-timeout', '20s', '--browser', browser.command, url], env);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toMatch(/^Logged in to /);
}

/** Every secret the provider issued or received so far, plus every secret in the store's files. */
function secrets(configDir: string): [string, string][] {
  return [...observed.entries(), ...storeSecrets(configDir).map((v): [string, string] => ['stored secret', v])];
}

function leaks(text: string, configDir: string): string[] {
  return secrets(configDir)
    .filter(([, v]) => text.includes(v))
    .map(([kind, v]) => `${kind} (length ${v.length})`);
}

describe('status', () => {
  it('lists a login as a table: server, issuer, client and its origin, scopes, store, expiry, refresh token; no secret', async () => {
    const configDir = tempDir();
    await login(stack.server.url, configDir);
    const meta = storedLogins(configDir)[0]!.json.metadata;
    const result = await runCli(['status', '--config-dir', configDir]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe(stack.server.url);
    expect(lines[1]).toBe(`  issuer:   ${stack.provider.issuer}`);
    expect(lines[2]).toBe(`  client:   ${meta.clientId} (dynamic registration)`);
    expect(lines[3]).toBe('  scopes:   mcp:read');
    expect(lines[4]).toBe('  store:    files (0600)');
    expect(lines[5]).toMatch(/^ {2}access: {3}until .+ \((59|60) min\)$/);
    expect(lines[6]).toBe('  refresh:  yes');
    expect(observed.counts().access_token).toBeGreaterThanOrEqual(1);
    expect(storeSecrets(configDir).length).toBeGreaterThanOrEqual(2);
    expect(leaks(result.stdout + result.stderr, configDir)).toEqual([]);
  });

  it('--json: the same fields as data, and no secret anywhere (even with --debug)', async () => {
    const configDir = tempDir();
    await login(stack.server.url, configDir);
    const meta = storedLogins(configDir)[0]!.json.metadata;
    const result = await runCli(['status', '--json', '--debug', '--config-dir', configDir]);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as { logins: Record<string, unknown>[]; unreadable: unknown[] };
    expect(json.unreadable).toEqual([]);
    expect(json.logins).toHaveLength(1);
    const row = json.logins[0]!;
    expect(Object.keys(row).sort()).toEqual(
      ['clientId', 'clientIdSource', 'expired', 'expiresAt', 'issuer', 'obtainedAt', 'refreshToken', 'scopes', 'server', 'store'].sort(),
    );
    expect(row).toMatchObject({
      server: stack.server.url,
      issuer: stack.provider.issuer,
      clientId: meta.clientId,
      clientIdSource: 'dynamic',
      scopes: ['mcp:read'],
      store: 'file',
      expired: false,
      refreshToken: true,
      expiresAt: new Date(meta.expiresAt!).toISOString(),
      obtainedAt: new Date(meta.obtainedAt!).toISOString(),
    });
    expect(leaks(result.stdout + result.stderr, configDir)).toEqual([]);
  });

  it('filters by server URL (table and --json); a server without a login says so', async () => {
    const configDir = tempDir();
    await login(stack.server.url, configDir);
    await login(other.url, configDir);

    const all = await runCli(['status', '--json', '--config-dir', configDir]);
    expect((JSON.parse(all.stdout) as { logins: { server: string }[] }).logins.map((l) => l.server).sort()).toEqual([stack.server.url, other.url].sort());

    const one = await runCli(['status', '--config-dir', configDir, other.url]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout.split('\n')[0]).toBe(other.url);
    expect(one.stdout).not.toContain(stack.server.url);

    const oneJson = await runCli(['status', '--json', '--config-dir', configDir, stack.server.url]);
    expect((JSON.parse(oneJson.stdout) as { logins: { server: string }[] }).logins.map((l) => l.server)).toEqual([stack.server.url]);

    const none = await runCli(['status', '--config-dir', configDir, 'http://127.0.0.1:9/elsewhere']);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('No stored login for http://127.0.0.1:9/elsewhere.\n');
  });

  it('an empty store: a message naming the directory; --json gives empty lists', async () => {
    const configDir = tempDir();
    const table = await runCli(['status', '--config-dir', configDir]);
    expect(table.code).toBe(0);
    expect(table.stdout).toBe(`No stored logins (in ${configDir}).\n`);
    const json = await runCli(['status', '--json', '--config-dir', configDir]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ logins: [], unreadable: [] });
  });

  it('an unreadable record is reported (path and reason) and the good login is still listed', async () => {
    const configDir = tempDir();
    await login(stack.server.url, configDir);
    const broken = join(configDir, 'tokens', `${'ab'.repeat(32)}.json`);
    mkdirSync(join(configDir, 'tokens'), { recursive: true });
    writeFileSync(broken, '{ this is not json', { mode: 0o600 });

    const table = await runCli(['status', '--config-dir', configDir]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toBe(stack.server.url);
    expect(table.stdout).toMatch(new RegExp(`^unreadable record ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .+ \\(treated as absent; delete it or run logout --all\\)$`, 'm'));
    expect(table.stdout).not.toContain('this is not json');

    const json = JSON.parse((await runCli(['status', '--json', '--config-dir', configDir])).stdout) as {
      logins: unknown[];
      unreadable: { path: string; reason: string }[];
    };
    expect(json.logins).toHaveLength(1);
    expect(json.unreadable).toEqual([{ path: broken, reason: expect.any(String) }]);
    expect(json.unreadable[0]!.reason.length).toBeGreaterThan(0);
  });
});

describe('logout', () => {
  it('logout <url> removes that server\'s login only; status shows none; the next bridge run needs a login', async () => {
    const configDir = tempDir();
    await login(stack.server.url, configDir);
    await login(other.url, configDir);
    expect(storedLogins(configDir)).toHaveLength(2);

    const result = await runCli(['logout', ...fileStore(configDir), stack.server.url]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`Removed 1 login(s) for ${stack.server.url}.\n`);
    expect(storedLogins(configDir).map((r) => r.json.metadata.serverUrl)).toEqual([other.url]);

    const status = await runCli(['status', '--config-dir', configDir, stack.server.url]);
    expect(status.stdout).toBe(`No stored login for ${stack.server.url}.\n`);
    const rest = await runCli(['status', '--config-dir', configDir]);
    expect(rest.stdout.split('\n')[0]).toBe(other.url);

    const again = await runCli(['logout', ...fileStore(configDir), stack.server.url]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`No stored login for ${stack.server.url}.\n`);

    // The bridge for that server must log in again (it prints a login URL instead of connecting).
    const bridge = startAuthBridge({ url: stack.server.url, configDir });
    const url = await Promise.race([
      bridge.waitForLoginUrl(0),
      bridge.connected.then(() => {
        throw new Error('the bridge connected with a login that logout should have removed');
      }),
    ]);
    expect(url.startsWith(`${stack.provider.issuer}/auth?`)).toBe(true);
    await bridge.close();
  });

  it('logout --all removes every login and client registration and says how many', async () => {
    const configDir = tempDir();
    await login(stack.server.url, configDir);
    await login(other.url, configDir);
    const registrations = storeRecords(configDir).filter((r) => r.kind === 'registrations').length;
    expect(registrations).toBeGreaterThanOrEqual(1);

    const result = await runCli(['logout', '--all', ...fileStore(configDir)]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`Removed 2 login(s) and ${registrations} client registration(s).\n`);
    expect(storeRecords(configDir)).toEqual([]);
    const status = await runCli(['status', '--config-dir', configDir]);
    expect(status.stdout).toBe(`No stored logins (in ${configDir}).\n`);

    const empty = await runCli(['logout', '--all', ...fileStore(configDir)]);
    expect(empty.stdout).toBe('Removed 0 login(s) and 0 client registration(s).\n');
  });

  it('logout --all also removes an unreadable record', async () => {
    const configDir = tempDir();
    await login(stack.server.url, configDir);
    const broken = join(configDir, 'tokens', `${'cd'.repeat(32)}.json`);
    writeFileSync(broken, 'garbage', { mode: 0o600 });
    const result = await runCli(['logout', '--all', ...fileStore(configDir)]);
    expect(result.code, result.stderr).toBe(0);
    const status = JSON.parse((await runCli(['status', '--json', '--config-dir', configDir])).stdout) as { logins: unknown[]; unreadable: unknown[] };
    expect(status).toEqual({ logins: [], unreadable: [] });
  });

  it('logout without a server or --all is a usage error (exit 2) with an example; both at once too', async () => {
    const configDir = tempDir();
    const bare = await runCli(['logout', ...fileStore(configDir)]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('mcp-auth-bridge: logout: name the server, or pass --all');
    expect(bare.stderr).toContain('mcp-auth-bridge logout https://mcp.example.com/mcp');
    const both = await runCli(['logout', '--all', ...fileStore(configDir), stack.server.url]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('logout: give a server or --all, not both');
  });
});

describe('status and logout with the OS keychain (private gnome-keyring)', () => {
  const keyring = usePrivateKeyring();

  it('status says "OS keychain"; logout <url> removes the keychain entry as well as the metadata file', async () => {
    const configDir = tempDir();
    const store = ['--token-store', 'keychain', '--config-dir', configDir];
    await login(stack.server.url, configDir, store, keyring().env);
    const [record] = storedLogins(configDir);
    expect(record!.json.metadata.store).toBe('keychain');
    const key = record!.path.split('/').pop()!.replace(/\.json$/, '');
    expect(await keyring().lookup('mcp-auth-bridge', key), 'no keychain entry after login').toBeTruthy();

    const status = await runCli(['status', ...store], keyring().env);
    expect(status.stdout).toContain('  store:    OS keychain');
    expect(leaks(status.stdout + status.stderr, configDir)).toEqual([]);
    const json = JSON.parse((await runCli(['status', '--json', ...store], keyring().env)).stdout) as { logins: { store: string }[] };
    expect(json.logins.map((l) => l.store)).toEqual(['keychain']);

    const result = await withTimeout('logout', runCli(['logout', ...store, stack.server.url], keyring().env), 20_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`Removed 1 login(s) for ${stack.server.url}.\n`);
    expect(await keyring().lookup('mcp-auth-bridge', key), 'the keychain entry survived logout').toBeFalsy();
    expect(storedLogins(configDir)).toEqual([]);
  });
});
