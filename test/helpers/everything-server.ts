/**
 * `@modelcontextprotocol/server-everything` (a dev dependency) serving Streamable HTTP on a given or free port: a
 * real MCP server written by others. After a restart it answers an unknown session id with HTTP 400 ("No valid
 * session ID provided"), and it asks a client with roots for them 350 ms after `notifications/initialized`, on the
 * standalone GET stream. It listens on every interface (it has no host option); the tests only reach 127.0.0.1.
 */
import { fileURLToPath } from 'node:url';
import { freePort, startChildServer, type ChildServer } from './child-server.js';

const ENTRY = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url));

/** A running server-everything. */
export interface EverythingServer extends ChildServer {
  /** Its MCP endpoint, `http://127.0.0.1:<port>/mcp`. */
  url: string;
}

/** Starts server-everything's Streamable HTTP transport on `port` (default: a free one). */
export async function startEverythingServer(options: { port?: number } = {}): Promise<EverythingServer> {
  const port = options.port ?? (await freePort());
  const server = await startChildServer({
    name: 'server-everything',
    command: process.execPath,
    args: [ENTRY, 'streamableHttp'],
    env: { PORT: String(port) },
    port,
  });
  return { ...server, url: `http://127.0.0.1:${port}/mcp` };
}
