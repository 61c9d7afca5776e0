/**
 * The documented messages of `serve`'s 2026-07-28 side: a retry whose requestState is not one serve handed out.
 */
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../helpers/cleanup.js';
import { startStreamableServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { post2026 } from '../serve/modern/client-2026.js';
import { startServe } from '../serve/serve-process.js';
import { expectDocumented } from './readme-rows.js';

useTeardown();

describe('serve for 2026-07-28 clients', () => {
  it('refuses a retry with an unknown requestState, and says so in its log', async () => {
    const server = await startStreamableServer();
    const serve = await startServe([server.url]);
    const answer = await post2026(`${serve.base}/mcp`, 'tools/call', { name: 'sample', arguments: {}, requestState: 'made-up', inputResponses: {} }, { 'mcp-name': 'sample' });
    expect(answer.body.error?.code).toBe(-32602);
    await waitFor('the log line', () => /refused a retry/.test(serve.stderr()));
    expectDocumented(serve.stderr(), 'refused a retry of tools/call: its requestState is unknown or expired');
  });
});
