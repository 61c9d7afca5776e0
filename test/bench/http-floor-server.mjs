// The floor under any gateway's figures in the serve bench: a bare node:http process that answers the bench's MCP
// calls itself (initialize, tools/list, the echo tool; plain JSON answers, a session id that is never checked) with
// no stdio server behind it. What the SDK client and one HTTP exchange on loopback cost, nothing more: no gateway
// can be faster per call. Usage: node http-floor-server.mjs <port>; it listens on 127.0.0.1.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);

function result(id, method, params) {
  if (method === 'initialize') {
    return { protocolVersion: params?.protocolVersion ?? '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'http-floor', version: '1.0.0' } };
  }
  if (method === 'tools/list') return { tools: [{ name: 'echo', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }] };
  if (method === 'tools/call' && params?.name === 'echo') return { content: [{ type: 'text', text: String(params.arguments?.text ?? '') }] };
  if (method === 'ping') return {};
  return undefined;
}

createServer((req, res) => {
  if (req.method === 'DELETE') return void res.writeHead(200).end();
  if (req.method !== 'POST') return void res.writeHead(405).end();
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const message = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (message.id === undefined) return void res.writeHead(202).end();
    const value = result(message.id, message.method, message.params);
    const answer = value === undefined ? { jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'Method not found' } } : { jsonrpc: '2.0', id: message.id, result: value };
    const headers = { 'content-type': 'application/json' };
    if (message.method === 'initialize') headers['mcp-session-id'] = randomUUID();
    res.writeHead(200, headers).end(JSON.stringify(answer));
  });
}).listen(port, '127.0.0.1');
