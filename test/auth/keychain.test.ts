// Where the login is kept: `--token-store auto` without a Secret Service falls back to 0600 files with one line on
// stderr saying so; with a (private, real) gnome-keyring on its own D-Bus the secrets go to the keychain and the
// files under --config-dir hold metadata only.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectWithLogin, connectWithoutLogin, tempDir, whoami } from '../helpers/auth-bridge.js';
import { leakedKinds, observeProviderSecrets, storedLogins, storeRecords } from '../helpers/auth-secrets.js';
import { useTeardown } from '../helpers/cleanup.js';
import { usePrivateKeyring } from '../helpers/keyring.js';
import { startAuthStack } from '../helpers/oidc/index.js';

useTeardown();

const KEYCHAIN_SERVICE = 'mcp-auth-bridge';

/** The text of every file under `dir`. */
function allFileText(dir: string): string {
  let text = '';
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    else text += `${readFileSync(path, 'utf8')}\n`;
  };
  walk(dir);
  return text;
}

describe('token store selection', () => {
  it('--token-store auto without a Secret Service (no DBUS_SESSION_BUS_ADDRESS) falls back to files, with one line saying so', async () => {
    const stack = await startAuthStack();
    const configDir = tempDir();
    const { bridge } = await connectWithLogin({
      url: stack.server.url,
      configDir,
      rawArgs: ['--token-store', 'auto', '--config-dir', configDir, '--auth-timeout', '20s', '--no-browser'],
    });
    expect((await whoami(bridge)).sub).toBe('alice');
    const notes = bridge.stderr().split('\n').filter((l) => /keychain/i.test(l) && !l.includes('stdio ⇄')); // the banner names the choice
    expect(notes, bridge.stderr()).toHaveLength(1);
    expect(notes[0]).toMatch(/files/);
    expect(notes[0]).toContain(configDir);
    const logins = storedLogins(configDir);
    expect(logins).toHaveLength(1);
    expect(logins[0]!.json.metadata.store).toBe('file');
    expect(logins[0]!.json.secrets?.accessToken).toBeTruthy();
  });
});

describe('OS keychain (private gnome-keyring)', () => {
  const keyring = usePrivateKeyring();

  it('--token-store auto stores the login in the keychain (no secret in any file) and a second run reuses it without logging in', async () => {
    const stack = await startAuthStack();
    const { provider, server } = stack;
    const observed = observeProviderSecrets(provider);
    const configDir = tempDir();
    const args = (store: string) => ['--token-store', store, '--config-dir', configDir, '--auth-timeout', '20s', '--no-browser'];
    // auto: the keychain works here, so it is used (and no fallback note is printed).
    const { bridge, login } = await connectWithLogin({ url: server.url, configDir, rawArgs: args('auto'), env: keyring().env });
    observed.add('code(callback)', login.params.get('code'));
    expect((await whoami(bridge)).sub).toBe('alice');
    expect(bridge.stderr()).not.toMatch(/not in the OS keychain/);
    await bridge.close();

    const records = storeRecords(configDir);
    const logins = records.filter((r) => r.kind === 'tokens');
    expect(logins).toHaveLength(1);
    expect(logins[0]!.json.metadata.store).toBe('keychain');
    expect(records.every((r) => r.json.secrets === undefined)).toBe(true);
    expect(observed.counts().access_token).toBeGreaterThanOrEqual(1);
    expect(leakedKinds(allFileText(configDir), observed.entries(), '--config-dir files')).toEqual([]);

    const key = logins[0]!.path.split('/').pop()!.replace(/\.json$/, '');
    const inKeychain = await keyring().lookup(KEYCHAIN_SERVICE, key);
    expect(inKeychain, 'no keychain entry for the login').toBeTruthy();
    const accessTokens = observed.entries().filter(([kind]) => kind === 'access_token').map(([, v]) => v);
    expect(accessTokens.some((t) => inKeychain!.includes(t))).toBe(true);

    const second = await connectWithoutLogin({ url: server.url, configDir, rawArgs: args('keychain'), env: keyring().env, label: 'second' });
    expect((await whoami(second)).sub).toBe('alice');
    expect(provider.counters.authorizationRequests).toBe(1);
  });
});
