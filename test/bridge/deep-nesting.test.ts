// A message nested 100,000 levels deep is valid JSON that no JSON writer down the line can handle (stringify and
// validators overflow the stack). From the client it is answered like any other invalid request (-32600 with its
// id); from the server, as the answer to a request, it becomes an error for that request. Nothing is dropped
// silently and the bridge goes on serving.
import { describe, expect, it } from 'vitest';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startHostileServer } from '../helpers/hostile-server.js';
import { startStreamableServer } from '../helpers/servers.js';

useTeardown();

const DEPTH = 100_000;
const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('deeply nested messages', () => {
  it('a request from the client nested 100,000 levels deep is answered with -32600 for its id', async () => {
    const server = await startStreamableServer();
    const raw = spawnBridgeRaw([server.url]);
    await raw.initialize();
    raw.sendLine(`{"jsonrpc":"2.0","id":77,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x","deep":${deep(DEPTH)}}}}`);
    const answer = await raw.waitForMessage('the answer for id 77', (m) => 'id' in m && m.id === 77, 15_000);
    expect(answer).toMatchObject({ jsonrpc: '2.0', id: 77, error: { code: -32600 } });
    expect((answer as { error: { message: string } }).error.message).toMatch(/nested deeper than 1000 levels/);
    const echo = await raw.request('tools/call', { name: 'echo', arguments: { text: 'still serving' } });
    expect(echo).toHaveProperty('result.content.0.text', 'still serving');
    expect(raw.invalidLines).toEqual([]);
  });

  it('a notification from the client nested that deep is dropped with a warning, not answered', async () => {
    const server = await startStreamableServer();
    const raw = spawnBridgeRaw([server.url]);
    await raw.initialize();
    const before = raw.messages.length;
    raw.sendLine(`{"jsonrpc":"2.0","method":"notifications/progress","params":{"deep":${deep(DEPTH)}}}`);
    const echo = await raw.request('tools/call', { name: 'echo', arguments: { text: 'after' } });
    expect(echo).toHaveProperty('result.content.0.text', 'after');
    expect(raw.messages.slice(before)).toEqual([echo]);
    expect(raw.stderr()).toMatch(/nested deeper than 1000 levels/);
  });

  it('an answer from the server nested 100,000 levels deep becomes an error for its request', async () => {
    const server = await startHostileServer();
    const raw = spawnBridgeRaw([server.url]);
    await raw.initialize();
    const answer = await raw.request('tools/call', { name: 'deep', arguments: { depth: DEPTH } }, 15_000);
    expect(answer).toHaveProperty('error.data.code', 'MESSAGE_TOO_LARGE');
    expect((answer as { error: { message: string } }).error.message).toMatch(/nests deeper than 1000 levels/);
    const echo = await raw.request('tools/call', { name: 'echo' });
    expect(echo).toHaveProperty('result.content.0.text', 'still serving');
    expect(raw.invalidLines).toEqual([]);
  });

  it('a smaller deep answer from the server (below the relay size) also becomes an error, not a crash', async () => {
    const server = await startHostileServer();
    const raw = spawnBridgeRaw([server.url]);
    await raw.initialize();
    const answer = await raw.request('tools/call', { name: 'deep', arguments: { depth: 20_000 } }, 15_000);
    expect(answer).toHaveProperty('error.data.code', 'MESSAGE_TOO_LARGE');
    const echo = await raw.request('tools/call', { name: 'echo' });
    expect(echo).toHaveProperty('result.content.0.text', 'still serving');
  });
});
