// Real configuration files in a temp dir, removed after each file's tests; and a way to catch a refusal.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { BridgeError } from '../../../src/errors.js';
import { loadConfigFile } from '../../../src/config/file/load.js';
import type { LoadedConfig } from '../../../src/config/file/types.js';

const dir = mkdtempSync(join(tmpdir(), 'mab-config-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;

/** Writes `content` (an object as JSON, or text as is) to a new file and returns its path. */
export function writeConfig(content: unknown): string {
  const path = join(dir, `config-${++count}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

/** Writes and loads `content`. */
export function load(content: unknown, env: NodeJS.ProcessEnv = {}): LoadedConfig {
  return loadConfigFile(writeConfig(content), { env });
}

/** The BridgeError `fn` throws (fails the test when it throws nothing or something else). */
export function refusal(fn: () => unknown): BridgeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BridgeError);
    return error as BridgeError;
  }
  throw new Error('expected a refusal');
}

/** The refusal of loading `content`, with the path it was written to. */
export function refused(content: unknown, env: NodeJS.ProcessEnv = {}): BridgeError & { path: string } {
  const path = writeConfig(content);
  const error = refusal(() => loadConfigFile(path, { env }));
  return Object.assign(error, { path });
}

export { dir };
