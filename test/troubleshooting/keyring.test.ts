// docs/troubleshooting.md, the credential store: a login kept in the OS keychain while the keyring is locked, with
// `--token-store auto` (a real private gnome-keyring on its own D-Bus, locked through the Secret Service). The
// bridge says so and what to do, registering nothing; `--token-store file`, one documented fix, logs in into files.
import { describe, expect, it } from 'vitest';
import { connectWithLogin, tempDir, whoami } from '../helpers/auth-bridge.js';
import { storedLogins } from '../helpers/auth-secrets.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { usePrivateKeyring } from '../helpers/keyring.js';
import { initializeOutcome } from '../helpers/outcomes.js';
import { expectDocumented } from './readme-rows.js';
import { startAuthStack } from '../helpers/oidc/index.js';

useTeardown();

describe('troubleshooting: the credential store', () => {
  const keyring = usePrivateKeyring();

  it('`the keyring is locked or unavailable (…), and your login… kept in it`: a locked keyring holding the login; --token-store file (the fix) logs in', async () => {
    const { provider, server } = await startAuthStack();
    const configDir = tempDir();
    const auto = ['--token-store', 'auto', '--config-dir', configDir, '--auth-timeout', '20s'];
    const { bridge } = await connectWithLogin({ url: server.url, configDir, rawArgs: [...auto, '--no-browser'], env: keyring().env });
    expect((await whoami(bridge)).sub).toBe('alice');
    await bridge.close();
    expect(storedLogins(configDir).map((l) => l.json.metadata.store)).toEqual(['keychain']);
    await keyring().lock();
    const registrations = provider.counters.registrations;

    const raw = spawnBridgeRaw([...auto, '--no-browser', server.url], keyring().env);
    const end = await initializeOutcome(raw, 30_000);
    expect(end.kind, JSON.stringify(end)).toBe('error');
    const message = end.kind === 'error' ? end.message : '';
    expectDocumented(message, 'the keyring is locked or unavailable');
    expect(message).toContain(`your login is kept in it (${server.url})`);
    expect(provider.counters.registrations).toBe(registrations);

    // The documented fix without unlocking: --token-store file, and one more login, into files.
    const files = tempDir();
    const { bridge: fixed } = await connectWithLogin({ url: server.url, configDir: files, env: keyring().env });
    expect((await whoami(fixed)).sub).toBe('alice');
    expect(storedLogins(files).map((l) => l.json.metadata.store)).toEqual(['file']);
  });
});
