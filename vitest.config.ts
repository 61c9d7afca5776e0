import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every run in a private temp dir; the run fails naming anything a test left there.
    globalSetup: ['./test/helpers/tmp-guard.ts'],
    // Removes per-file shared state (onFileTeardown) when each file is done.
    setupFiles: ['./test/helpers/file-teardown.ts'],
    pool: 'forks',
    // Two cores: each file spawns real servers and CLI processes, so keep parallelism modest.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
