/**
 * A real `Bridge` over the stdio connector, in this process: the SDK `Client` on one end of an in-memory transport
 * pair, the Bridge on the other, and the connector spawning a real local MCP server. It records every upstream the
 * connector opened (so a test can read the child's pid), every log line, and the client's notifications; the client,
 * the bridge and the connector (with every child it started) are closed at teardown.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { JSONRPCNotification } from '@modelcontextprotocol/sdk/types.js';
import { fileURLToPath } from 'node:url';
import { Bridge } from '../../src/bridge/bridge.js';
import { createLogger, SecretRegistry } from '../../src/log.js';
import type { OpenRequest, UpstreamConnector } from '../../src/upstream/port.js';
import type { RecoveryOptions } from '../../src/upstream/session-lifecycle.js';
import { createStdioConnector, type StdioConnector, type StdioConnectorOptions } from '../../src/upstream/stdio/connector.js';
import type { StdioUpstream } from '../../src/upstream/stdio/upstream.js';
import { onTeardown } from './cleanup.js';

/** server-everything's entry; run it with the argument `stdio`. */
export const EVERYTHING_ENTRY = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url));
/** The SDK fixture server (test/fixtures/stdio/mcp-server.mjs); see its flags there. */
export const FIXTURE_SERVER = fileURLToPath(new URL('../fixtures/stdio/mcp-server.mjs', import.meta.url));

/** Options for {@link connectStdioBridge}: the connector's, with test defaults. */
export type StdioBridgeOptions = Partial<Omit<StdioConnectorOptions, 'logger' | 'command' | 'args'>> &
  Pick<StdioConnectorOptions, 'command' | 'args'> & {
    recovery?: RecoveryOptions;
    /** Connect the SDK client (send initialize) before returning. Default true. */
    connect?: boolean;
  };

/** A client bridged to a local server. */
export interface StdioBridged {
  client: Client;
  bridge: Bridge;
  connector: StdioConnector;
  /** Every upstream the connector opened, oldest first. */
  upstreams: StdioUpstream[];
  /** Every log line written (debug level). */
  logs: string[];
  notifications: JSONRPCNotification[];
  /** The client's connection: connect() already ran unless `connect: false`. */
  connect(): Promise<void>;
}

/** Starts the bridge over a stdio connector for `options.command`; see the module comment. */
export async function connectStdioBridge(options: StdioBridgeOptions): Promise<StdioBridged> {
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', stream: { write: (line: string) => logs.push(line) }, secrets: new SecretRegistry() });
  const connector = createStdioConnector({ name: 'local', env: {}, maxMessageBytes: 1024 * 1024, stopGraceMs: 1_000, ...options, logger });
  const upstreams: StdioUpstream[] = [];
  const record = (request: OpenRequest): OpenRequest => ({
    ...request,
    onSend: (up) => {
      upstreams.push(up as StdioUpstream);
      request.onSend?.(up);
    },
  });
  const recording: UpstreamConnector = {
    open: (request) => connector.open(record(request)),
    reopen: (request) => connector.reopen(record(request)),
  };
  const [clientSide, bridgeSide] = InMemoryTransport.createLinkedPair();
  const bridge = new Bridge({
    client: bridgeSide,
    connector: recording,
    connectTimeoutMs: 20_000,
    requestTimeoutMs: 30_000,
    logger,
    recovery: options.recovery ?? { attempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 },
  });
  const client = new Client({ name: 'stdio-upstream-test', version: '1.0.0' });
  const notifications: JSONRPCNotification[] = [];
  client.fallbackNotificationHandler = async (n) => void notifications.push(n as JSONRPCNotification);
  onTeardown(async () => {
    // The bridge first: it answers what still waits, which needs the client still connected.
    await bridge.close();
    await client.close().catch(() => undefined);
    await connector.close();
  });
  await bridge.start();
  const bridged: StdioBridged = {
    client,
    bridge,
    connector,
    upstreams,
    logs,
    notifications,
    connect: () => client.connect(clientSide, { timeout: 20_000 }),
  };
  if (options.connect !== false) await bridged.connect();
  return bridged;
}

/** Whether any process is left in the process group `pgid`. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Kills the process group `pgid` with SIGKILL at teardown, in case a test left it. */
export function killGroupAtTeardown(pgid: number): void {
  onTeardown(() => {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone
    }
  });
}
