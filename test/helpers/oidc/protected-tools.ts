/**
 * The MCP server behind the protected fixture: `whoami` (who the access token says is calling), `echo`, and
 * `admin` (a tool the HTTP layer guards with an extra scope, for step-up tests).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/** The `serverInfo` of the protected fixture. */
export const PROTECTED_SERVER_INFO = { name: 'protected-test-server', version: '1.2.3-test' } as const;

/** What `whoami` returns (as JSON text): the token's subject, client and scopes — never the token. */
export interface WhoAmI {
  sub: string;
  clientId?: string;
  scopes: string[];
}

const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

/** A new {@link McpServer} with the tools `whoami`, `echo {text}` and `admin`. */
export function createProtectedMcpServer(): McpServer {
  const server = new McpServer(PROTECTED_SERVER_INFO);
  server.registerTool('whoami', { description: 'Returns the caller as the access token names it' }, async (extra) => {
    const auth = extra.authInfo;
    const who: WhoAmI = {
      sub: String(auth?.extra?.sub ?? ''),
      scopes: auth?.scopes ?? [],
      ...(auth?.clientId ? { clientId: auth.clientId } : {}),
    };
    return text(JSON.stringify(who));
  });
  server.registerTool(
    'echo',
    { description: 'Returns its text argument unchanged', inputSchema: { text: z.string() } },
    async ({ text: value }) => text(value),
  );
  server.registerTool('admin', { description: 'Needs an extra scope (checked before the call reaches here)' }, async () =>
    text('admin ok'),
  );
  return server;
}
