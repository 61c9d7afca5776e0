// What arrives on stdin is not always well-formed: garbage, JSON that is not JSON-RPC, oversized lines, messages
// split across or packed into writes. The bridge answers what deserves an answer, logs the rest on stderr, keeps
// serving, and never writes anything but JSON-RPC to stdout.
import { beforeEach, describe, expect, it } from 'vitest';
import { spawnBridgeRaw, type RawBridge } from '../../helpers/bridge.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { patternText, startStreamableServer, type StreamableServer } from '../../helpers/servers.js';
import { waitFor } from '../../helpers/wait.js';

useTeardown();

let server: StreamableServer;

beforeEach(async () => {
  server = await startStreamableServer();
});

async function started(args: string[] = []): Promise<RawBridge> {
  const raw = spawnBridgeRaw([...args, server.url]);
  const init = await raw.initialize();
  expect(init).toHaveProperty('result.serverInfo.name', 'bridge-test-server');
  // Let notifications/initialized reach the server, so later request counts only see what the test sends.
  await waitFor('notifications/initialized upstream', () => server.requests.some((r) => r.rpc.includes('notifications/initialized')));
  return raw;
}

async function echoWorks(raw: RawBridge, text = 'still serving') {
  const response = await raw.request('tools/call', { name: 'echo', arguments: { text } });
  expect(response).toHaveProperty('result.content.0.text', text);
}

const errorsWith = (raw: RawBridge, code: number) =>
  raw.messages.filter((m) => 'error' in m && (m as { error: { code: number } }).error.code === code);

describe('malformed stdin', () => {
  // MCP 2025-11-25 makes the id of an error response optional for exactly this case, and its SDK clients reject
  // `"id": null` (JSON-RPC 2.0's spelling), so the bridge omits the member.
  it('answers a line that is not JSON with a parse error (-32700, no id), logs it, and keeps serving', async () => {
    const raw = await started();
    raw.sendLine('this is {not json');
    const error = await raw.waitForMessage('a parse error', (m) => 'error' in m && m.error.code === -32700);
    expect(error).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });
    expect(error).not.toHaveProperty('id');
    expect(typeof (error as { error: { message: unknown } }).error.message).toBe('string');
    await waitFor('a log line on stderr', () => raw.stderr().trim().length > 0);
    await echoWorks(raw);
    expect(raw.invalidLines).toEqual([]);
  });

  it('answers JSON that is not JSON-RPC but has an id with -32600 for that id', async () => {
    const raw = await started();
    raw.send({ id: 7, hello: 'world' });
    const invalid = await raw.waitForMessage('an invalid-request error for id 7', (m) => 'error' in m && m.id === 7);
    expect(invalid).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32600 } });
    raw.send({ jsonrpc: '2.0', id: 'eight', params: {} });
    const noMethod = await raw.waitForMessage('an invalid-request error for id "eight"', (m) => 'error' in m && m.id === 'eight');
    expect(noMethod).toMatchObject({ id: 'eight', error: { code: -32600 } });
    raw.send({ jsonrpc: '1.0', id: 9, method: 'ping' });
    const oldVersion = await raw.waitForMessage('an invalid-request error for id 9', (m) => 'id' in m && m.id === 9);
    expect(oldVersion).toMatchObject({ jsonrpc: '2.0', id: 9, error: { code: -32600 } });
    await echoWorks(raw);
    expect(raw.invalidLines).toEqual([]);
  });

  it('survives JSON values that are not JSON-RPC messages, and sends none of them upstream', async () => {
    const raw = await started();
    const postsBefore = server.requests.filter((r) => r.method === 'POST').length;
    for (const line of ['42', '"text"', 'null', 'true', '{"no":"id"}', '[]', '[{"jsonrpc":"2.0","id":5,"method":"ping"}]']) {
      raw.sendLine(line);
    }
    await echoWorks(raw);
    const posts = server.requests.filter((r) => r.method === 'POST').slice(postsBefore);
    expect(posts.map((r) => r.rpc)).toEqual([['tools/call']]);
    expect(raw.invalidLines).toEqual([]);
  });

  it('answers each JSON value that is not a JSON-RPC message and has no id with -32600 and no id', async () => {
    const raw = await started();
    const lines = ['42', '"text"', 'null', 'true', '{"no":"id"}', '[]'];
    for (const line of lines) raw.sendLine(line);
    await echoWorks(raw); // lines are handled in order: their answers precede the echo result
    const errors = errorsWith(raw, -32600);
    expect(errors).toHaveLength(lines.length);
    for (const error of errors) {
      expect(error).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 } });
      expect(error).not.toHaveProperty('id');
    }
  });

  it('several garbage lines in a row each get their own parse error', async () => {
    const raw = await started();
    raw.sendLine('garbage one');
    raw.sendLine('{"jsonrpc":"2.0","id":');
    raw.sendLine('\u0000\u0001binary');
    await waitFor('three parse errors', () => errorsWith(raw, -32700).length === 3 || undefined);
    await echoWorks(raw);
    expect(raw.invalidLines).toEqual([]);
  });
});

describe('request ids', () => {
  it('answers each request with exactly the id it was sent with (0, negative, string, long string)', async () => {
    const raw = await started();
    const ids = [0, -7, 9007199254740991, 'abc', 'x'.repeat(200), '1'];
    for (const id of ids) raw.send({ jsonrpc: '2.0', id, method: 'ping' });
    for (const id of ids) {
      const pong = await raw.waitForMessage(`the answer for id ${JSON.stringify(id)}`, (m) => 'id' in m && m.id === id);
      expect(pong).toEqual({ jsonrpc: '2.0', id, result: {} });
    }
    // "1" (string) and 1 (number) are different ids: only the string was sent.
    expect(raw.messages.filter((m) => 'id' in m && (m.id as unknown) === 1)).toEqual([]);
    expect(raw.invalidLines).toEqual([]);
  });
});

describe('line size', () => {
  it('rejects a line over --max-message-size with an error and serves the next line', async () => {
    const raw = await started(['--max-message-size', '64kb']);
    const postsBefore = server.requests.filter((r) => r.method === 'POST').length;
    const oversized = { jsonrpc: '2.0', id: 'too-big', method: 'tools/call', params: { name: 'echo', arguments: { text: patternText(100_000) } } };
    raw.send(oversized);
    const error = await raw.waitForMessage('an error for the oversized line', (m) => 'error' in m);
    // The id sits at the start of the line, so it can be read: the error answers that request.
    expect(error).toMatchObject({ jsonrpc: '2.0', id: 'too-big', error: { code: expect.any(Number) } });
    expect(server.requests.filter((r) => r.method === 'POST').slice(postsBefore)).toEqual([]);
    await echoWorks(raw, 'after the oversized line');
    // A line just under the limit still goes through.
    await echoWorks(raw, patternText(60_000));
    expect(raw.invalidLines).toEqual([]);
    expect(raw.stderr()).toMatch(/size|large|limit|exceed/i);
  });

  it('accepts a 2 MB line with the default limit', async () => {
    const raw = await started();
    await echoWorks(raw, patternText(2_000_000));
    expect(raw.invalidLines).toEqual([]);
  });

  it('rejects a line over the default 16 MB limit and serves the next line', async () => {
    const raw = await started();
    const postsBefore = server.requests.filter((r) => r.method === 'POST').length;
    raw.send({ jsonrpc: '2.0', id: 'huge', method: 'tools/call', params: { name: 'echo', arguments: { text: patternText(17 * 1024 * 1024) } } });
    await raw.waitForMessage('an error for the 17 MB line', (m) => 'error' in m, 20_000);
    await echoWorks(raw, 'after 17 MB');
    expect(server.requests.filter((r) => r.method === 'POST').slice(postsBefore).map((r) => r.rpc)).toEqual([['tools/call']]);
    expect(server.requests.at(-1)!.body.length).toBeLessThan(1000);
    expect(raw.invalidLines).toEqual([]);
  });
});

describe('framing', () => {
  it('serves messages packed into one write and a message split across writes (even inside a UTF-8 character)', async () => {
    const raw = await started();
    const a = { jsonrpc: '2.0', id: 'a', method: 'tools/call', params: { name: 'echo', arguments: { text: 'first' } } };
    const b = { jsonrpc: '2.0', id: 'b', method: 'tools/call', params: { name: 'add', arguments: { a: 1, b: 1 } } };
    raw.child.stdin.write(`${JSON.stringify(a)}\n${JSON.stringify(b)}\n`);
    const text = 'split → 日本語 ✓';
    const bytes = Buffer.from(
      `${JSON.stringify({ jsonrpc: '2.0', id: 'c', method: 'tools/call', params: { name: 'echo', arguments: { text } } })}\n`,
    );
    const cut = bytes.indexOf(Buffer.from('日')) + 1; // inside a 3-byte character
    raw.child.stdin.write(bytes.subarray(0, cut));
    await new Promise((resolve) => setTimeout(resolve, 50));
    raw.child.stdin.write(bytes.subarray(cut));
    const answers = await waitFor('three answers', () => {
      const found = ['a', 'b', 'c'].map((id) => raw.messages.find((m) => 'result' in m && m.id === id));
      return found.every(Boolean) && found;
    });
    expect(answers.map((m) => (m as unknown as { result: { content: Array<{ text: string }> } }).result.content[0]!.text)).toEqual([
      'first',
      '2',
      text,
    ]);
    expect(raw.invalidLines).toEqual([]);
  });

  it('accepts CRLF line endings', async () => {
    const raw = await started();
    raw.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 'crlf', method: 'ping' })}\r\n`);
    const pong = await raw.waitForMessage('the ping answer', (m) => 'id' in m && m.id === 'crlf');
    expect(pong).toEqual({ jsonrpc: '2.0', id: 'crlf', result: {} });
  });
});

describe('stdout purity', () => {
  it('writes only JSON-RPC to stdout, even with --debug and after errors of every kind', async () => {
    const raw = await started(['--debug']);
    raw.sendLine('not json');
    raw.send({ id: 99 });
    await echoWorks(raw);
    await raw.request('tools/call', { name: 'notify', arguments: {} });
    await raw.request('tools/list');
    await server.dropSessions();
    await echoWorks(raw, 'after a lost session');
    raw.endInput();
    await raw.waitForExit();
    expect(raw.messages.length).toBeGreaterThan(5);
    expect(raw.invalidLines).toEqual([]);
    expect(raw.stderr()).toMatch(/debug/i);
  });
});
