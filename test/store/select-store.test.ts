// Store selection where there is no keychain to be had: no D-Bus at all, the native binary failing to load, the
// module missing. The keychain code runs in child processes (or with an injected import) so that the test process
// never loads the native module.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, isBridgeError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { openCredentialStore } from '../../src/store/index.js';
import { sampleLogin } from './helpers/fixtures.js';
import { isolatedEnv, runChild } from './helpers/run-child.js';
import type { StoreChildResult } from './helpers/store-child.js';

let root: string;
let configDir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'mab-select-'));
  configDir = join(root, 'config');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A child with no session bus anywhere: no DBUS_SESSION_BUS_ADDRESS, and an empty XDG_RUNTIME_DIR (no `bus` socket). */
function noBusEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return isolatedEnv({ XDG_RUNTIME_DIR: join(root, 'empty-runtime'), ...extra });
}

function run(mode: 'auto' | 'keychain', env: NodeJS.ProcessEnv) {
  return runChild<StoreChildResult>(
    './store-child.ts',
    { mode, configDir, steps: [{ op: 'setTokens', key: 'a'.repeat(64), value: sampleLogin() }, { op: 'list' }] },
    { env },
  ).then((o) => o.result);
}

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'info', stream: { write: (l: string) => lines.push(l) } }) };
}

describe('store selection without a usable keychain', () => {
  it('with no D-Bus session at all: auto falls back to files in one line; keychain mode refuses', async () => {
    const auto = await run('auto', noBusEnv());
    expect(auto.kind).toBe('file');
    expect(auto.logs).toEqual([
      `[mcp-auth-bridge] Credentials are stored in files under ${configDir} (mode 0600), not in the OS keychain (Secret Service could not store a secret: no D-Bus session bus is reachable)\n`,
    ]);
    expect(auto.results.every((r) => r.ok)).toBe(true);

    const strict = await run('keychain', noBusEnv());
    expect(strict.kind).toBeUndefined();
    expect(strict.openError).toMatchObject({
      name: 'BridgeError',
      code: 'STORE',
      message: 'The OS keychain cannot be used (Secret Service could not store a secret: no D-Bus session bus is reachable)',
      hint: expect.stringMatching(/Unlock your keyring, or install and start gnome-keyring .* or use --token-store file\./),
    });
  });

  it('when the native binary of @napi-rs/keyring fails to load: falls back (auto) or refuses (keychain)', async () => {
    const env = noBusEnv({ NAPI_RS_NATIVE_LIBRARY_PATH: join(root, 'missing.node') });
    const auto = await run('auto', env);
    expect(auto.kind).toBe('file');
    expect(auto.logs).toHaveLength(1);
    expect(auto.logs[0]).toContain('not in the OS keychain (The keychain module @napi-rs/keyring could not be loaded)');
    const strict = await run('keychain', env);
    expect(strict.openError).toMatchObject({ code: 'STORE', hint: expect.stringMatching(/Reinstall .*--token-store file/) });
  });

  it('when @napi-rs/keyring is not installed: falls back (auto) or refuses (keychain)', async () => {
    const specifier = '@napi-rs/keyring-is-not-installed';
    const loadKeyring = () => import(specifier);
    const { lines, logger } = capture();
    const store = await openCredentialStore({ mode: 'auto', configDir, logger, loadKeyring });
    expect(store.kind).toBe('file');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`Credentials are stored in files under ${configDir} (mode 0600), not in the OS keychain (The keychain module @napi-rs/keyring could not be loaded)`);

    const error = await openCredentialStore({ mode: 'keychain', configDir, loadKeyring }).catch((e: unknown) => e);
    expect(isBridgeError(error, ErrorCode.Store)).toBe(true);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('file mode never loads the keychain module and says nothing', async () => {
    let loads = 0;
    const { lines, logger } = capture();
    const store = await openCredentialStore({
      mode: 'file',
      configDir,
      logger,
      loadKeyring: () => {
        loads++;
        return Promise.reject(new Error('must not be called'));
      },
    });
    expect(store.kind).toBe('file');
    expect(loads).toBe(0);
    expect(lines).toEqual([]);
  });

  it('refuses an unknown mode as a usage error', async () => {
    const error = await openCredentialStore({ mode: 'vault' as never, configDir }).catch((e: unknown) => e);
    expect(isBridgeError(error, ErrorCode.Usage)).toBe(true);
  });
});
