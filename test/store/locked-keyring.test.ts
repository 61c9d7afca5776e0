// A locked keyring: with a login kept in the keychain, `--token-store auto` once fell back to files quietly — it
// registered a new client, ran a second browser login and stored it in files, so `status` listed two logins for
// one server while `doctor` said all was well. Now the bridge says "the keyring is locked: unlock it, or use
// --token-store file", registers nothing, opens no browser and writes no login to files; `status` lists one login;
// `doctor` reports the locked keyring with the fix. A real private gnome-keyring, locked through the Secret Service.
import { describe, expect, it } from 'vitest';
import { connectWithLogin, tempDir, whoami } from '../helpers/auth-bridge.js';
import { storedLogins } from '../helpers/auth-secrets.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { usePrivateKeyring } from '../helpers/keyring.js';
import { startAuthStack } from '../helpers/oidc/index.js';
import { initializeOutcome } from '../helpers/outcomes.js';
import { doctorSteps } from '../helpers/doctor-report.js';
import { runCli } from '../helpers/cli.js';
import { browserCommand } from '../helpers/browser-command.js';

useTeardown();

describe('a locked keyring that holds the login (--token-store auto)', () => {
  const keyring = usePrivateKeyring();

  it('says the keyring is locked and what to do; no new registration, no browser, nothing in files; status lists one login; doctor reports it', async () => {
    const stack = await startAuthStack();
    const { provider, server } = stack;
    const configDir = tempDir();
    const auto = ['--token-store', 'auto', '--config-dir', configDir, '--auth-timeout', '20s'];
    const { bridge } = await connectWithLogin({ url: server.url, configDir, rawArgs: [...auto, '--no-browser'], env: keyring().env });
    expect((await whoami(bridge)).sub).toBe('alice');
    await bridge.close();
    expect(storedLogins(configDir).map((l) => l.json.metadata.store)).toEqual(['keychain']);
    const registrations = provider.counters.registrations;
    const authorizations = provider.counters.authorizationRequests;

    await keyring().lock();
    expect(await keyring().isLocked()).toBe(true);

    const recorder = browserCommand(tempDir());
    const raw = spawnBridgeRaw([...auto, '--browser', recorder.command, server.url], keyring().env);
    const end = await initializeOutcome(raw, 30_000);
    expect(end.kind, JSON.stringify(end)).toBe('error');
    const message = end.kind === 'error' ? end.message : '';
    expect(message).toMatch(/the keyring is locked/);
    expect(message).toContain('unlock it');
    expect(message).toContain('--token-store file');
    expect(provider.counters.registrations, 'a new client was registered').toBe(registrations);
    expect(provider.counters.authorizationRequests, 'a second login was started').toBe(authorizations);
    expect(recorder.urls()).toEqual([]);
    const logins = storedLogins(configDir);
    expect(logins.map((l) => l.json.metadata.store), 'a second login was stored').toEqual(['keychain']);
    expect(logins.every((l) => l.json.secrets === undefined), 'secrets were written to files').toBe(true);

    const status = await runCli(['status', '--json', '--config-dir', configDir], keyring().env);
    expect(status.code, status.stderr).toBe(0);
    const listed = (JSON.parse(status.stdout) as { logins: { server: string; store: string }[] }).logins.filter((l) => l.server === server.url);
    expect(listed.map((l) => l.store)).toEqual(['keychain']);

    const doctor = await runCli(['doctor', '--token-store', 'auto', '--config-dir', configDir, server.url], keyring().env, 30_000);
    const store = doctorSteps(doctor.stdout).get('Credential store')?.[0];
    expect(store, doctor.stdout).toBeDefined();
    expect(store!.ok, doctor.stdout).toBe(false);
    expect(store!.detail).toMatch(/keyring is locked/);
    expect(store!.fix).toMatch(/unlock it.*--token-store file/);
    expect(doctor.code).not.toBe(0);
  });
});
