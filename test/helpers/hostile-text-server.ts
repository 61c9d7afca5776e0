/**
 * A small node:http MCP server whose every piece of free text is built to drive a terminal: serverInfo.name, HTTP
 * error bodies and OAuth `error_description` carry ESC sequences (clear screen, OSC window title), BEL and the
 * 8-bit CSI U+009B. Cases a real server library would not produce; the bridge must print them escaped.
 */
import { listenLoopback, readBody } from './http-util.js';
import { onTeardown } from './cleanup.js';

/** Text with every kind of terminal control the tests look for. */
export const HOSTILE_TEXT = 'evil\x1b[2J\x1b]0;owned\x07\u009b31mred\x1b[0m';
/** The raw control characters that must never reach stderr. */
export const RAW_CONTROLS = ['\x1b', '\x07', '\u009b'];

/** A running hostile server. */
export interface HostileTextServer {
  /** `http://127.0.0.1:<port>/mcp`. */
  url: string;
  /** Paths requested so far, as `METHOD /path`. */
  requests: string[];
}

/**
 * Starts the server. `mode: 'mcp'` answers initialize (hostile serverInfo) and answers every other request with
 * HTTP 500 and a hostile body. `mode: 'oauth'` protects /mcp with a 401 challenge, serves RFC 9728 and RFC 8414
 * metadata naming itself, and answers the token endpoint with `invalid_client` and a hostile `error_description`.
 */
export async function startHostileTextServer(mode: 'mcp' | 'oauth'): Promise<HostileTextServer> {
  const requests: string[] = [];
  let origin = '';
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({ status, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  const listening = await listenLoopback(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    requests.push(`${req.method} ${path}`);
    const body = req.method === 'POST' ? await readBody(req) : '';
    let answer: { status: number; body: string; headers: Record<string, string> };
    if (mode === 'oauth' && path === '/.well-known/oauth-protected-resource/mcp') {
      answer = json(200, { resource: `${origin}/mcp`, authorization_servers: [origin] });
    } else if (mode === 'oauth' && (path === '/.well-known/oauth-authorization-server' || path === '/.well-known/openid-configuration')) {
      answer = json(200, {
        issuer: origin,
        token_endpoint: `${origin}/token`,
        authorization_endpoint: `${origin}/authorize`,
        grant_types_supported: ['client_credentials', 'authorization_code'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      });
    } else if (mode === 'oauth' && path === '/token') {
      answer = json(400, { error: 'invalid_client', error_description: HOSTILE_TEXT });
    } else if (mode === 'oauth' && path === '/mcp') {
      answer = {
        status: 401,
        body: HOSTILE_TEXT,
        headers: { 'content-type': 'text/plain', 'www-authenticate': `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"` },
      };
    } else if (path === '/mcp' && req.method === 'POST') {
      const message = JSON.parse(body) as { id?: number; method?: string };
      if (message.method === 'initialize') {
        answer = json(200, {
          jsonrpc: '2.0',
          id: message.id,
          result: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: HOSTILE_TEXT, version: HOSTILE_TEXT } },
        }, { 'mcp-session-id': 'hostile-session' });
      } else if (message.id === undefined) {
        answer = { status: 202, body: '', headers: {} };
      } else {
        answer = { status: 500, body: `upstream failure ${HOSTILE_TEXT}`, headers: { 'content-type': 'text/plain' } };
      }
    } else if (path === '/mcp' && req.method === 'DELETE') {
      answer = { status: 200, body: '', headers: {} };
    } else {
      answer = { status: 405, body: `not here ${HOSTILE_TEXT}`, headers: { 'content-type': 'text/plain' } };
    }
    res.writeHead(answer.status, answer.headers).end(answer.body);
  });
  origin = `http://127.0.0.1:${listening.port}`;
  onTeardown(() => listening.close());
  return { url: `${origin}/mcp`, requests };
}
