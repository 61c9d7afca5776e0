// The keychain store against a real Secret Service: a private dbus-daemon + gnome-keyring-daemon started here
// (test/helpers/keyring.ts). The store runs in child processes, because @napi-rs/keyring caches its D-Bus
// connection per process. Needs the Debian packages gnome-keyring, dbus, libsecret-tools: without them every test
// here FAILS with a message naming them.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KEYCHAIN_SERVICE, type LoginListing, type StoredLogin, registrationKey, tokenKey } from '../../../src/store/index.js';
import { type PrivateKeyring, startPrivateKeyring } from '../../helpers/keyring.js';
import { SECRETS, containsSecret, sampleLogin, sampleRegistration } from '../helpers/fixtures.js';
import { isolatedEnv, runChild } from '../helpers/run-child.js';
import type { Step, StoreChildResult } from '../helpers/store-child.js';

const KEY = tokenKey({ issuer: 'https://auth.example.com', resource: 'https://mcp.example.com/mcp', clientId: 'client-123' });
const REG_KEY = registrationKey({ issuer: 'https://auth.example.com', redirectUri: 'http://127.0.0.1:33418/callback' });
const ORPHAN_KEY = 'f'.repeat(64);

let root: string;
let emptyRuntimeDir: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mab-keychain-'));
  emptyRuntimeDir = await mkdtemp(join(root, 'run-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Starts a private keyring for a describe block; a start-up failure (e.g. missing packages) fails every test. */
function usePrivateKeyring(options: Parameters<typeof startPrivateKeyring>[0] = {}) {
  let keyring: PrivateKeyring | undefined;
  let failure: unknown;
  beforeAll(async () => {
    try {
      keyring = await startPrivateKeyring(options);
    } catch (error) {
      failure = error;
    }
  }, 20_000);
  afterAll(async () => {
    await keyring?.stop();
  });
  return (): PrivateKeyring => {
    if (!keyring) throw failure instanceof Error ? failure : new Error(String(failure));
    return keyring;
  };
}

let configDir: string;
beforeEach(async () => {
  configDir = await mkdtemp(join(root, 'config-'));
});

function runStore(keyring: PrivateKeyring, mode: 'auto' | 'keychain' | 'file', steps: Step[]) {
  return runChild<StoreChildResult>(
    './store-child.ts',
    { mode, configDir, steps },
    { env: isolatedEnv({ ...keyring.env, XDG_RUNTIME_DIR: emptyRuntimeDir }) },
  ).then((outcome) => outcome.result);
}

function values(result: StoreChildResult): unknown[] {
  expect(result.openError).toBeUndefined();
  return result.results.map((r) => {
    if (!r.ok) throw new Error(`step failed: ${r.error.message}`);
    return r.value;
  });
}

async function filesUnder(dir: string): Promise<string> {
  let text = '';
  for (const sub of ['tokens', 'registrations']) {
    for (const name of await readdir(join(dir, sub))) text += await readFile(join(dir, sub, name), 'utf8');
  }
  return text;
}

describe('keychain store on an unlocked gnome-keyring', () => {
  const keyring = usePrivateKeyring();

  it('is chosen by auto mode without a word, and round-trips a login and a registration', async () => {
    const result = await runStore(keyring(), 'auto', [
      { op: 'setTokens', key: KEY, value: sampleLogin() },
      { op: 'getTokens', key: KEY },
      { op: 'setRegistration', key: REG_KEY, value: sampleRegistration() },
      { op: 'getRegistration', key: REG_KEY },
    ]);
    expect(result.kind).toBe('keychain');
    expect(result.description).toBe('the OS keychain (Secret Service)');
    expect(result.logs).toEqual([]);
    const [saved, read, savedReg, readReg] = values(result) as [StoredLogin, StoredLogin, unknown, unknown];
    expect(saved.metadata).toMatchObject({ store: 'keychain', hasRefreshToken: true });
    expect(read).toEqual(saved);
    expect(read.secrets).toEqual({ accessToken: SECRETS.accessToken, refreshToken: SECRETS.refreshToken, idToken: SECRETS.idToken });
    expect(readReg).toEqual(savedReg);
    // The auto-mode probe cleaned up after itself: only the two real entries are in the keyring.
    expect(await keyring().accounts(KEYCHAIN_SERVICE)).toEqual([KEY, REG_KEY].sort());
  });

  it('keeps the secrets in gnome-keyring (service mcp-auth-bridge, account = key) and none in the files', async () => {
    const k = keyring();
    values(
      await runStore(k, 'keychain', [
        { op: 'setTokens', key: KEY, value: sampleLogin() },
        { op: 'setRegistration', key: REG_KEY, value: sampleRegistration() },
      ]),
    );
    const tokenSecret = await k.lookup(KEYCHAIN_SERVICE, KEY);
    expect(JSON.parse(tokenSecret ?? 'null')).toEqual({
      format: 1,
      type: 'login-secrets',
      secrets: { accessToken: SECRETS.accessToken, refreshToken: SECRETS.refreshToken, idToken: SECRETS.idToken },
    });
    expect(await k.lookup(KEYCHAIN_SERVICE, REG_KEY)).toContain(SECRETS.clientSecret);
    const files = await filesUnder(configDir);
    expect(files).toContain('"store": "keychain"');
    expect(containsSecret(files)).toBe(false);

    // A later process (a new bridge) reads the same login back.
    const [again] = values(await runStore(k, 'keychain', [{ op: 'getTokens', key: KEY }])) as [StoredLogin];
    expect(again.secrets.accessToken).toBe(SECRETS.accessToken);
  });

  it('deletes from the keychain and the files', async () => {
    const k = keyring();
    const [, deleted, deletedAgain, after] = values(
      await runStore(k, 'keychain', [
        { op: 'setTokens', key: KEY, value: sampleLogin() },
        { op: 'deleteTokens', key: KEY },
        { op: 'deleteTokens', key: KEY },
        { op: 'getTokens', key: KEY },
      ]),
    );
    expect([deleted, deletedAgain, after]).toEqual([true, false, null]);
    expect(await k.lookup(KEYCHAIN_SERVICE, KEY)).toBeUndefined();
  });

  it('deleteAll removes every secret, orphans included, and every file', async () => {
    const k = keyring();
    await k.store(KEYCHAIN_SERVICE, ORPHAN_KEY, 'orphan-secret-from-a-crashed-save');
    await k.store(KEYCHAIN_SERVICE, 'probe-1-0123456789abcdef', 'left by an interrupted probe');
    const [, , removed, listing] = values(
      await runStore(k, 'keychain', [
        { op: 'setTokens', key: KEY, value: sampleLogin() },
        { op: 'setRegistration', key: REG_KEY, value: sampleRegistration() },
        { op: 'deleteAll' },
        { op: 'list' },
      ]),
    );
    expect(removed).toEqual({ logins: 1, registrations: 1 });
    expect(listing).toEqual({ logins: [], unreadable: [] });
    expect(await k.accounts(KEYCHAIN_SERVICE)).toEqual([]);
  });

  it('treats a login whose keychain secret has vanished as absent, with a warning', async () => {
    const k = keyring();
    values(await runStore(k, 'keychain', [{ op: 'setTokens', key: KEY, value: sampleLogin() }]));
    await k.clear(KEYCHAIN_SERVICE, KEY);
    const result = await runStore(k, 'keychain', [{ op: 'getTokens', key: KEY }, { op: 'list' }]);
    const [login, listing] = values(result) as [null, LoginListing];
    expect(login).toBeNull();
    expect(listing.logins.map((l) => l.key)).toEqual([KEY]);
    expect(result.logs.join('')).toMatch(/has no secret in the OS keychain \(Secret Service\); treating it as absent/);
  });

  it('still reads a login saved by the file store, and moves its secrets into the keychain on the next save', async () => {
    const k = keyring();
    values(await runStore(k, 'file', [{ op: 'setTokens', key: KEY, value: sampleLogin() }]));
    expect(containsSecret(await filesUnder(configDir))).toBe(true);
    const [read] = values(
      await runStore(k, 'keychain', [
        { op: 'getTokens', key: KEY },
        { op: 'setTokens', key: KEY, value: sampleLogin() },
      ]),
    ) as [StoredLogin];
    expect(read.metadata.store).toBe('file');
    expect(read.secrets.accessToken).toBe(SECRETS.accessToken);
    expect(containsSecret(await filesUnder(configDir))).toBe(false);
    expect(await k.lookup(KEYCHAIN_SERVICE, KEY)).toContain(SECRETS.accessToken);
  });

  // These run last in this block: they leave the keyring locked.
  describe('when the keyring gets locked', () => {
    it('lists logins from the files without the keychain (even locked), and never returns secrets', async () => {
      const k = keyring();
      const collection = '/org/freedesktop/secrets/collection/login';
      const result = await runStore(k, 'keychain', [
        { op: 'setTokens', key: KEY, value: sampleLogin() },
        {
          op: 'exec',
          argv: ['dbus-send', '--session', '--print-reply', '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', `array:objpath:${collection}`],
        },
        { op: 'list' },
        { op: 'getTokens', key: KEY },
      ]);
      expect(await k.isLocked()).toBe(true);
      const [listed, read] = [result.results[2], result.results[3]];
      expect(listed).toMatchObject({ ok: true, value: { logins: [{ key: KEY, metadata: { store: 'keychain', hasRefreshToken: true } }] } });
      expect(containsSecret(JSON.stringify(listed))).toBe(false);
      // Reading the secret itself now fails with a clear, typed error (not "absent", which would start a new login).
      expect(read).toMatchObject({ ok: false, error: { name: 'BridgeError', code: 'STORE' } });
      expect(read?.ok === false && read.error.message).toBe('Secret Service could not read a secret: the keyring is locked');
      expect(read?.ok === false && read.error.hint).toMatch(/Unlock your keyring.*gnome-keyring.*--token-store file/);
    });

    it('auto mode falls back to files and says so in one line naming the store and the reason', async () => {
      await keyring().lock();
      const result = await runStore(keyring(), 'auto', [
        { op: 'setTokens', key: KEY, value: sampleLogin() },
        { op: 'getTokens', key: KEY },
      ]);
      expect(result.kind).toBe('file');
      expect(result.logs).toEqual([
        `[mcp-auth-bridge] Credentials are stored in files under ${configDir} (mode 0600), not in the OS keychain (Secret Service could not store a secret: the keyring is locked)\n`,
      ]);
      const [, read] = values(result) as [unknown, StoredLogin];
      expect(read.secrets.accessToken).toBe(SECRETS.accessToken);
    });

    it('keychain mode refuses with a clear error saying what to do', async () => {
      await keyring().lock();
      const result = await runStore(keyring(), 'keychain', []);
      expect(result.kind).toBeUndefined();
      expect(result.openError).toEqual({
        name: 'BridgeError',
        code: 'STORE',
        message: 'The OS keychain cannot be used (Secret Service could not store a secret: the keyring is locked)',
        hint: 'Unlock your keyring, or install and start gnome-keyring (or another Secret Service provider such as KWallet or KeePassXC), or use --token-store file.',
      });
      expect(result.logs).toEqual([]);
    });
  });
});

describe('keychain store with gnome-keyring running but never unlocked', () => {
  const keyring = usePrivateKeyring({ unlock: false });

  it('auto mode falls back to files; keychain mode refuses', async () => {
    const auto = await runStore(keyring(), 'auto', []);
    expect(auto.kind).toBe('file');
    expect(auto.logs).toHaveLength(1);
    expect(auto.logs[0]).toMatch(/files under .* not in the OS keychain \(Secret Service could not store a secret: the keyring has no default collection/);
    const strict = await runStore(keyring(), 'keychain', []);
    expect(strict.openError).toMatchObject({ code: 'STORE', hint: expect.stringMatching(/--token-store file/) });
  });
});

describe('keychain store with a D-Bus session but no Secret Service provider', () => {
  const keyring = usePrivateKeyring({ secretService: false });

  it('auto mode falls back to files naming the missing provider; keychain mode refuses', async () => {
    const auto = await runStore(keyring(), 'auto', []);
    expect(auto.kind).toBe('file');
    expect(auto.logs).toHaveLength(1);
    expect(auto.logs[0]).toContain('no Secret Service provider (gnome-keyring, KWallet, KeePassXC) is running');
    const strict = await runStore(keyring(), 'keychain', []);
    expect(strict.openError?.message).toContain('no Secret Service provider');
  });
});
