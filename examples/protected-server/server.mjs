#!/usr/bin/env node
// An MCP server protected by OAuth, with its own OpenID provider, on 127.0.0.1 — to try mcp-auth-bridge's login.
//
//   node examples/protected-server/server.mjs [--port 3334] [--bare] [--token-ttl 3600] [--quiet]
//
//   (default)  spec-compliant: 401 + `WWW-Authenticate: Bearer resource_metadata=…`, RFC 9728 metadata, dynamic
//              registration; the bridge needs nothing but the URL.
//   --bare     token-validating only: a bare 401 and no metadata; the bridge needs --issuer and --client-id.
//
// The login page accepts any username and password. See README.md in this folder.
// Standalone on purpose: like every example, this file imports nothing from test/ (the test harness has its own
// one-of-each helpers for the same jobs), so it can be read, run and copied as it is.
import { parseArgs } from 'node:util';
import { DEFAULT_PORT, startProtectedServer } from './protected-server.mjs';

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: String(DEFAULT_PORT) },
      bare: { type: 'boolean', default: false },
      'token-ttl': { type: 'string', default: '3600' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (error) {
  process.stderr.write(`${error.message}\nusage: node examples/protected-server/server.mjs [--port N] [--bare] [--token-ttl SECONDS] [--quiet]\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write('usage: node examples/protected-server/server.mjs [--port N] [--bare] [--token-ttl SECONDS] [--quiet]\n');
  process.exit(0);
}
const port = Number(values.port);
const accessTokenTtl = Number(values['token-ttl']);
if (!Number.isInteger(port) || port < 0 || port > 65535 || !Number.isInteger(accessTokenTtl) || accessTokenTtl < 1) {
  process.stderr.write('--port must be 0-65535 (0: any free port) and --token-ttl a positive number of seconds\n');
  process.exit(2);
}

let server;
try {
  server = await startProtectedServer({
    port,
    bare: values.bare,
    accessTokenTtl,
    log: values.quiet ? undefined : (line) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`),
  });
} catch (error) {
  const hint = error.code === 'EADDRINUSE' ? ` (port ${port} is taken: pass --port with another number, or --port 0)` : '';
  process.stderr.write(`cannot start the protected example server: ${error.message}${hint}\n`);
  process.exit(1);
}

// Shut down cleanly from here on (before the banner: whoever reads it may stop the server at once).
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

const bridgeArgs = server.bare ? ['--issuer', server.issuer, '--client-id', server.clientId, server.mcpUrl] : [server.mcpUrl];
const lines = [
  `Protected MCP example server (${server.bare ? 'bare: token-validating only, no metadata' : 'spec-compliant: RFC 9728 metadata, dynamic registration'})`,
  `  MCP endpoint:  ${server.mcpUrl}`,
  `  issuer:        ${server.issuer}`,
  ...(server.bare ? [`  client id:     ${server.clientId} (pre-registered public client)`] : [`  metadata:      ${server.resourceMetadataUrl}`]),
  '  login:         any username and password',
  '',
  'Bridge to it (from this clone):',
  `  node bin/mcp-auth-bridge.js ${bridgeArgs.join(' ')}`,
  'or, with the published package:',
  `  npx -y mcp-auth-bridge ${bridgeArgs.join(' ')}`,
];
if (server.port === DEFAULT_PORT) {
  lines.push(
    'or from the MCP Inspector (its config names this port):',
    `  npx @modelcontextprotocol/inspector --cli --config examples/protected-server/inspector-config.json --server ${server.bare ? 'protected-bare' : 'protected'} --method tools/list`,
  );
}
process.stdout.write(`${lines.join('\n')}\n\n`);

