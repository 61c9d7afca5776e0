/**
 * `mcp-auth-bridge serve` for the tests: the real built CLI spawned on a free port (`--port 0`, the bound port read
 * from its start-up line), killed after the test if it is still running; and SDK clients connected to it over
 * Streamable HTTP or legacy SSE, closed after the test.
 */
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startCli, type CliProcess } from '../helpers/cli.js';
import { onTeardown } from '../helpers/cleanup.js';
import { createTestClient, type TestClient } from '../helpers/client.js';
import { withTimeout } from '../helpers/wait.js';

/** A running `serve`. */
export interface ServeProcess extends CliProcess {
  /** `http://127.0.0.1:<port>` */
  base: string;
  port: number;
}

/** Starts `serve ...args --port 0` and waits (bounded) for it to listen. */
export async function startServe(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const cli = startCli(['serve', ...args, '--port', '0'], env);
  const exitedEarly = cli.exited.then((r) => {
    throw new Error(`${cli.label} exited (${r.code ?? r.signal}) before listening:\n${r.stderr}`);
  });
  exitedEarly.catch(() => undefined); // a later exit (SIGTERM tests) is not an error
  const m = await Promise.race([cli.waitForStderr(/serving .* at (http:\/\/[^/\s]+)\/mcp/, 20_000), exitedEarly]);
  const base = m[1]!;
  return { ...cli, base, port: Number(new URL(base).port) };
}

/** A test client connected to `serve`. */
export interface ServeClient extends TestClient {
  transport: StreamableHTTPClientTransport | SSEClientTransport;
  close(): Promise<void>;
}

/** Connects a {@link createTestClient} client to `url` over Streamable HTTP (default) or legacy SSE. */
export async function connectServeClient(url: string, kind: 'streamable' | 'sse' = 'streamable', name?: string): Promise<ServeClient> {
  const test = createTestClient(name);
  const transport = kind === 'sse' ? new SSEClientTransport(new URL(url)) : new StreamableHTTPClientTransport(new URL(url));
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await withTimeout('a serve client to close', test.client.close(), 10_000).catch(() => undefined);
  };
  onTeardown(close);
  await withTimeout(`initialize through serve at ${url}`, test.client.connect(transport), 20_000);
  return { ...test, transport, close };
}

/** The session id the SDK client got (a Streamable HTTP client's). */
export function sessionIdOf(client: ServeClient): string {
  const id = (client.transport as StreamableHTTPClientTransport).sessionId;
  if (!id) throw new Error('the client has no session id');
  return id;
}

/** The text of a tool result's first content item. */
export const textOf = (result: unknown): string => (result as { content: Array<{ text: string }> }).content[0]!.text;
