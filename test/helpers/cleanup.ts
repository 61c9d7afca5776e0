/**
 * Teardown registry: helpers register what they start, and each test file's `afterEach` disposes it in reverse
 * order, so a failing test never leaves a child process or a listening server behind.
 */
import { afterAll, afterEach } from 'vitest';

type Disposer = () => unknown | Promise<unknown>;

const pending: Disposer[] = [];

/**
 * Registers `dispose` to run after the current test (in reverse registration order). Errors while disposing are
 * collected and rethrown together, after every disposer has run.
 */
export function onTeardown(dispose: Disposer): void {
  pending.push(dispose);
}

/** Runs every registered disposer, newest first. Normally called by the hook that {@link useTeardown} installs. */
export async function runTeardown(): Promise<void> {
  const errors: unknown[] = [];
  while (pending.length > 0) {
    const dispose = pending.pop()!;
    try {
      await dispose();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, 'several teardown steps failed');
}

/**
 * Installs the hook that runs {@link runTeardown}. Call once at the top of a test file: `'each'` (default) disposes
 * after every test; `'all'` after the whole file, for files whose tests share fixtures started in `beforeAll`.
 */
export function useTeardown(when: 'each' | 'all' = 'each'): void {
  if (when === 'all') afterAll(runTeardown);
  else afterEach(runTeardown);
}

const filePending: Disposer[] = [];

/**
 * Registers `dispose` to run once the current test file has finished (after its own `afterAll` hooks), for state
 * shared by all of a file's tests, such as the XDG directories of its CLI children. Installed for every file by
 * test/helpers/file-teardown.ts (a vitest setup file).
 */
export function onFileTeardown(dispose: Disposer): void {
  filePending.push(dispose);
}

/** Runs every disposer registered with {@link onFileTeardown}, newest first. */
export async function runFileTeardown(): Promise<void> {
  const errors: unknown[] = [];
  while (filePending.length > 0) {
    try {
      await filePending.pop()!();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw errors.length === 1 ? errors[0] : new AggregateError(errors, 'several file teardown steps failed');
}

/**
 * When a fixture a helper started is closed: `test` (the default) with the teardown of the current test — or of the
 * file, under `useTeardown('all')`; `manual` by the caller (a fixture shared by a file's tests from `beforeAll`).
 */
export type TeardownMode = 'test' | 'manual';

/** Makes `close` safe to call more than once and, unless `mode` is `manual`, registers it with {@link onTeardown}. */
export function closeAfterTest(close: () => Promise<void>, mode: TeardownMode = 'test'): () => Promise<void> {
  let closing: Promise<void> | undefined;
  const once = () => (closing ??= close());
  if (mode !== 'manual') onTeardown(once);
  return once;
}
