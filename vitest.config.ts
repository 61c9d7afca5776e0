import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every run in a private temp dir; the run fails naming anything a test left there.
    globalSetup: ['./test/helpers/tmp-guard.ts'],
    // Removes per-file shared state (onFileTeardown) when each file is done.
    setupFiles: ['./test/helpers/file-teardown.ts'],
    pool: 'forks',
    // Two cores, three files at once: most of a file's time is waiting on the real servers, browsers and CLI
    // processes it spawns (a whole run: 536 s with three, 610 to 640 s with two, on the same machine); more would
    // make the time-bound waits of a loaded machine the ones that decide.
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
