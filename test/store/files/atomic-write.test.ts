import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tokenKey } from '../../../src/store/index.js';
import { isolatedEnv, runChild } from '../helpers/run-child.js';
import type { WriterChildSpec } from '../helpers/writer-child.js';

const KEY = tokenKey({ issuer: 'https://auth.example.com', resource: 'https://mcp.example.com/mcp', clientId: 'client-123' });
const SCOPES = 20_000; // ~450 KB per version: many write() calls per save

let configDir: string;
beforeEach(async () => {
  configDir = await mkdtemp(join(tmpdir(), 'mab-atomic-'));
});
afterEach(async () => {
  await rm(configDir, { recursive: true, force: true });
});

describe('atomic writes', () => {
  it('never let a concurrent reader in another process see a partial file', async () => {
    const file = join(configDir, 'tokens', `${KEY}.json`);
    const spec: WriterChildSpec = { configDir, key: KEY, iterations: 60, scopes: SCOPES };
    let writing = true;
    const writer = runChild<{ done: number }>('./writer-child.ts', spec, { env: isolatedEnv() }).finally(() => {
      writing = false;
    });

    const seen = { A: 0, B: 0, absent: 0 };
    const bad: string[] = [];
    while (writing) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        seen.absent++;
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      try {
        const json = JSON.parse(text) as { metadata: { clientId: string; scopes: string[] } };
        const version = json.metadata.clientId === 'client-A' ? 'A' : 'B';
        const complete = json.metadata.scopes.length === SCOPES && json.metadata.scopes.every((s) => s.startsWith(`${version}-`));
        if (complete) seen[version]++;
        else bad.push(`mixed content (${json.metadata.scopes.length} scopes)`);
      } catch {
        bad.push(`unparseable (${text.length} bytes)`);
      }
    }
    expect((await writer).result.done).toBe(60);
    expect(bad).toEqual([]);
    // The reader really overlapped the writer: it saw both versions, many times.
    expect(seen.A + seen.B).toBeGreaterThan(10);
    expect(seen.A).toBeGreaterThan(0);
    expect(seen.B).toBeGreaterThan(0);
    // No temp file is left behind.
    expect(await readdir(join(configDir, 'tokens'))).toEqual([`${KEY}.json`]);
  });
});
