// Links planted in the credential directory are never followed: a symbolic link at a token, registration or lock
// path pointing at a victim file outside leaves the victim's mode and content unchanged; reads treat the link as
// absent, saves replace the link itself, a lock there is taken over at once. A linked directory inside the config
// directory is refused with a clear error; the config directory itself may be a link the user made.
import { chmod, lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, isBridgeError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import { acquireLock, lockFilePath, openFileStore, tokenKey } from '../../../src/store/index.js';
import { registrationKey } from '../../../src/store/model/keys.js';
import { sampleLogin, sampleRegistration } from '../helpers/fixtures.js';

const TOKEN_KEY = tokenKey({ issuer: 'https://auth.example.com', resource: 'https://mcp.example.com/mcp', clientId: 'client-123' });
const REG_KEY = registrationKey({ issuer: 'https://auth.example.com', redirectUri: 'http://127.0.0.1:33418/callback' });
const VICTIM_TEXT = 'a file of the user that has nothing to do with the bridge\n';

let root: string;
let configDir: string;
let victim: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'mab-links-'));
  configDir = join(root, 'config');
  victim = join(root, 'victim.txt');
  await writeFile(victim, VICTIM_TEXT, { mode: 0o644 });
  await chmod(victim, 0o644);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function expectVictimUntouched(path = victim): Promise<void> {
  expect((await stat(path)).mode & 0o777).toBe(0o644);
  expect(await readFile(path, 'utf8')).toBe(VICTIM_TEXT);
}

async function plant(dir: 'tokens' | 'registrations' | 'locks', name: string, target = victim): Promise<string> {
  await mkdir(join(configDir, dir), { recursive: true, mode: 0o700 });
  const path = join(configDir, dir, name);
  await symlink(target, path);
  return path;
}

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'debug', stream: { write: (l: string) => lines.push(l) } }) };
}

describe('links in the credential directory', () => {
  it('a token file that is a link to a victim: read as absent, the victim untouched, the save replaces the link', async () => {
    const path = await plant('tokens', `${TOKEN_KEY}.json`);
    const { lines, logger } = capture();
    const store = await openFileStore({ configDir, logger });
    expect(await store.getTokens(TOKEN_KEY)).toBeUndefined();
    await expectVictimUntouched();
    expect(lines.join('')).toContain('it is a symbolic link, which is never followed');
    expect((await store.list()).unreadable.map((u) => u.reason)).toEqual(['it is a symbolic link, which is never followed']);

    await store.setTokens(TOKEN_KEY, sampleLogin());
    await expectVictimUntouched();
    const info = await lstat(path);
    expect(info.isFile()).toBe(true);
    expect(info.mode & 0o777).toBe(0o600);
    expect((await store.getTokens(TOKEN_KEY))?.metadata.clientId).toBe('client-123');
  });

  it('a registration file that is a link to a victim: same', async () => {
    const path = await plant('registrations', `${REG_KEY}.json`);
    const store = await openFileStore({ configDir });
    expect(await store.getRegistration(REG_KEY)).toBeUndefined();
    await store.setRegistration(REG_KEY, sampleRegistration());
    await expectVictimUntouched();
    expect((await lstat(path)).isFile()).toBe(true);
    expect((await store.getRegistration(REG_KEY))?.metadata.clientId).toBe('client-123');
  });

  it('a lock file that is a link to a victim: taken over at once (well within the stale timeout), the victim untouched', async () => {
    const path = lockFilePath(configDir, TOKEN_KEY);
    await plant('locks', `${TOKEN_KEY}.lock`);
    const { lines, logger } = capture();
    const lock = await acquireLock(TOKEN_KEY, { configDir, timeoutMs: 3_000, staleAfterMs: 600_000, logger });
    await expectVictimUntouched();
    const info = await lstat(path);
    expect(info.isFile()).toBe(true);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid });
    expect(lines.join('')).toMatch(/Took over the credential lock .*symbolic link/);
    await lock.release();
    await expectVictimUntouched();
  });

  it('a link to a victim file with group and other permissions is never made private (no chmod through links)', async () => {
    // The case: reading a linked token file changed the victim 0644 → 0600.
    await plant('tokens', `${TOKEN_KEY}.json`);
    const store = await openFileStore({ configDir });
    await store.getTokens(TOKEN_KEY);
    await store.list();
    await expectVictimUntouched();
  });

  for (const dir of ['tokens', 'registrations', 'locks'] as const) {
    it(`a ${dir} directory that is a link to a victim directory is refused with a clear error, the victim untouched`, async () => {
      const victimDir = join(root, 'victim-dir');
      await mkdir(victimDir, { mode: 0o755 });
      await chmod(victimDir, 0o755);
      await mkdir(configDir, { mode: 0o700 });
      await symlink(victimDir, join(configDir, dir));
      const error = await openFileStore({ configDir }).catch((e: unknown) => e);
      expect(isBridgeError(error, ErrorCode.Store), String(error)).toBe(true);
      expect((error as Error).message).toContain('is a symbolic link');
      expect((error as { hint?: string }).hint).toMatch(/--config-dir/);
      expect((await stat(victimDir)).mode & 0o777).toBe(0o755);
      if (dir === 'locks') {
        const lockError = await acquireLock(TOKEN_KEY, { configDir, timeoutMs: 500 }).catch((e: unknown) => e);
        expect(isBridgeError(lockError, ErrorCode.Store), String(lockError)).toBe(true);
        expect((await stat(victimDir)).mode & 0o777).toBe(0o755);
      }
    });
  }

  it('accepts a config directory that is itself a link the user made, and keeps it private', async () => {
    const real = join(root, 'real-config');
    await mkdir(real, { mode: 0o700 });
    await symlink(real, configDir);
    const store = await openFileStore({ configDir });
    await store.setTokens(TOKEN_KEY, sampleLogin());
    expect((await lstat(join(real, 'tokens', `${TOKEN_KEY}.json`))).isFile()).toBe(true);
    expect((await stat(real)).mode & 0o777).toBe(0o700);
  });
});
