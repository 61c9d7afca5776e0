// The case, with a real bridge and a real login: a token file replaced by a symbolic link to a victim file
// (0644), and a link planted at the login's lock path. The bridge never reads through, writes through or chmods
// the links: the victim keeps its mode and content, the bridge logs in again, and its token file is a real 0600 file.
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockFilePath, tokenKey } from '../../src/store/index.js';
import { connectWithLogin, tempDir, whoami } from '../helpers/auth-bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startAuthStack } from '../helpers/oidc/index.js';

useTeardown();

const VICTIM_TEXT = 'the user\'s own file\n';

function victimFile(dir: string, name: string): string {
  const path = join(dir, name);
  writeFileSync(path, VICTIM_TEXT);
  chmodSync(path, 0o644);
  return path;
}

function expectUntouched(path: string): void {
  expect(statSync(path).mode & 0o777, path).toBe(0o644);
  expect(readFileSync(path, 'utf8'), path).toBe(VICTIM_TEXT);
}

describe('links in the credential directory (real bridge)', () => {
  it('a token file and a lock file that are links to victims: never followed, the bridge logs in again and replaces the link', async () => {
    const stack = await startAuthStack();
    const configDir = tempDir();
    const outside = tempDir('mab-victims-');
    const first = await connectWithLogin({ url: stack.server.url, configDir, label: 'first' });
    await first.bridge.close();
    const [tokenName] = readdirSync(join(configDir, 'tokens')).filter((n) => n.endsWith('.json'));
    expect(tokenName).toBeDefined();
    const tokenPath = join(configDir, 'tokens', tokenName!);

    const tokenVictim = victimFile(outside, 'token-victim.txt');
    const lockVictim = victimFile(outside, 'lock-victim.txt');
    rmSync(tokenPath);
    symlinkSync(tokenVictim, tokenPath);
    const lockPath = lockFilePath(configDir, tokenKey({ issuer: stack.provider.issuer, resource: stack.server.url, clientId: '*' }));
    mkdirSync(join(configDir, 'locks'), { recursive: true, mode: 0o700 });
    symlinkSync(lockVictim, lockPath);

    const second = await connectWithLogin({ url: stack.server.url, configDir, label: 'second' });
    expect((await whoami(second.bridge)).sub).toBe('alice');
    expect(second.bridge.stderr()).toContain('is a symbolic link');
    expectUntouched(tokenVictim);
    expectUntouched(lockVictim);
    const info = lstatSync(tokenPath);
    expect(info.isFile()).toBe(true);
    expect(info.mode & 0o777).toBe(0o600);
    expect(() => lstatSync(lockPath)).toThrow(/ENOENT/); // the planted link was removed, the lock released
  });
});
