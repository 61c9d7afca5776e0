/**
 * Local servers in a `--config` bridge, checked by process group from outside, as a user would with `ps`: no
 * orphans after a normal exit, after SIGTERM, and — through the watchdog — after SIGKILL of the bridge, even for a
 * server that ignores SIGTERM and has started a child of its own; a crashed server is restarted and the client
 * told; its stderr reaches the log under its name.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { groupRunning } from '../../src/upstream/stdio/group-liveness.js';
import { useTeardown } from '../helpers/cleanup.js';
import { killGroupAtTeardown } from '../helpers/stdio-bridge.js';
import { waitFor } from '../helpers/wait.js';
import { connectAggregate } from './aggregate-bridge.js';

useTeardown();

const FIXTURE = fileURLToPath(new URL('../fixtures/stdio/mcp-server.mjs', import.meta.url));
/** A zombie waits for the system to reap it; on these machines that can take seconds. */
const GONE = { timeoutMs: 20_000, intervalMs: 100 };

const textOf = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

/** A bridge fronting one local fixture server, with its group and a grandchild in it, both known by pid. */
async function bridgeWithLocal(flags: string[] = []) {
  const bridge = await connectAggregate({ mcpServers: { local: { command: process.execPath, args: [FIXTURE, ...flags] } } });
  const pid = Number(textOf(await bridge.client.callTool({ name: 'local__pid', arguments: {} })));
  const grandchild = Number(textOf(await bridge.client.callTool({ name: 'local__grandchild', arguments: {} })));
  killGroupAtTeardown(pid);
  expect(groupRunning(pid)).toBe(true);
  return { bridge, pid, grandchild, bridgePid: bridge.transport.pid! };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(process.platform === 'win32')('local servers leave no process behind', () => {
  it('when the client closes the bridge normally', async () => {
    const { bridge, pid } = await bridgeWithLocal();
    await bridge.close();
    await waitFor('the server\'s process group to be gone', () => !groupRunning(pid), GONE);
  });

  it('when the bridge gets SIGTERM', async () => {
    const { pid, bridgePid } = await bridgeWithLocal();
    process.kill(bridgePid, 'SIGTERM');
    await waitFor('the bridge to exit', () => !alive(bridgePid), GONE);
    await waitFor('the server\'s process group to be gone', () => !groupRunning(pid), GONE);
  });

  it('when the bridge is killed with SIGKILL, even for a server that ignores SIGTERM and has a child of its own', async () => {
    const { pid, grandchild, bridgePid } = await bridgeWithLocal(['--ignore-sigterm']);
    process.kill(bridgePid, 'SIGKILL');
    await waitFor('the server\'s process group to be gone', () => !groupRunning(pid), GONE);
    expect(alive(grandchild) && groupRunning(pid)).toBe(false);
  });
});

describe('a local server that crashes', () => {
  it('is started again; the client is told the lists changed and the next call works on the new process', async () => {
    const { bridge, pid } = await bridgeWithLocal();
    const before = bridge.notifications.filter((n) => n.method === 'notifications/tools/list_changed').length;
    process.kill(pid, 'SIGKILL');
    await waitFor('tools/list_changed after the restart', () => bridge.notifications.filter((n) => n.method === 'notifications/tools/list_changed').length > before, GONE);
    const again = Number(textOf(await bridge.client.callTool({ name: 'local__pid', arguments: {} })));
    expect(again).not.toBe(pid);
    killGroupAtTeardown(again);
  });

  it('writes its stderr lines into the bridge\'s log under its name, control characters made visible', async () => {
    const bridge = await connectAggregate({ mcpServers: { noisy: { command: process.execPath, args: [FIXTURE, '--stderr-hello'] } } });
    await waitFor('the stderr line', () => bridge.stderr().includes('hello from the fixture'));
    const line = bridge.stderr().split('\n').find((l) => l.includes('hello from the fixture'))!;
    expect(line).toContain('noisy');
    expect(line).not.toContain('\u001b');
  });

  it('that cannot start is reported with the command, and the others still serve', async () => {
    const bridge = await connectAggregate({
      mcpServers: { missing: { command: 'no-such-command-mcp-auth-bridge' }, local: { command: process.execPath, args: [FIXTURE] } },
    });
    await expect(bridge.client.callTool({ name: 'local__echo', arguments: { text: 'fine' } })).resolves.toMatchObject({ content: [{ type: 'text', text: 'fine' }] });
    await expect(bridge.client.callTool({ name: 'missing__echo', arguments: {} })).rejects.toThrow(/server "missing" is not available: .*no-such-command-mcp-auth-bridge/);
  });
});
