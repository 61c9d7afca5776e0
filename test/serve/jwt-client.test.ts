/**
 * serve as an OAuth 2.1 resource server, end to end with real parts only: `serve <url> --jwt-issuer` (the real
 * OpenID provider) in front of an MCP server, and this bridge's own stdio mode pointed at serve knowing nothing
 * but its URL. The bridge meets serve's 401, follows its challenge to serve's RFC 9728 metadata, finds the issuer,
 * registers, logs in (a user signing in on the provider's pages), and its calls then reach the server through
 * serve as that user; when its short-lived access token ends, it refreshes it and its calls go on.
 */
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/child-server.js';
import { connectWithLogin, tempDir } from '../helpers/auth-bridge.js';
import { startCli } from '../helpers/cli.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { listenLoopback } from '../helpers/http-util.js';
import { startOidcProvider } from '../helpers/oidc/index.js';
import { startStreamableServer } from '../helpers/servers.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

useTeardown();

/** The claims of a JWT (its signature was checked by serve; here only read). */
function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/**
 * A plain relay on 127.0.0.1 in front of serve that passes every request on unchanged (Host included) and notes
 * the bearer token each carried, as serve received it: what serve saw, from outside serve.
 */
async function recordingRelay(to: number) {
  const tokens: string[] = [];
  const relay = await listenLoopback((req, res) => {
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer) tokens.push(bearer);
    const out = httpRequest({ host: '127.0.0.1', port: to, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  onTeardown(() => relay.close());
  return { port: relay.port, tokens };
}

describe('serve with JWT inbound auth, and this bridge as its client', () => {
  it('is discovered, logged in to and used by the bridge in client mode', { timeout: 90_000 }, async () => {
    const provider = await startOidcProvider();
    const upstream = await startStreamableServer();
    const port = await freePort();
    const serve = startCli(['serve', upstream.url, '--allow-http', '--port', String(port), '--jwt-issuer', provider.issuer, '--jwt-scopes', 'mcp:read', '--config-dir', tempDir()]);
    await serve.waitForStderr(/serving .* at http:\/\/127\.0\.0\.1:\d+\/mcp/, 20_000);
    const metadata = await (await fetch(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`)).json() as { resource: string; authorization_servers: string[] };
    expect(metadata).toMatchObject({ resource: `http://127.0.0.1:${port}/mcp`, authorization_servers: [provider.issuer] });

    const { bridge } = await connectWithLogin({ url: `http://127.0.0.1:${port}/mcp`, configDir: tempDir(), args: ['--allow-http'] }, { user: 'dana' });
    const result = await withTimeout('a call through serve', bridge.client.callTool({ name: 'echo', arguments: { text: 'through serve' } }), 20_000);
    expect(result.content).toEqual([{ type: 'text', text: 'through serve' }]);
    expect(serve.stderr()).toMatch(/session \S+ opened for dana|dana/);
  });

  it('keeps working after its short-lived access token ends, because the bridge refreshed it', { timeout: 120_000 }, async () => {
    const provider = await startOidcProvider({ accessTokenTtlSeconds: 5 });
    const upstream = await startStreamableServer();
    const servePort = await freePort();
    const relay = await recordingRelay(servePort);
    const publicUrl = `http://127.0.0.1:${relay.port}`;
    const serve = startCli(['serve', upstream.url, '--allow-http', '--port', String(servePort), '--public-url', publicUrl, '--jwt-issuer', provider.issuer, '--jwt-scopes', 'mcp:read', '--config-dir', tempDir()]);
    await serve.waitForStderr(/serving .* at http:\/\/127\.0\.0\.1:\d+\/mcp/, 20_000);

    const { bridge } = await connectWithLogin({ url: `${publicUrl}/mcp`, configDir: tempDir(), args: ['--allow-http'] }, { user: 'erin' });
    const call = (text: string) => withTimeout(`a call through serve (${text})`, bridge.client.callTool({ name: 'echo', arguments: { text } }), 20_000);
    expect((await call('before')).content).toEqual([{ type: 'text', text: 'before' }]);
    const first = relay.tokens.at(-1)!;
    const firstEnds = Number(claimsOf(first).exp) * 1000;
    // Past the first token's end: the next call must carry a new token, not the old one within serve's leeway.
    await waitFor('the first access token to end', () => (Date.now() > firstEnds + 1_000 ? true : undefined), { timeoutMs: 30_000 });

    expect((await call('after')).content).toEqual([{ type: 'text', text: 'after' }]);
    const refreshes = provider.tokenRequests.filter((r) => r.grantType === 'refresh_token' && r.status === 200);
    expect(refreshes.length).toBeGreaterThanOrEqual(1);
    const distinct = [...new Set(relay.tokens)];
    expect(distinct.length).toBeGreaterThanOrEqual(2);
    // Every token serve saw names the same user; the last is a new one, issued by the refresh, still valid.
    expect(new Set(distinct.map((t) => claimsOf(t).sub))).toEqual(new Set(['erin']));
    const last = relay.tokens.at(-1)!;
    expect(createHash('sha256').update(last).digest('hex')).not.toBe(createHash('sha256').update(first).digest('hex'));
    expect(Number(claimsOf(last).exp) * 1000).toBeGreaterThan(firstEnds);
  });
});
