/**
 * `serve` with one local server marked `"sessions": "shared"` (the fixture shared-fixture.mjs) for two users with
 * static tokens, and the test client (test/helpers/client.ts: it answers sampling and records notifications)
 * connected as one of them over Streamable HTTP; every process group a test learns of is killed at teardown.
 */
import { fileURLToPath } from 'node:url';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { writeConfigFile } from '../../aggregate/aggregate-bridge.js';
import { onTeardown } from '../../helpers/cleanup.js';
import { createTestClient, type TestClient } from '../../helpers/client.js';
import { killGroupAtTeardown } from '../../helpers/stdio-bridge.js';
import { withTimeout } from '../../helpers/wait.js';
import { startServe, textOf, type ServeProcess } from '../serve-process.js';

export const SHARED_FIXTURE = fileURLToPath(new URL('./shared-fixture.mjs', import.meta.url));

export const ALICE = 'alice-token-0123456789abcdef0123456789';
export const BOB = 'bob-token-0123456789abcdef0123456789abc';

/** The configuration: the fixture as server `tool` (with `args` after the script), two users with static tokens. */
export function sharedConfig(o: { sessions?: 'shared' | 'separate'; args?: string[] } = {}): Record<string, unknown> {
  return {
    mcpServers: { tool: { command: process.execPath, args: [SHARED_FIXTURE, ...(o.args ?? [])], sessions: o.sessions ?? 'shared' } },
    serve: { auth: { tokens: [{ user: 'alice', token: '${ALICE_TOKEN}' }, { user: 'bob', token: '${BOB_TOKEN}' }] } },
  };
}

/** Starts serve with {@link sharedConfig} (shared unless `sessions` says otherwise); `file` is its configuration. */
export async function startSharedServe(sessions: 'shared' | 'separate' = 'shared'): Promise<ServeProcess & { file: string }> {
  const file = writeConfigFile(sharedConfig({ sessions }));
  return { ...(await startServe(['--config', file], { ALICE_TOKEN: ALICE, BOB_TOKEN: BOB })), file };
}

/** A test client of serve, as the user of `token`. */
export interface SharedClient extends TestClient {
  transport: StreamableHTTPClientTransport;
  /** Calls a tool and returns its text (tool names as the endpoint shows them). */
  call(name: string, args?: Record<string, unknown>): Promise<string>;
  /** The server process's pid, as the `pid` tool says (its group killed at teardown). */
  pid(): Promise<number>;
  /** Ends the session (DELETE) and closes the client. */
  end(): Promise<void>;
}

/** Connects as the user of `token` to `/servers/tool/mcp` (default) or `/mcp` (then tool names are `tool__<name>`). */
export async function connectAs(serve: Pick<ServeProcess, 'base'>, token: string, path: '/servers/tool/mcp' | '/mcp' = '/servers/tool/mcp'): Promise<SharedClient> {
  const test = createTestClient();
  const transport = new StreamableHTTPClientTransport(new URL(`${serve.base}${path}`), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await withTimeout('a serve client to close', test.client.close(), 10_000).catch(() => undefined);
  };
  onTeardown(close);
  await withTimeout('connect to serve', test.client.connect(transport), 20_000);
  const prefix = path === '/mcp' ? 'tool__' : '';
  const call = async (name: string, args: Record<string, unknown> = {}) => textOf(await test.client.callTool({ name: `${prefix}${name}`, arguments: args }));
  return {
    ...test,
    transport,
    call,
    pid: async () => {
      const pid = Number(await call('pid'));
      killGroupAtTeardown(pid);
      return pid;
    },
    end: async () => {
      await transport.terminateSession().catch(() => undefined);
      await close();
    },
  };
}
