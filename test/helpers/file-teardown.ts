/**
 * Vitest setup file (runs in every test file): disposes what helpers registered with `onFileTeardown` once the
 * file's tests and its own hooks are done. Registered first, so with vitest's stacked hooks it runs last.
 */
import { afterAll } from 'vitest';
import { runFileTeardown } from './cleanup.js';

afterAll(runFileTeardown);
