// `npm test` leaves no temporary directories behind: the run's private temp dir (test/helpers/tmp-guard.ts) is
// removed at the end, and anything a test left in it fails the run, by name. Checked here on the real setup
// function with a directory left on purpose; the whole suite runs under it (vitest.config.ts).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import setup, { RUN_TMPDIR_ENV } from '../helpers/tmp-guard.js';

describe('the temporary-directory guard', () => {
  it('this run is under it: TMPDIR is the private run directory', () => {
    expect(process.env[RUN_TMPDIR_ENV]).toBeDefined();
    expect(process.env.TMPDIR).toBe(process.env[RUN_TMPDIR_ENV]);
  });

  it('fails the run naming a leftover, and removes it', () => {
    const before = { tmp: process.env.TMPDIR, run: process.env[RUN_TMPDIR_ENV], exitCode: process.exitCode };
    const writes: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    let dir: string | undefined;
    try {
      const teardown = setup();
      dir = process.env.TMPDIR!;
      mkdirSync(join(dir, 'mab-forgotten-XYZ'));
      process.stderr.write = ((chunk: string) => (writes.push(String(chunk)), true)) as typeof process.stderr.write;
      teardown();
      process.stderr.write = write;
      expect(process.exitCode).toBe(1);
      expect(writes.join('')).toContain('left 1 temporary entry behind (now removed): mab-forgotten-XYZ');
      expect(existsSync(dir)).toBe(false);
      expect(process.env.TMPDIR).toBe(before.tmp);
    } finally {
      process.stderr.write = write;
      process.exitCode = before.exitCode;
      process.env[RUN_TMPDIR_ENV] = before.run;
    }
  });

  it('a clean run passes and leaves nothing', () => {
    const before = { run: process.env[RUN_TMPDIR_ENV], exitCode: process.exitCode };
    try {
      const teardown = setup();
      const dir = process.env.TMPDIR!;
      teardown();
      expect(process.exitCode).toBe(before.exitCode);
      expect(existsSync(dir)).toBe(false);
    } finally {
      process.env[RUN_TMPDIR_ENV] = before.run;
    }
  });
});
