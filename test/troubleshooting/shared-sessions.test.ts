/**
 * The documented message of `serve`'s `"sessions": "shared"`: a server that asks a client something (here sampling)
 * while two of the user's sessions have calls in progress is refused, and its tool passes the refusal on.
 */
import { describe, expect, it } from 'vitest';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { useTeardown } from '../helpers/cleanup.js';
import { waitFor } from '../helpers/wait.js';
import { ALICE, connectAs, startSharedServe } from '../serve/shared-upstream/shared-serve.js';
import { expectDocumented } from './readme-rows.js';

useTeardown();

describe.skipIf(process.platform === 'win32')('serve, "sessions": "shared"', () => {
  it('refuses a server request that no one session can be the one for, saying why', { timeout: 60_000 }, async () => {
    const serve = await startSharedServe();
    const asker = await connectAs(serve, ALICE);
    const other = await connectAs(serve, ALICE);
    const progress: Progress[] = [];
    const busy = other.client.callTool({ name: 'slow', arguments: { tag: 'busy', ms: 4_000 } }, undefined, { onprogress: (p) => void progress.push(p) });
    await waitFor('the other session\'s call to be under way', () => progress.length > 0, { timeoutMs: 10_000 });
    const refused = await asker.call('sample', { prompt: 'which client?' });
    expectDocumented(refused, 'sharing this server');
    expect(asker.serverRequests).toEqual([]);
    await busy;
  });
});
