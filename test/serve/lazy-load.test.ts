/**
 * The stdio bridge's start-up does not pay for `serve`: serve's code is a chunk of its own in dist/, which nothing
 * cli.js imports statically reaches, and which a running `mcp-auth-bridge <url>` never reads — checked with a module
 * loader hook that records every module the process loads (and, as a control, that `serve` does load it).
 */
import { describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';
import { useTeardown } from '../helpers/cleanup.js';
import { chunksWith, loadRecorder, staticClosure } from '../helpers/module-loads.js';
import { startStreamableServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { INITIALIZE } from './raw-http.js';

useTeardown();

/** Text only serve's code holds. */
const SERVE_MARK = 'refusing to serve a non-loopback address';

/** The dist/ files holding serve's code. */
const serveChunks = (): string[] => chunksWith(SERVE_MARK);

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
