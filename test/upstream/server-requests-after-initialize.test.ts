// Server-to-client requests sent right after initialize are not lost (the issue "What a hostile server and first-time
// users found", lossless with servers nobody here wrote). Servers written by others (the Python SDK 2.x, and
// server-everything) send sampling and roots requests on the standalone GET stream and drop them while none is open;
// a direct client opens that stream before its first request, and so must the bridge. Each case runs several fresh
// connections in a row, through the bridge and straight to the server, and compares what the client got.
//
// The direct SDK client opens its GET stream without waiting for it, so on a loaded machine its first call can beat the
// stream to the server and the server's request is lost: the call then times out. That is the race the bridge closes,
// so the direct runs are the baseline of what the server answers (each run either that answer or that time-out, and at
// least one answer), while every bridged run must give the answer.
import { beforeAll, describe, expect, it } from 'vitest';
import { connectDirect, connectThroughBridge } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { CLIENT_ROOTS } from '../helpers/client.js';
import { outcome, type Outcome } from '../helpers/compare.js';
import { startEverythingServer } from '../helpers/everything-server.js';
import { pythonWithMcp, startPythonServer, type PythonServerMode } from '../helpers/python.js';

useTeardown();

const RUNS = 5;
/** Long enough for a loaded machine, short enough that a lost request fails the test rather than the file. */
const CALL_MS = 8_000;

interface Call {
  name: string;
  arguments: Record<string, unknown>;
}

/** Connects afresh `RUNS` times (bridged or direct), makes `call` right after connecting, and collects the outcomes. */
async function runs(url: string, transport: 'streamable-http' | 'sse', via: 'bridge' | 'direct', call: Call): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < RUNS; i++) {
    const client =
      via === 'bridge'
        ? await connectThroughBridge({ url, ...(transport === 'sse' ? { args: ['--transport', 'sse'] } : {}) })
        : await connectDirect({ url, transport });
    outcomes.push(await outcome(() => client.client.callTool(call, undefined, { timeout: CALL_MS })));
    await client.close();
  }
  return outcomes;
}

/** The text of each outcome: the first content block of a result, else the error's message. */
const texts = (all: Outcome[]) => all.map((o) => ('result' in o ? (o.result as { content: Array<{ text: string }> }).content[0]?.text : o.error.message));

const isTimeout = (o: Outcome) => 'error' in o && o.error.code === -32001;

/**
 * What the server answers directly: the text of the direct runs that were answered (the others may only have lost the
 * direct client's race, a time-out), which must be at least one and all the same.
 */
function directAnswer(direct: Outcome[]): string | undefined {
  const answered = direct.filter((o) => !isTimeout(o));
  expect(answered.length, 'no direct run was answered').toBeGreaterThan(0);
  const [first, ...rest] = texts(answered);
  for (const text of rest) expect(text).toBe(first);
  return first;
}

const ROOTS_TEXT = `roots: ${CLIENT_ROOTS.map((r) => r.uri).join(', ')}`;
const askRoots: Call = { name: 'ask_roots', arguments: {} };
const askSampling: Call = { name: 'ask_sampling', arguments: { prompt: 'hello' } };

describe('Python SDK 2.x servers: sampling and roots requested at once', () => {
  beforeAll(async () => {
    await pythonWithMcp(); // made once per machine; slow the first time
  }, 10 * 60_000);

  describe.each<[PythonServerMode, 'streamable-http' | 'sse']>([
    ['stateful', 'streamable-http'],
    ['json', 'streamable-http'],
    ['sse', 'sse'],
  ])('%s server', (mode, transport) => {
    it.each([
      ['roots', askRoots, ROOTS_TEXT],
      ['sampling', askSampling, 'sampling: sampled: hello'],
    ])('the %s request arrives and the tool call completes, every time, as it does directly', async (_what, call, expected) => {
      const server = await startPythonServer(mode);
      const direct = await runs(server.url, transport, 'direct', call);
      const bridged = await runs(server.url, transport, 'bridge', call);
      expect(directAnswer(direct)).toBe(expected);
      expect(texts(bridged)).toEqual(Array(RUNS).fill(expected));
    }, 120_000);
  });

  it('stateless server (no GET stream): the same answer as directly, without a hang, and tools still work', async () => {
    const server = await startPythonServer('stateless');
    const direct = await runs(server.url, 'streamable-http', 'direct', askSampling);
    const bridged = await runs(server.url, 'streamable-http', 'bridge', askSampling);
    expect(direct.every((o) => 'error' in o)).toBe(true); // no back-channel: the server says so at once
    expect(bridged).toEqual(direct);
    const echo = await runs(server.url, 'streamable-http', 'bridge', { name: 'echo', arguments: { text: 'stateless' } });
    expect(echo.map((o) => ('result' in o ? (o.result as { content: Array<{ text: string }> }).content[0]?.text : o))).toEqual(Array(RUNS).fill('stateless'));
  }, 120_000);
});

describe('server-everything: its roots request right after initialize', () => {
  it('get-roots-list answers with the client roots, every time, as it does directly', async () => {
    const server = await startEverythingServer();
    const call: Call = { name: 'get-roots-list', arguments: {} };
    const direct = await runs(server.url, 'streamable-http', 'direct', call);
    const bridged = await runs(server.url, 'streamable-http', 'bridge', call);
    const answer = directAnswer(direct);
    expect(answer).toContain(CLIENT_ROOTS[0].uri);
    expect(texts(bridged)).toEqual(Array(RUNS).fill(answer));
  }, 120_000);
});
