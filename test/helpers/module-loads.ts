/**
 * What a built CLI process loads, for the tests that prove a part of the product is a lazy chunk: the dist/ files
 * holding some text, the files cli.js reaches through static imports, and a module loader hook that records every
 * module a process loads (passed to it in NODE_OPTIONS).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { onTeardown } from './cleanup.js';

/** The built CLI's directory. */
export const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

/** The dist/ files whose text includes `mark`. */
export function chunksWith(mark: string): string[] {
  return readdirSync(DIST).filter((f) => f.endsWith('.js') && readFileSync(join(DIST, f), 'utf8').includes(mark));
}

/** Every file of dist/ that `entry` (default cli.js) reaches through static imports. */
export function staticClosure(entry = 'cli.js'): Set<string> {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(join(DIST, file), 'utf8');
    for (const m of text.matchAll(/(?:^|[;\n}])\s*import\s*(?:[^"'()]*?from\s*)?["']\.\/([^"']+)["']/g)) stack.push(m[1]!);
  }
  return seen;
}

/** A loader hook that appends each module URL the process loads to a file; returns the `--import` flag and the list. */
export function loadRecorder(): { flag: string; loaded: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'mab-loads-'));
  onTeardown(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'loaded.txt');
  writeFileSync(log, '');
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(hooks, `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); }\n`);
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  return { flag: `--import=${pathToFileURL(register).href}`, loaded: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}
