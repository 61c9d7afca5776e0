/**
 * `"sessions": "shared"` for both protocol eras: a 2026-07-28 client's requests (carried by serve's warm engines)
 * reach the same process as the same user's 2025-11-25 session, and a sampling request made during its call comes
 * back to it (as `input_required`), not to the other session.
 */
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../../helpers/cleanup.js';
import { connect2026 } from '../modern/client-2026.js';
import { ALICE, connectAs, startSharedServe } from './shared-serve.js';

useTeardown();

const textOf = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

describe.skipIf(process.platform === 'win32')('serve, "sessions": "shared", both eras', () => {
  it('gives a 2026-07-28 client the process of the same user\'s sessions, and its own server requests', { timeout: 60_000 }, async () => {
    const serve = await startSharedServe();
    const session = await connectAs(serve, ALICE);
    const modern = await connect2026(`${serve.base}/servers/tool/mcp`, { authorization: `Bearer ${ALICE}` });
    const pid = await session.pid();
    expect(Number(textOf(await modern.client.callTool({ name: 'pid', arguments: {} })))).toBe(pid);
    expect(textOf(await modern.client.callTool({ name: 'sample', arguments: { prompt: 'from 2026' } }))).toBe('sampled: from 2026');
    expect(modern.asked).toEqual(['sampling/createMessage']);
    expect(session.serverRequests).toEqual([]);
  });
});
