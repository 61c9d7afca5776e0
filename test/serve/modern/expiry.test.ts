/**
 * What serve's 2026 side lets go of by itself: a warm engine unused for its idle time is closed (its upstream session
 * ended), and a request suspended on `input_required` whose client never comes back has its state expire — the
 * retry is refused, and the engine that waited is closed. Bounds shortened through the front's options.
 */
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../../helpers/cleanup.js';
import { startStreamableServer } from '../../helpers/servers.js';
import { waitFor } from '../../helpers/wait.js';
import { startInProcessFront } from '../in-process-front.js';
import { textOf } from '../serve-process.js';
import { post2026 } from './client-2026.js';

useTeardown();

const ALICE = { 'x-test-user': 'alice' };
const SAMPLING = { 'io.modelcontextprotocol/clientCapabilities': { sampling: {} } };

describe('serve\'s 2026 side lets go', () => {
  it('closes a warm engine after its idle time, ending its upstream session', async () => {
    const server = await startStreamableServer();
    const front = await startInProcessFront(server.url, { modern: { engines: { idleMs: 300 } } });
    const url = `http://127.0.0.1:${front.port}/mcp`;
    const session = textOf((await post2026(url, 'tools/call', { name: 'session', arguments: {} }, { 'mcp-name': 'session', ...ALICE })).body.result);
    expect(server.sessions.ids).toContain(session);
    await waitFor('the idle engine\'s upstream session to end', () => !server.sessions.ids.includes(session), { timeoutMs: 15_000 });
    const next = textOf((await post2026(url, 'tools/call', { name: 'session', arguments: {} }, { 'mcp-name': 'session', ...ALICE })).body.result);
    expect(next).not.toBe(session);
  });

  it('expires a requestState nobody came back with: the retry is refused and the waiting engine closed', async () => {
    const server = await startStreamableServer();
    const front = await startInProcessFront(server.url, { modern: { statesTtlMs: 300 } });
    const url = `http://127.0.0.1:${front.port}/mcp`;
    const first = await post2026(url, 'tools/call', { name: 'sample', arguments: {}, _meta: SAMPLING }, { 'mcp-name': 'sample', ...ALICE });
    const { requestState, inputRequests } = first.body.result as { requestState: string; inputRequests: Record<string, unknown> };
    const ended = server.sessions.deleted.length;
    await waitFor('the state to expire', () => /did not come back with its input; closing the engine that waited/.test(front.log()), { timeoutMs: 15_000 });
    await waitFor('the waiting engine\'s upstream session to end', () => server.sessions.deleted.length > ended, { timeoutMs: 15_000 });
    const key = Object.keys(inputRequests)[0]!;
    const late = await post2026(
      url,
      'tools/call',
      { name: 'sample', arguments: {}, requestState, inputResponses: { [key]: { model: 'm', role: 'assistant', content: { type: 'text', text: 'late' } } }, _meta: SAMPLING },
      { 'mcp-name': 'sample', ...ALICE },
    );
    expect(late.body.error?.code).toBe(-32602);
  });
});
