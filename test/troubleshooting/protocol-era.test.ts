// docs/troubleshooting.md, the 2026-07-28 era: a forced era that cannot work with the chosen transport, a server
// that asks for input forever, and a server that needs a capability the client does not have — each produced with
// the real CLI in front of a real 2026 server (the SDK 2.x handler).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { connectThroughBridge } from '../helpers/bridge.js';
import { BIN_PATH, baseEnv, runCli } from '../helpers/cli.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { startServer2026 } from '../helpers/server-2026.js';
import { expectDocumented } from './readme-rows.js';

useTeardown();

async function server() {
  const s = await startServer2026({ variant: 'modern-only' });
  onTeardown(() => s.close());
  return s;
}

describe('troubleshooting: protocol eras', () => {
  it('`--protocol 2026-07-28 cannot be used with --transport sse`', async () => {
    const result = await runCli(['--protocol', 'modern', '--transport', 'sse', 'http://127.0.0.1:9/mcp']);
    expect(result.code).not.toBe(0);
    expectDocumented(result.stderr, 'cannot be used with --transport sse');
  });

  it('`the server refused server/discover: …`: a 2025 server with --protocol 2026-07-28; the hint names --protocol auto', async () => {
    const { startStreamableServer } = await import('../helpers/servers.js');
    const legacy = await startStreamableServer();
    onTeardown(() => legacy.close());
    const { startBridgeClient } = await import('../helpers/bridge.js');
    const bridge = startBridgeClient({ args: ['--protocol', '2026-07-28', legacy.url] });
    const error = await bridge.connected.then(() => undefined, (e: unknown) => e as Error);
    expectDocumented(error?.message ?? '', 'refused server/discover');
    expect(error?.message).toContain('--protocol auto');
  });

  it('`the server asked for more input N times without finishing …`', async () => {
    const s = await server();
    const bridged = await connectThroughBridge({ url: s.url });
    const error = await bridged.client.callTool({ name: 'loop', arguments: {} }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expectDocumented(error?.message ?? '', 'asked for more input', { N: '8' });
  });

  it('`the server needs a client capability that the client did not declare for …`', async () => {
    const s = await server();
    const client = new Client({ name: 'no-sampling', version: '1.0.0' }, { capabilities: {} });
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN_PATH, s.url], env: baseEnv(), stderr: 'pipe' });
    onTeardown(() => client.close());
    await client.connect(transport);
    const error = await client.callTool({ name: 'ask_llm', arguments: {} }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expectDocumented(error?.message ?? '', 'needs a client capability');
    expect(error?.message).toMatch(/sampling/);
  });
});
