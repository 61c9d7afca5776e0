/**
 * A team member's MCP client of `serve` (the SDK client over Streamable HTTP, with a static bearer token and URL
 * elicitation), and the moves the Redis and cluster tests make with it: call the OAuth-protected fixture server's
 * `whoami` through the config's server `secure`, and read the login link serve answers with while the user has not
 * logged in.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { McpError } from '@modelcontextprotocol/sdk/types.js';
import { onTeardown } from './cleanup.js';
import { waitFor, withTimeout } from './wait.js';

/** Connects a client to `<base>/mcp` as the user of `token`; it is closed at teardown. */
export async function teamClient(base: string, token: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'team-member', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } } });
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  onTeardown(() => withTimeout('client close', client.close(), 10_000).catch(() => undefined));
  await withTimeout('connect to serve', client.connect(transport), 20_000);
  return { client, transport };
}

/** The error of one `secure__whoami` call, or undefined when it worked. */
export const whoamiError = (client: Client, timeout = 10_000): Promise<McpError | undefined> =>
  client.callTool({ name: 'secure__whoami', arguments: {} }, undefined, { timeout }).then(() => undefined, (e: unknown) => e as McpError);

/** The login link in the error of a `whoami` call while the user has not logged in (waits for it). */
export async function loginLink(client: Client): Promise<string> {
  let link: string | undefined;
  await waitFor('a login link', async () => {
    const error = await whoamiError(client);
    link = (error?.data as { elicitations?: Array<{ url: string }> } | undefined)?.elicitations?.[0]?.url;
    return link;
  }, { timeoutMs: 30_000, intervalMs: 250 });
  return link!;
}
