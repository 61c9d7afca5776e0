// docs/troubleshooting.md, reaching the server: each row's situation produced for real (a refused port, a name that
// does not resolve, a server whose certificate is self-signed, a protected server refusing a static key) and the
// documented message checked against what the user sees: stderr, or the JSON-RPC error the client gets.
import { createServer, type Server } from 'node:https';
import { describe, expect, it } from 'vitest';
import { authArgs, freePort, loginUrlsIn, tempDir } from '../helpers/auth-bridge.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { readBody } from '../helpers/http-util.js';
import { selfSignedCertificate } from '../helpers/tls.js';
import { McpSessions } from '../helpers/mcp-sessions.js';
import { initializeOutcome, type RequestEnd } from '../helpers/outcomes.js';
import { createTestMcpServer, TEST_SERVER_INFO } from '../helpers/test-tools.js';
import { expectDocumented } from './readme-rows.js';
import { startAuthStack } from '../helpers/oidc/index.js';
import { runCli } from '../helpers/cli.js';

useTeardown();

function errorOf(end: RequestEnd): { message: string; data: unknown } {
  expect(end.kind, JSON.stringify(end)).toBe('error');
  return end.kind === 'error' ? { message: end.message, data: end.data } : { message: '', data: undefined };
}

/** A real MCP server (stateless Streamable HTTP, the test tools) over https with `tls`; closed after the test. */
async function startHttpsMcpServer(tls: { key: string; cert: string }): Promise<{ url: string; server: Server }> {
  const sessions = new McpSessions({ createServer: createTestMcpServer, stateless: true, jsonResponse: true });
  const server = createServer(tls, (req, res) => {
    void (async () => {
      const raw = req.method === 'POST' ? await readBody(req) : '';
      await sessions.handle(req, res, raw ? JSON.parse(raw) : undefined);
    })().catch(() => res.destroy());
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  onTeardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  return { url: `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/mcp`, server };
}

describe('troubleshooting: reaching the server', () => {
  it('`refusing plain http to HOST`: plain http to another machine stops the bridge (exit 2); --allow-http lifts it', async () => {
    const refused = await runCli(['http://mcp.invalid/mcp']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expectDocumented(refused.stderr, 'refusing plain http to', { HOST: 'mcp.invalid' });
    expect(refused.stderr).toMatch(/use https:\/\/, or pass --allow-http/);

    // The documented fix: with --allow-http the URL is accepted (and now fails only because the name does not resolve).
    const raw = spawnBridgeRaw(['--allow-http', 'http://mcp.invalid/mcp']);
    const { message } = errorOf(await initializeOutcome(raw, 15_000));
    expect(message).not.toMatch(/refusing plain http/);
    expect(message).toContain('cannot reach http://mcp.invalid');
  });

  it('`cannot reach https://…: ECONNREFUSED`: a port nobody listens on; the client gets the error and the bridge stays up', async () => {
    const port = await freePort();
    const raw = spawnBridgeRaw([`https://127.0.0.1:${port}/mcp`]);
    const { message, data } = errorOf(await initializeOutcome(raw, 15_000));
    expectDocumented(message, 'ECONNREFUSED');
    expect(message).toContain(`https://127.0.0.1:${port}`);
    expect(data).toMatchObject({ code: 'CONNECT' });
    expect(raw.exitStatus()).toBeUndefined();
    expect(raw.invalidLines).toEqual([]);
  });

  it('`the host name … does not resolve`: a name DNS does not know; the message also suggests --use-env-proxy', async () => {
    const raw = spawnBridgeRaw(['https://mcp-auth-bridge-test.invalid/mcp']);
    const { message } = errorOf(await initializeOutcome(raw, 15_000));
    expectDocumented(message, 'does not resolve');
    expect(message).toContain('mcp-auth-bridge-test.invalid');
    expect(message).toContain('--use-env-proxy');
  });

  it('`the server certificate is not trusted`: a self-signed https server; NODE_EXTRA_CA_CERTS with its certificate fixes it', async () => {
    const tls = selfSignedCertificate();
    const { url } = await startHttpsMcpServer(tls);
    const raw = spawnBridgeRaw([url]);
    const { message } = errorOf(await initializeOutcome(raw, 15_000));
    expectDocumented(message, 'certificate is not trusted');
    expect(message).toContain('NODE_EXTRA_CA_CERTS');

    // The documented fix, for real: the same server through a bridge that trusts the CA.
    const trusting = spawnBridgeRaw([url], { NODE_EXTRA_CA_CERTS: tls.certPath });
    const end = await initializeOutcome(trusting, 15_000);
    expect(end.kind, JSON.stringify(end)).toBe('result');
    if (end.kind === 'result') expect((end.message as unknown as { result: { serverInfo: unknown } }).result.serverInfo).toEqual(TEST_SERVER_INFO);
  });

  it('`server answered HTTP 401` (with --header Authorization): the static key is refused, and no login is attempted', async () => {
    const { provider, server } = await startAuthStack();
    const configDir = tempDir();
    const raw = spawnBridgeRaw([...authArgs(configDir), '--no-browser', '--header', 'Authorization: Bearer wrong-static-key-0123', server.url]);
    const { message, data } = errorOf(await initializeOutcome(raw, 15_000));
    expectDocumented(message, 'server answered HTTP 401');
    expect(data).toMatchObject({ status: 401 });
    expect(message).not.toContain('wrong-static-key-0123');
    expect(raw.stderr()).not.toContain('wrong-static-key-0123');
    expect(loginUrlsIn(raw.stderr())).toEqual([]);
    expect(provider.counters.authorizationRequests).toBe(0);
    expect(provider.counters.registrations).toBe(0);
  });
});
