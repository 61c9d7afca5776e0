// Stopping a local server stops its whole process group: after a normal close nothing is left in the group, a
// server that ignores SIGTERM gets SIGKILL after the grace period, and what the server started (a grandchild) goes
// with it — also when the server crashed and the session is replaced. Checked by process group with kill(-pgid, 0).
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { createLogger, SecretRegistry } from '../../../src/log.js';
import { createStdioConnector } from '../../../src/upstream/stdio/connector.js';
import type { StdioUpstream } from '../../../src/upstream/stdio/upstream.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { connectStdioBridge, FIXTURE_SERVER, groupAlive, killGroupAtTeardown } from '../../helpers/stdio-bridge.js';
import { waitFor, withTimeout } from '../../helpers/wait.js';

useTeardown();

const textOf = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Orphaned processes become zombies until the system reaps them: on these machines that can take seconds. */
const GONE = { timeoutMs: 20_000, intervalMs: 100 };

describe('stopping a local server', () => {
  it('a normal close leaves no process in the group, the server’s grandchild included, without SIGKILL', async () => {
    const bridged = await connectStdioBridge({ name: 'fixture', command: process.execPath, args: [FIXTURE_SERVER] });
    const pgid = Number(textOf(await bridged.client.callTool({ name: 'pid', arguments: {} })));
    const sleeper = Number(textOf(await bridged.client.callTool({ name: 'grandchild', arguments: {} })));
    killGroupAtTeardown(pgid);
    expect(pgid).toBe(bridged.upstreams[0]!.pid);
    expect(groupAlive(pgid)).toBe(true);
    expect(alive(sleeper)).toBe(true);

    await withTimeout('the bridge to close', bridged.bridge.close(), 10_000);
    await waitFor(`process group ${pgid} to be gone`, () => !groupAlive(pgid), GONE);
    expect(alive(sleeper)).toBe(false);
    expect(bridged.logs.some((l) => l.includes('sent SIGKILL'))).toBe(false);
  });

  it('a server that ignores SIGTERM is killed with SIGKILL after stopGraceMs', async () => {
    const bridged = await connectStdioBridge({
      name: 'stubborn',
      command: process.execPath,
      args: [FIXTURE_SERVER, '--ignore-sigterm'],
      stopGraceMs: 500,
      eofGraceMs: 100,
    });
    const pgid = Number(textOf(await bridged.client.callTool({ name: 'pid', arguments: {} })));
    killGroupAtTeardown(pgid);

    await withTimeout('the connector to close', bridged.connector.close(), 10_000);
    // It saw SIGTERM and stayed; then the group got SIGKILL.
    expect(bridged.logs.some((l) => l.includes('[mcp-auth-bridge/stubborn] info: stderr: ignoring SIGTERM'))).toBe(true);
    expect(bridged.logs.some((l) => l.includes('did not stop within 500 ms of SIGTERM: sent SIGKILL'))).toBe(true);
    expect(alive(pgid)).toBe(false);
    await waitFor(`process group ${pgid} to be gone`, () => !groupAlive(pgid), GONE);
  });

  it('a crashed server’s grandchild is stopped when the session is replaced', async () => {
    const bridged = await connectStdioBridge({ name: 'fixture', command: process.execPath, args: [FIXTURE_SERVER] });
    const pgid = Number(textOf(await bridged.client.callTool({ name: 'pid', arguments: {} })));
    const sleeper = Number(textOf(await bridged.client.callTool({ name: 'grandchild', arguments: {} })));
    killGroupAtTeardown(pgid);

    process.kill(pgid, 'SIGKILL'); // the server alone: its grandchild lives on in the group
    await waitFor('the bridge to notice the crash', () => bridged.upstreams[0]!.retired);
    const next = Number(textOf(await bridged.client.callTool({ name: 'pid', arguments: {} }, undefined, { timeout: 20_000 })));
    expect(next).not.toBe(pgid);
    await waitFor(`the grandchild ${sleeper} to be gone`, () => !alive(sleeper), GONE);
    await waitFor(`process group ${pgid} to be gone`, () => !groupAlive(pgid), GONE);
  });

  it('close() is idempotent and closing again after the child is gone resolves', async () => {
    const bridged = await connectStdioBridge({ name: 'fixture', command: process.execPath, args: [FIXTURE_SERVER] });
    const up = bridged.upstreams[0]!;
    const first = up.close();
    expect(up.close()).toBe(first);
    await withTimeout('close', first, 10_000);
    await withTimeout('close again', up.close(), 1_000);
    expect(up.retired).toBe(true);
  });

  it('the connector’s close() stops a child that no session holds', async () => {
    const connector = createStdioConnector({
      name: 'orphan-candidate',
      command: process.execPath,
      args: [FIXTURE_SERVER],
      env: {},
      maxMessageBytes: 65_536,
      logger: createLogger({ level: 'silent', secrets: new SecretRegistry() }),
    });
    onTeardown(() => connector.close());
    const events = { onmessage: () => undefined, onResponseStreamEnd: () => undefined, onSessionLost: () => undefined };
    const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } } as JSONRPCMessage;
    const up = (await connector.open({ initialize, events })) as StdioUpstream;
    const pgid = up.pid!;
    killGroupAtTeardown(pgid);
    expect(groupAlive(pgid)).toBe(true);

    await withTimeout('the connector to close', connector.close(), 10_000);
    expect(up.retired).toBe(true);
    await waitFor(`process group ${pgid} to be gone`, () => !groupAlive(pgid), GONE);
    await expect(connector.open({ initialize, events })).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
