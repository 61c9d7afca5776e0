/**
 * The Redis store and the Redis client are a chunk of their own in dist/, loaded only by `serve --store redis://…`:
 * cli.js and serve's own chunk do not import it statically, and neither the stdio bridge nor a serve on files reads
 * it — checked with a module loader hook that records every module a process loads; as a control, serve with a
 * Redis store does load it.
 */
import { describe, expect, it } from 'vitest';
import { startCli } from '../../helpers/cli.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { chunksWith, loadRecorder, staticClosure } from '../../helpers/module-loads.js';
import { startRedis } from '../../helpers/redis.js';
import { startStreamableServer } from '../../helpers/servers.js';
import { waitFor } from '../../helpers/wait.js';
import { INITIALIZE } from '../../serve/raw-http.js';

useTeardown();

/** Text only the Redis client holds (its library name, sent with CLIENT SETINFO). */
const REDIS_CLIENT_MARK = '"LIB-NAME"';
/** Text only serve's Redis store holds. */
const STORE_MARK = 'refused the credentials';
const KEYS = { MCP_STORE_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` };

function redisChunks(): string[] {
  return [...new Set([...chunksWith(REDIS_CLIENT_MARK), ...chunksWith(STORE_MARK)])];
}

describe('the Redis store loads only with serve --store redis://…', () => {
  it('is a chunk of its own that neither cli.js nor serve imports statically', () => {
    const chunks = redisChunks();
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks).not.toContain('cli.js');
    const closure = staticClosure();
    for (const chunk of chunks) expect(closure.has(chunk), `${chunk} is reached from cli.js`).toBe(false);
    const serve = chunksWith('refusing to serve a non-loopback address').filter((c) => !chunks.includes(c));
    expect(serve.length).toBeGreaterThan(0);
    for (const entry of serve) for (const chunk of chunks) expect(staticClosure(entry).has(chunk), `${chunk} is reached from ${entry}`).toBe(false);
  });

  it('is never read by the stdio bridge nor by serve on files, and is by serve with a Redis store', async () => {
    const server = await startStreamableServer();
    const chunks = redisChunks();
    const loadedAny = (loaded: string[]) => chunks.some((chunk) => loaded.some((url) => url.endsWith(`/${chunk}`)));

    const stdio = loadRecorder();
    const bridge = startCli([server.url], { NODE_OPTIONS: stdio.flag });
    bridge.child.stdin.write(`${INITIALIZE}\n`);
    await waitFor('the bridge to answer initialize', () => bridge.stdout().includes('"id":1'), { timeoutMs: 20_000 });
    bridge.child.stdin.end();
    await bridge.waitForExit();
    expect(stdio.loaded().some((url) => url.endsWith('/dist/cli.js'))).toBe(true);
    expect(loadedAny(stdio.loaded())).toBe(false);

    const files = loadRecorder();
    const onFiles = startCli(['serve', server.url, '--port', '0'], { NODE_OPTIONS: files.flag });
    await onFiles.waitForStderr(/serving .* at http/);
    expect(loadedAny(files.loaded())).toBe(false);

    const redis = await startRedis();
    const control = loadRecorder();
    const onRedis = startCli(['serve', server.url, '--port', '0', '--store', redis.url], { NODE_OPTIONS: control.flag, ...KEYS });
    await onRedis.waitForStderr(/serving .* at http/);
    expect(loadedAny(control.loaded())).toBe(true);
  });
});
