#!/usr/bin/env node
// A small MCP server to try the bridge on: Streamable HTTP at /mcp and legacy SSE at /sse, on 127.0.0.1.
//   node examples/server.mjs [--port 3333]
// Then, in another terminal:  npx mcp-auth-bridge http://127.0.0.1:3333/mcp   (or node bin/mcp-auth-bridge.js …)
// Standalone on purpose: like every example, this file imports nothing from test/ (the test harness has its own
// one-of-each helpers for the same jobs), so it can be read, run and copied as it is.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const { values } = parseArgs({ options: { port: { type: 'string', default: '3333' } } });

/** One MCP server per session, with a few tools. */
function makeServer() {
  const server = new McpServer({ name: 'example-server', version: '1.0.0' }, { instructions: 'An example server for mcp-auth-bridge.' });
  server.registerTool('echo', { description: 'Echo the text back', inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  server.registerTool('add', { description: 'Add two numbers', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => ({
    content: [{ type: 'text', text: String(a + b) }],
  }));
  server.registerTool('time', { description: 'The server clock' }, async () => ({ content: [{ type: 'text', text: new Date().toISOString() }] }));
  return server;
}

const streamable = new Map();
const sse = new Map();

async function readJson(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
}

const http = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  try {
    if (url.pathname === '/mcp') {
      const id = req.headers['mcp-session-id'];
      let transport = typeof id === 'string' ? streamable.get(id) : undefined;
      if (!transport) {
        if (id) return void res.writeHead(404).end('Session not found');
        transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (sid) => streamable.set(sid, transport),
        });
        transport.onclose = () => transport.sessionId && streamable.delete(transport.sessionId);
        await makeServer().connect(transport);
      }
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      return void (await transport.handleRequest(req, res, body));
    }
    if (url.pathname === '/sse' && req.method === 'GET') {
      const transport = new SSEServerTransport('/messages', res);
      sse.set(transport.sessionId, transport);
      res.on('close', () => sse.delete(transport.sessionId));
      return void (await makeServer().connect(transport));
    }
    if (url.pathname === '/messages' && req.method === 'POST') {
      const transport = sse.get(url.searchParams.get('sessionId') ?? '');
      if (!transport) return void res.writeHead(404).end('Session not found');
      return void (await transport.handlePostMessage(req, res, await readJson(req)));
    }
    res.writeHead(404).end('Not found');
  } catch (error) {
    if (!res.headersSent) res.writeHead(400).end(String(error));
  }
});

http.listen(Number(values.port), '127.0.0.1', () => {
  const { port } = http.address();
  process.stderr.write(`example MCP server: http://127.0.0.1:${port}/mcp (Streamable HTTP), http://127.0.0.1:${port}/sse (legacy SSE)\n`);
});
process.on('SIGINT', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
