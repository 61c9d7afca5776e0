/**
 * A 2026-07-28 client that leaves `input_required` rounds unanswered (as the official suite's server scenarios do
 * when a check fails early) must not lock itself out of serve for the states' lifetime: each waiting round holds an
 * engine of its key, and once all of them wait, the engine of the oldest waiting round is reclaimed for the new
 * request (its state then refused as expired) instead of a 503.
 */
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../../helpers/cleanup.js';
import { startServer2026 } from '../../helpers/server-2026.js';
import { startServe } from '../serve-process.js';
import { meta2026, post2026 } from './client-2026.js';

useTeardown();

describe('serve for 2026-07-28 clients that abandon input_required rounds', () => {
  it('reclaims the engine of the oldest unanswered round rather than refusing the client (503)', async () => {
    const server = await startServer2026();
    const serve = await startServe([server.url]);
    const url = `${serve.base}/mcp`;
    const ask = () => post2026(url, 'tools/call', { name: 'ask_user', arguments: {}, _meta: meta2026({ elicitation: {} }) }, { 'mcp-name': 'ask_user' });
    const states: string[] = [];
    // Four engines per client and endpoint: six rounds left waiting, one after the other.
    for (let i = 0; i < 6; i++) {
      const a = await ask();
      expect({ round: i, status: a.status, type: a.body.result?.resultType }).toEqual({ round: i, status: 200, type: 'input_required' });
      states.push(a.body.result?.requestState as string);
    }
    // The oldest rounds gave their engines up: their states are expired.
    const stale = await post2026(
      url,
      'tools/call',
      { name: 'ask_user', arguments: {}, inputResponses: { who: { action: 'accept', content: { name: 'Ada' } } }, requestState: states[0], _meta: meta2026({ elicitation: {} }) },
      { 'mcp-name': 'ask_user' },
    );
    expect(stale.body.error?.code).toBe(-32602);
    // The newest still completes.
    const fresh = await post2026(
      url,
      'tools/call',
      { name: 'ask_user', arguments: {}, inputResponses: { who: { action: 'accept', content: { name: 'Ada' } } }, requestState: states[5], _meta: meta2026({ elicitation: {} }) },
      { 'mcp-name': 'ask_user' },
    );
    expect(fresh.body.result?.content).toEqual([{ type: 'text', text: 'hello Ada' }]);
  });
});
