/**
 * `"sessions": "shared"` across a reload: when the shared server's entry changes, the open sessions move to a new
 * process made from the new entry (all of them to the same one, still one per user), and the old process ends once
 * no session holds it.
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { groupRunning } from '../../../src/upstream/stdio/group-liveness.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { killGroupAtTeardown } from '../../helpers/stdio-bridge.js';
import { waitFor } from '../../helpers/wait.js';
import { ALICE, connectAs, sharedConfig, startSharedServe } from './shared-serve.js';

useTeardown();

describe.skipIf(process.platform === 'win32')('serve, "sessions": "shared", reloaded', () => {
  it('moves the open sessions to one new process when the entry changes, and ends the old one', { timeout: 90_000 }, async () => {
    const serve = await startSharedServe();
    const a = await connectAs(serve, ALICE, '/mcp');
    const b = await connectAs(serve, ALICE, '/mcp');
    const pidOf = async (client: typeof a) => {
      const pid = Number(await client.call('pid'));
      killGroupAtTeardown(pid);
      return pid;
    };
    const old = await pidOf(a);
    expect(await pidOf(b)).toBe(old);

    writeFileSync(serve.file, JSON.stringify(sharedConfig({ args: ['--changed'] })));
    const fresh = await waitFor('the open session to reach a new process', async () => {
      const pid = await pidOf(a).catch(() => undefined);
      return pid !== undefined && pid !== old ? pid : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    await waitFor('the other open session to reach the same new process', async () => (await pidOf(b).catch(() => undefined)) === fresh, { timeoutMs: 30_000, intervalMs: 250 });
    const c = await connectAs(serve, ALICE, '/mcp');
    expect(await pidOf(c)).toBe(fresh);
    await waitFor('the old process to end', () => !groupRunning(old), { timeoutMs: 30_000, intervalMs: 100 });
  });
});
