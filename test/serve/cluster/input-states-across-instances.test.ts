// 2026-07-28 requests across `serve` instances on one Redis: a request answered `input_required` on one instance may
// be retried (with its requestState) on another; the retry is relayed to the instance whose engine waits, and only
// for the user the state was made for. A state whose instance stopped is refused as an expired one, so the client
// sends its request again.
import { describe, expect, it } from 'vitest';
import { writeConfigFile } from '../../aggregate/aggregate-bridge.js';
import { tempDir } from '../../helpers/auth-bridge.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { startRedis } from '../../helpers/redis.js';
import { post2026 } from '../modern/client-2026.js';
import { startServe, textOf, type ServeProcess } from '../serve-process.js';
import { ALICE, BOB, sharedConfig } from '../shared-upstream/shared-serve.js';

useTeardown();

const ENV = { ALICE_TOKEN: ALICE, BOB_TOKEN: BOB, MCP_STORE_KEYS: `k1:${Buffer.alloc(32, 22).toString('base64')}` };
const SAMPLING = { 'io.modelcontextprotocol/clientCapabilities': { sampling: {} } };

async function twoInstances(): Promise<[ServeProcess, ServeProcess]> {
  const redis = await startRedis();
  const file = writeConfigFile(sharedConfig({ sessions: 'separate' }));
  const start = () => startServe(['--config', file, '--config-dir', tempDir(), '--store', redis.url], ENV);
  return [await start(), await start()];
}

const as = (token: string) => ({ authorization: `Bearer ${token}`, 'mcp-name': 'sample' });

async function firstRound(base: string): Promise<{ requestState: string; key: string }> {
  const first = await post2026(`${base}/servers/tool/mcp`, 'tools/call', { name: 'sample', arguments: { prompt: 'who?' }, _meta: SAMPLING }, as(ALICE));
  expect(first.body.result?.resultType).toBe('input_required');
  const { requestState, inputRequests } = first.body.result as { requestState: string; inputRequests: Record<string, unknown> };
  return { requestState, key: Object.keys(inputRequests)[0]! };
}

function retry(base: string, token: string, round: { requestState: string; key: string }, text: string) {
  return post2026(
    `${base}/servers/tool/mcp`,
    'tools/call',
    { name: 'sample', arguments: { prompt: 'who?' }, requestState: round.requestState, inputResponses: { [round.key]: { model: 'm', role: 'assistant', content: { type: 'text', text } } }, _meta: SAMPLING },
    as(token),
  );
}

describe('2026-07-28 requestStates across serve instances on one Redis', () => {
  it('a retry on another instance is answered by the engine that waits, for its own user only', { timeout: 120_000 }, async () => {
    const [a, b] = await twoInstances();
    const round = await firstRound(a.base);
    const stolen = await retry(b.base, BOB, round, 'from bob');
    expect(stolen.body.error?.code).toBe(-32602);
    const owned = await retry(b.base, ALICE, round, 'from alice');
    expect(textOf(owned.body.result)).toBe('from alice');
    // Used once: a second retry anywhere is refused.
    for (const base of [a.base, b.base]) expect((await retry(base, ALICE, round, 'again')).body.error?.code).toBe(-32602);
    expect(a.stderr() + b.stderr()).not.toContain(round.requestState);
  });

  it('a state whose instance stopped is refused as expired; the request sent again works', { timeout: 120_000 }, async () => {
    const [a, b] = await twoInstances();
    const round = await firstRound(a.base);
    a.child.kill('SIGKILL');
    await a.exited;
    const late = await retry(b.base, ALICE, round, 'late');
    expect(late.body.error?.code).toBe(-32602);
    expect(late.body.error?.message).toMatch(/unknown or expired/);
    const again = await firstRound(b.base);
    expect(textOf((await retry(b.base, ALICE, again, 'again')).body.result)).toBe('again');
  });
});
