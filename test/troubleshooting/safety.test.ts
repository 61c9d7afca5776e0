// docs/troubleshooting.md, local safety: a public MCP server naming an authorization server on this machine (the
// refusal, and the documented fix --allow-private-auth-servers getting past it), and a --header value with a control
// character (a usage error at start; removing it, the fix, works).
import { describe, expect, it } from 'vitest';
import { authArgs, tempDir } from '../helpers/auth-bridge.js';
import { connectThroughBridge, spawnBridgeRaw } from '../helpers/bridge.js';
import { startMetadataServer } from '../helpers/auth-metadata-server.js';
import { useTeardown } from '../helpers/cleanup.js';
import { initializeOutcome } from '../helpers/outcomes.js';
import { PUBLIC_MCP_URL, startPublicMcpServer } from '../helpers/public-mcp-server.js';
import { startStreamableServer } from '../helpers/servers.js';
import { expectDocumented } from './readme-rows.js';
import { runCli } from '../helpers/cli.js';

useTeardown();

describe('troubleshooting: local safety', () => {
  it('`refused to contact …, a … address, for the login`: a public server naming 127.0.0.1; --allow-private-auth-servers goes on', async () => {
    const metadata = await startMetadataServer((origin) => ({ issuer: origin, authorization_endpoint: `${origin}/auth`, token_endpoint: `${origin}/token`, code_challenge_methods_supported: ['S256'] }));
    const proxy = await startPublicMcpServer(metadata.origin);
    const env = { HTTP_PROXY: proxy.url, http_proxy: proxy.url };
    const args = (extra: string[]) => [...authArgs(tempDir(), ['--use-env-proxy', '--allow-http', ...extra]), '--no-browser', PUBLIC_MCP_URL];

    const refused = spawnBridgeRaw(args([]), env);
    const end = await initializeOutcome(refused, 20_000);
    expect(end.kind).toBe('error');
    expectDocumented(end.kind === 'error' ? end.message : '', 'refused to contact');
    expect(metadata.requests).toEqual([]);

    const allowed = spawnBridgeRaw(args(['--allow-private-auth-servers']), env);
    await initializeOutcome(allowed, 20_000);
    expect(metadata.requests.length).toBeGreaterThan(0);
  });

  it('`the value of NAME contains the control character …`: --header "X-Api-Key: a\\x01b"; without it (the fix) works', async () => {
    const server = await startStreamableServer();
    const run = await runCli([server.url, '--header', 'X-Api-Key: a\x01b']);
    expect(run.code).toBe(2);
    expectDocumented(run.stderr, 'contains the control character', { NAME: 'X-Api-Key' });
    expect(server.requests).toEqual([]);

    await connectThroughBridge({ url: server.url, args: ['--header', 'X-Api-Key: ab'] });
    expect(server.requests.find((r) => r.method === 'POST')?.headers['x-api-key']).toBe('ab');
  });
});
