// The environment a local server gets: a short inherited list, the entry's env over it, and nothing else of the
// bridge's environment (its tokens, API keys and proxy settings stay with the bridge).
import { describe, expect, it } from 'vitest';
import { childEnvironment, pathOf } from '../../../src/upstream/stdio/child-env.js';

const PARENT = {
  PATH: '/usr/local/bin:/usr/bin',
  HOME: '/home/u',
  USER: 'u',
  LANG: 'en_US.UTF-8',
  TMPDIR: '/tmp/u',
  GITHUB_TOKEN: 'ghp_secret_of_the_bridge',
  HTTPS_PROXY: 'http://proxy:3128',
  BASH_FUNC_x: '() { echo; }',
  SHELL: '() { evil; }',
};

describe('childEnvironment', () => {
  it('passes only the listed variables on POSIX, without the bridge’s secrets or proxy settings', () => {
    expect(childEnvironment({ env: {}, parent: PARENT, platform: 'linux' })).toEqual({
      PATH: '/usr/local/bin:/usr/bin',
      HOME: '/home/u',
      USER: 'u',
      LANG: 'en_US.UTF-8',
      TMPDIR: '/tmp/u',
    });
  });

  it('the entry’s env wins over an inherited variable and adds its own', () => {
    const env = childEnvironment({ env: { PATH: '/opt/server/bin', API_KEY: 'k' }, parent: PARENT, platform: 'darwin' });
    expect(env.PATH).toBe('/opt/server/bin');
    expect(env.API_KEY).toBe('k');
    expect(env.GITHUB_TOKEN).toBeUndefined();
  });

  it('does not inherit an exported shell function (a value starting with "()")', () => {
    expect(childEnvironment({ env: {}, parent: PARENT, platform: 'linux' }).SHELL).toBeUndefined();
  });

  it('on Windows keeps SystemRoot and Path whatever their case', () => {
    const env = childEnvironment({ env: {}, parent: { SystemRoot: 'C:\\Windows', Path: 'C:\\bin', SECRET: 'x' }, platform: 'win32' });
    expect(env).toEqual({ SystemRoot: 'C:\\Windows', Path: 'C:\\bin' });
    expect(pathOf(env)).toBe('C:\\bin');
  });
});
