/**
 * Vitest global setup: the whole run gets a private temporary directory (TMPDIR points into it for the test
 * processes and the CLI children they spawn), and whatever is still in it when the run ends is a test that did not
 * clean up after itself: the run fails and names each leftover, then removes them. Private, so that other test runs
 * on the same machine neither count as leftovers nor hide ours.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Caches that tools keep in the temp dir on purpose, one per user, reused from run to run: not leftovers (under the
 * private run directory they go with it). `tsx-<uid>`: tsx's compile cache, from the `--import tsx` helper scripts.
 */
const TOOL_CACHES = [/^tsx-\d+$/];

/** The variable that tells test helpers the run's private temporary directory. */
export const RUN_TMPDIR_ENV = 'MAB_TEST_TMPDIR';

export default function setup(): () => void {
  const original = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'mab-run-'));
  process.env.TMPDIR = dir;
  process.env[RUN_TMPDIR_ENV] = dir;
  return () => {
    const left = readdirSync(dir).filter((name) => !TOOL_CACHES.some((cache) => cache.test(name)));
    rmSync(dir, { recursive: true, force: true });
    if (original === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = original;
    if (left.length > 0) {
      // A throw here is only reported by vitest; the exit code is what fails the run.
      process.exitCode = 1;
      process.stderr.write(`\nFAIL: the tests left ${left.length} temporary entr${left.length === 1 ? 'y' : 'ies'} behind (now removed): ${left.sort().join(', ')}\n`);
    }
  };
}
