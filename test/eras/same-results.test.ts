// One client script, both protocol eras (issue 9, "Proof"): a 2025-11-25 client runs test/eras/client-script.ts
// through the real built bridge against the same Python SDK server (test/fixtures/py2026) serving 2025-11-25 only,
// 2026-07-28 only, and both, and must see the same results as a client talking to the 2025 server directly.
import { beforeAll, describe, expect, it } from 'vitest';
import { connectDirect, connectThroughBridge } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { pythonWithMcp } from '../helpers/python.js';
import { startPython2026Server, type Python2026Mode } from '../helpers/python-2026-server.js';
import { runClientScript, type ScriptRun } from './client-script.js';

useTeardown('all');

const SCRIPT_MS = 120_000;

/** The script straight against a 2025-only server: what a 2025 client sees without any bridge. */
let baseline: ScriptRun;

async function bridged(mode: Python2026Mode): Promise<ScriptRun> {
  const server = await startPython2026Server({ mode });
  const client = await connectThroughBridge({ url: server.url });
  try {
    return await runClientScript(client);
  } catch (error) {
    throw new Error(`${String(error)}\n--- bridge stderr ---\n${client.stderr()}\n--- server output ---\n${server.output()}`, { cause: error });
  } finally {
    await client.close();
    await server.close();
  }
}

describe('the same client script sees the same results in both eras', () => {
  beforeAll(async () => {
    await pythonWithMcp(); // made once per machine; slow the first time
    const server = await startPython2026Server({ mode: 'legacy' });
    const direct = await connectDirect({ url: server.url, transport: 'streamable-http' });
    baseline = await runClientScript(direct);
    await direct.close();
    await server.close();
  }, 10 * 60_000);

  it('the baseline itself exercised everything (a 2025 client straight to the 2025 server)', () => {
    const steps = Object.fromEntries(baseline.steps) as Record<string, Record<string, unknown>>;
    expect(baseline.serverInfo).toEqual({ name: 'py2026-fixture', version: '1.0.0' });
    expect(steps['sampling']).toMatchObject({
      result: { content: [{ type: 'text', text: 'sampling: sampled: hi (test-model)' }] },
      serverRequests: ['sampling/createMessage'],
    });
    expect(steps['elicitation']).toMatchObject({ result: { content: [{ text: 'hello Ada' }] }, serverRequests: ['elicitation/create'] });
    expect(steps['roots']).toMatchObject({ result: { content: [{ text: 'roots: file:///tmp/bridge-test-root' }] }, serverRequests: ['roots/list'] });
    expect((steps['log messages']!.notifications as Array<{ params: { level: string } }>).map((n) => n.params.level)).toEqual([
      'warning',
      'error',
      'critical',
      'alert',
      'emergency',
    ]);
    expect(steps['log messages before logging/setLevel']!.notifications).toHaveLength(8);
    expect(steps['progress']!.progress).toHaveLength(3);
    expect(steps['resources/updated']).toMatchObject({ result: { method: 'notifications/resources/updated', params: { uri: 'fixture://counter' } } });
    expect(steps['read counter']).toMatchObject({ result: { contents: [{ text: 'count=1' }] } });
    expect(steps['tools/list_changed']).toMatchObject({ result: { method: 'notifications/tools/list_changed' } });
    expect(steps['call added tool']).toMatchObject({ result: { content: [{ text: 'I am extra' }] } });
    expect(steps['cancelled call']).toMatchObject({ error: { message: expect.stringMatching(/gave up|abort/i) } });
    expect(steps['slow_status after cancel']).toMatchObject({ result: { content: [{ text: 'cancelled' }] } });
    expect(steps['completion']).toMatchObject({ result: { completion: { values: ['Ada', 'Alan'] } } });
  });

  it.each<[string, Python2026Mode]>([
    ['a 2025-11-25 server', 'legacy'],
    ['a 2026-07-28 server', 'modern'],
    ['a server of both eras', 'dual'],
  ])(
    'through the bridge, %s gives what the 2025 server gives directly',
    async (_what, mode) => {
      const run = await bridged(mode);
      expect(run.serverInfo).toEqual(baseline.serverInfo);
      expect(run.steps).toEqual(baseline.steps);
    },
    SCRIPT_MS,
  );
});
