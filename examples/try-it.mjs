#!/usr/bin/env node
// The first five minutes: starts examples/server.mjs, connects to it THROUGH the bridge the way an MCP client
// would (spawning `node bin/mcp-auth-bridge.js <url>` and talking MCP over its stdio), lists the tools, calls one,
// and prints the config snippet for your client.   Run: npm run example
// Standalone on purpose: like every example, this file imports nothing from test/ (the test harness has its own
// one-of-each helpers for the same jobs), so it can be read, run and copied as it is.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const server = spawn(process.execPath, ['examples/server.mjs', '--port', '0'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
const url = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('the example server did not start within 10 s')), 10_000);
  let text = '';
  server.stderr.on('data', (chunk) => {
    text += chunk;
    const m = /(http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(text);
    if (m) {
      clearTimeout(timer);
      resolve(m[1]);
    }
  });
  server.once('exit', (code) => reject(new Error(`the example server exited (${code}): ${text}`)));
});

try {
  const transport = new StdioClientTransport({ command: process.execPath, args: ['bin/mcp-auth-bridge.js', url], cwd: root, stderr: 'inherit' });
  const client = new Client({ name: 'try-it', version: '1.0.0' });
  await client.connect(transport);
  const info = client.getServerVersion();
  console.log(`\nConnected through mcp-auth-bridge to ${info?.name} ${info?.version}`);
  const { tools } = await client.listTools();
  console.log(`Tools: ${tools.map((t) => t.name).join(', ')}`);
  const result = await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
  console.log(`add(2, 40) = ${result.content[0].text}`);
  await client.close();
  console.log(`\nTo use a server from Claude Desktop, Cursor or Windsurf, add to its config:\n${JSON.stringify(
    { mcpServers: { example: { command: 'npx', args: ['-y', 'mcp-auth-bridge', url] } } },
    null,
    2,
  )}`);
} finally {
  server.kill();
}
