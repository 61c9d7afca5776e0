// The MCP server behind the login: three small tools. `whoami` shows what the access token says about the caller,
// which is the point of the example: the login really reached the server.
// Standalone on purpose: like every example, this file imports nothing from test/ (the test harness has its own
// one-of-each helpers for the same jobs), so it can be read, run and copied as it is.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

const text = (value) => ({ content: [{ type: 'text', text: value }] });

/** A new MCP server (one per session) with the tools `whoami`, `echo` and `time`. */
export function createToolServer() {
  const server = new McpServer(
    { name: 'protected-example-server', version: '1.0.0' },
    { instructions: 'An example MCP server protected by OAuth, for mcp-auth-bridge.' },
  );

  // `authInfo` is what the HTTP layer validated (see auth.mjs); the SDK hands it to every tool call.
  server.registerTool('whoami', { description: 'Who the access token says you are: user, client and scopes' }, async ({ authInfo }) =>
    text(
      JSON.stringify({
        sub: authInfo?.extra?.sub,
        client_id: authInfo?.clientId,
        scopes: authInfo?.scopes ?? [],
        expires_at: authInfo?.expiresAt ? new Date(authInfo.expiresAt * 1000).toISOString() : undefined,
      }),
    ),
  );

  server.registerTool('echo', { description: 'Echo the text back', inputSchema: { text: z.string() } }, async ({ text: value }) => text(value));

  server.registerTool('time', { description: "The server's clock (ISO 8601)" }, async () => text(new Date().toISOString()));

  return server;
}
