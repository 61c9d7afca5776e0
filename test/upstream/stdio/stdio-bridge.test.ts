// A real Bridge over the stdio connector, against server-everything and the SDK fixture server run as local
// children: the handshake, lists and calls pass; a crashed child is replaced and the next request works on the new
// one; the child's stderr reaches the log under the server's name.
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../../helpers/cleanup.js';
import { connectStdioBridge, EVERYTHING_ENTRY, FIXTURE_SERVER } from '../../helpers/stdio-bridge.js';
import { waitFor } from '../../helpers/wait.js';

useTeardown();

const textOf = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

describe('server-everything as a local server', () => {
  it('answers initialize, tools/list and an echo call through the bridge', async () => {
    const bridged = await connectStdioBridge({ name: 'everything', command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] });
    expect(bridged.client.getServerVersion()?.name).toMatch(/everything/i);
    const { tools } = await bridged.client.listTools();
    expect(tools.map((t) => t.name)).toContain('echo');
    const result = await bridged.client.callTool({ name: 'echo', arguments: { message: 'over a pipe' } });
    expect(textOf(result)).toContain('over a pipe');
    expect(bridged.upstreams).toHaveLength(1);
    expect(bridged.upstreams[0]!.kind).toBe('stdio');
    expect(bridged.upstreams[0]!.label).toMatch(/^stdio#\d+$/);
  });

  it('logs each stderr line of the child at info level, under the server name', async () => {
    const bridged = await connectStdioBridge({ name: 'everything', command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] });
    const line = await waitFor('the child’s stderr line in the log', () => bridged.logs.find((l) => l.includes('Starting default (STDIO) server')));
    expect(line).toMatch(/\[mcp-auth-bridge\/everything\] info: stderr: Starting default \(STDIO\) server\.\.\.\n$/);
  });

  it('a child killed with SIGKILL is started again and the next request works on the new one', async () => {
    const bridged = await connectStdioBridge({ name: 'everything', command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] });
    await bridged.client.listTools();
    const first = bridged.upstreams[0]!;
    process.kill(first.pid!, 'SIGKILL');
    // A request written while the child dies may or may not have been read: that case is the Bridge's (it answers
    // with an error saying so). Here the next request comes once the bridge saw the crash.
    await waitFor('the bridge to notice the crash', () => first.retired);

    const result = await bridged.client.callTool({ name: 'echo', arguments: { message: 'after the crash' } }, undefined, { timeout: 20_000 });
    expect(textOf(result)).toContain('after the crash');
    expect(bridged.upstreams).toHaveLength(2);
    expect(bridged.upstreams[1]!.pid).not.toBe(first.pid);
    expect(first.retired).toBe(true);
    expect(bridged.logs.some((l) => l.includes('upstream session lost: the local server "everything" was killed by SIGKILL'))).toBe(true);
    await waitFor('tools/list_changed after the new child', () =>
      bridged.notifications.some((n) => n.method === 'notifications/tools/list_changed'),
    );
  });
});

describe('the SDK fixture server as a local server', () => {
  it('a child that stops is followed by a new child that answers; the log says how it ended, with its last stderr lines', async () => {
    const bridged = await connectStdioBridge({
      name: 'fixture',
      command: process.execPath,
      args: [FIXTURE_SERVER, '--stderr-hello'],
    });
    const pid = Number(textOf(await bridged.client.callTool({ name: 'pid', arguments: {} })));
    process.kill(pid, 'SIGTERM');
    await waitFor('the bridge to notice the exit', () => bridged.upstreams[0]!.retired);
    const again = Number(textOf(await bridged.client.callTool({ name: 'pid', arguments: {} }, undefined, { timeout: 20_000 })));
    expect(again).not.toBe(pid);
    const lost = bridged.logs.find((l) => l.includes('upstream session lost'))!;
    expect(lost).toContain('the local server "fixture" was killed by SIGTERM');
    expect(lost).toContain('its last stderr lines: "hello from the fixture');
  });
});
