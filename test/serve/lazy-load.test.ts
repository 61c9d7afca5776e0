/**
 * The stdio bridge's start-up does not pay for `serve`: serve's code is a chunk of its own in dist/, which nothing
 * cli.js imports statically reaches, and which a running `mcp-auth-bridge <url>` never reads — checked with a module
 * loader hook that records every module the process loads (and, as a control, that `serve` does load it).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { startStreamableServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { INITIALIZE } from './raw-http.js';

useTeardown();

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
/** Text only serve's code holds. */
const SERVE_MARK = 'refusing to serve a non-loopback address';

/** The dist/ files holding serve's code. */
function serveChunks(): string[] {
  return readdirSync(DIST).filter((f) => f.endsWith('.js') && readFileSync(join(DIST, f), 'utf8').includes(SERVE_MARK));
}

/** Every file of dist/ that cli.js reaches through static imports. */
function staticClosure(): Set<string> {
  const seen = new Set<string>();
  const stack = ['cli.js'];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(join(DIST, file), 'utf8');
    for (const m of text.matchAll(/(?:^|[;\n}])\s*import\s*(?:[^"'()]*?from\s*)?["']\.\/([^"']+)["']/g)) stack.push(m[1]!);
  }
  return seen;
}

/** A loader hook that appends each module URL the process loads to a file; returns the `--import` flag and the file. */
function loadRecorder(): { flag: string; loaded: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'mab-lazy-'));
  onTeardown(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'loaded.txt');
  writeFileSync(log, '');
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(hooks, `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); }\n`);
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  return { flag: `--import=${pathToFileURL(register).href}`, loaded: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

describe('serve loads only when it runs', () => {
  it('is a chunk of its own that cli.js does not import statically', () => {
    const chunks = serveChunks();
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks).not.toContain('cli.js');
    const closure = staticClosure();
    for (const chunk of chunks) expect(closure.has(chunk), `${chunk} is reached from cli.js`).toBe(false);
  });

  it('is never read by the stdio bridge, and is by serve', async () => {
    const server = await startStreamableServer();
    const chunks = serveChunks();
    const stdio = loadRecorder();
    const bridge = startCli([server.url], { NODE_OPTIONS: stdio.flag });
    bridge.child.stdin.write(`${INITIALIZE}\n`);
    await waitFor('the bridge to answer initialize', () => bridge.stdout().includes('"id":1'), { timeoutMs: 20_000 });
    bridge.child.stdin.end();
    await bridge.waitForExit();
    const loadedByBridge = stdio.loaded();
    expect(loadedByBridge.some((url) => url.endsWith('/dist/cli.js'))).toBe(true);
    for (const chunk of chunks) expect(loadedByBridge.some((url) => url.endsWith(`/${chunk}`))).toBe(false);

    const control = loadRecorder();
    const serve = startCli(['serve', server.url, '--port', '0'], { NODE_OPTIONS: control.flag });
    await serve.waitForStderr(/serving .* at http/);
    expect(chunks.some((chunk) => control.loaded().some((url) => url.endsWith(`/${chunk}`)))).toBe(true);
  });
});
