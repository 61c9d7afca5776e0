/**
 * A `--config` bridge for the aggregation tests: writes the configuration file (removed with the test file), spawns
 * the real built CLI with `--config <file>` and connects the test client to it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectThroughBridge, type BridgedClient } from '../helpers/bridge.js';
import { onFileTeardown } from '../helpers/cleanup.js';

let dir: string | undefined;
let serial = 0;

/** Writes `config` (an object, or text as is) to a new file in a private directory; returns its path. */
export function writeConfigFile(config: unknown, name = `config-${++serial}.json`): string {
  if (dir === undefined) {
    const made = (dir = mkdtempSync(join(tmpdir(), 'mab-aggregate-')));
    onFileTeardown(() => {
      rmSync(made, { recursive: true, force: true });
      if (dir === made) dir = undefined;
    });
  }
  const path = join(dir, name);
  writeFileSync(path, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return path;
}

/** Spawns a bridge for `config` (written with {@link writeConfigFile}) and connects the test client through it. */
export async function connectAggregate(config: unknown, options: { args?: string[]; env?: Record<string, string> } = {}): Promise<BridgedClient & { file: string }> {
  const file = writeConfigFile(config);
  const bridge = await connectThroughBridge({ args: ['--config', file, ...(options.args ?? [])], ...(options.env ? { env: options.env } : {}) });
  return { ...bridge, file };
}
