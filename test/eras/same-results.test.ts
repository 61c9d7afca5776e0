// One client script, both protocol eras (issue 9, "Proof"): a 2025-11-25 client runs test/eras/client-script.ts
// through the real built bridge against the same server serving 2025-11-25 only, 2026-07-28 only, and both, and must
// see what a client talking to the 2025 server directly sees. Two independent 2026 implementations, with the same
// tools: the Python SDK (test/fixtures/py2026) and the SDK's 2.x server package (test/eras/sdk2-tools.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { connectDirect, connectThroughBridge } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { pythonWithMcp } from '../helpers/python.js';
import { startPython2026Server, type Python2026Mode } from '../helpers/python-2026-server.js';
import { runClientScript, scriptDifferences, type ScriptRun } from './client-script.js';
import { startSdk2Server } from './sdk2-server.js';

useTeardown('all');

const SCRIPT_MS = 120_000;

interface FixtureServer {
  url: string;
  close(): Promise<void>;
  output?(): string;
}

interface Implementation {
  name: string;
  serverInfo: { name: string; version: string };
  start(mode: Python2026Mode): Promise<FixtureServer>;
}

const IMPLEMENTATIONS: Implementation[] = [
  { name: 'the Python SDK', serverInfo: { name: 'py2026-fixture', version: '1.0.0' }, start: (mode) => startPython2026Server({ mode }) },
  { name: "the SDK's 2.x server", serverInfo: { name: 'sdk2-fixture', version: '1.0.0' }, start: (mode) => startSdk2Server(mode) },
];

async function bridged(implementation: Implementation, mode: Python2026Mode, args: string[]): Promise<ScriptRun> {
  const server = await implementation.start(mode);
  const client = await connectThroughBridge({ url: server.url, args });
  try {
    const run = await runClientScript(client);
    // Nothing but JSON-RPC on the bridge's stdout, and nothing the client could not place.
    expect(client.errors.map(String)).toEqual([]);
    return run;
  } catch (error) {
    throw new Error(`${String(error)}\n--- bridge stderr ---\n${client.stderr()}\n--- server output ---\n${server.output?.() ?? ''}`, { cause: error });
  } finally {
    await client.close();
    await server.close();
  }
}

describe.each(IMPLEMENTATIONS)('$name: the same client script sees the same results in both eras', (implementation) => {
  /** The script straight against the 2025-only server: what a 2025 client sees without any bridge. */
  let baseline: ScriptRun;

  beforeAll(async () => {
    await pythonWithMcp(); // made once per machine; slow the first time
    const server = await implementation.start('legacy');
    const direct = await connectDirect({ url: server.url, transport: 'streamable-http' });
    baseline = await runClientScript(direct);
    await direct.close();
    await server.close();
  }, 10 * 60_000);

  it('the baseline itself exercised everything (a 2025 client straight to the 2025 server)', () => {
    const steps = Object.fromEntries(baseline.steps) as Record<string, Record<string, unknown>>;
    expect(baseline.serverInfo).toMatchObject(implementation.serverInfo);
    expect(steps['weather (x-mcp-header)']).toMatchObject({ result: { content: [{ text: 'Île-de-France monday: sunny for 3 day(s)' }] } });
    expect(steps['sampling']).toMatchObject({
      result: { content: [{ type: 'text', text: 'sampling: sampled: hi (test-model)' }] },
      serverRequests: ['sampling/createMessage'],
    });
    expect(steps['sampling refused by the client']).toEqual({ failed: true, withTheClientsMessage: true });
    expect(steps['elicitation']).toMatchObject({ result: { content: [{ text: 'hello Ada' }] }, serverRequests: ['elicitation/create'] });
    expect(steps['roots']).toMatchObject({ result: { content: [{ text: 'roots: file:///tmp/bridge-test-root' }] }, serverRequests: ['roots/list'] });
    expect(steps['log messages before logging/setLevel']!.notifications).toHaveLength(8);
    const levels = (steps['log messages']!.notifications as Array<{ params: { level: string } }>).map((n) => n.params.level);
    expect(levels).toEqual(['warning', 'error', 'critical', 'alert', 'emergency']);
    expect(steps['progress']!.progress).toHaveLength(3);
    expect(steps['resources/updated']).toMatchObject({ result: { method: 'notifications/resources/updated', params: { uri: 'fixture://counter' } } });
    expect(steps['read counter']).toMatchObject({ result: { contents: [{ text: 'count=1' }] } });
    expect(steps['tools/list_changed']).toMatchObject({ result: { method: 'notifications/tools/list_changed' } });
    expect(steps['call added tool']).toMatchObject({ result: { content: [{ text: 'I am extra' }] } });
    expect(steps['cancelled call']).toMatchObject({ error: { message: expect.stringMatching(/gave up|abort/i) } });
    expect(steps['slow_status after cancel']).toMatchObject({ result: { content: [{ text: 'cancelled' }] } });
    expect(steps['read that asks for roots']).toMatchObject({
      result: { contents: [{ text: 'mine: file:///tmp/bridge-test-root' }] },
      serverRequests: ['roots/list'],
    });
    expect(steps['prompts/get that elicits']).toMatchObject({
      result: { messages: [{ content: { text: 'Please greet Ada warmly.' } }] },
      serverRequests: ['elicitation/create'],
    });
    expect(steps['completion']).toMatchObject({ result: { completion: { values: ['Ada', 'Alan'] } } });
  });

  it.each<[string, Python2026Mode, string[]]>([
    ['a 2025-11-25 server', 'legacy', []],
    ['a 2026-07-28 server', 'modern', []],
    ['a server of both eras', 'dual', []],
    ['a server of both eras, spoken to in 2026-07-28 (--protocol)', 'dual', ['--protocol', '2026-07-28']],
  ])(
    'through the bridge, %s gives what the 2025 server gives directly',
    async (_what, mode, args) => {
      const run = await bridged(implementation, mode, args);
      expect(scriptDifferences(baseline, run)).toEqual([]);
      expect(run).toEqual(baseline); // the same, said once more without the line cutting
    },
    SCRIPT_MS,
  );
});
