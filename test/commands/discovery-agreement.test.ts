// `doctor` and `login` take one decision path (src/auth/discovery-context.ts): on every way a server can say (or not
// say) how to log in, doctor's verdict and what `login` does agree. Real parts throughout: the oidc-provider fixture,
// the protected SDK server, the API-key server, a plain server, and, for the 2025-03-26 servers (which publish no
// protected-resource metadata), a small real node:http front that answers the MCP endpoint with a bare 401 and
// serves metadata (or the default endpoints) at its origin. Where a server names several authorization servers, both
// keep the one the stored login was made with.
// Regression: a bare 401 (no WWW-Authenticate at all) with RFC 8414 metadata at the origin — `login` proceeded with
// the 2025-03-26 fallback while `doctor` failed its "401 challenge" step and told the user to pass --issuer.
import { describe, expect, it } from 'vitest';
import { freePort, tempDir, fileStore } from '../helpers/auth-bridge.js';
import { fetchMetadata } from '../helpers/auth-metadata-server.js';
import { startApiKeyServer } from '../helpers/api-key-server.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { listenLoopback } from '../helpers/http-util.js';
import { startOidcProvider, startProtectedMcpServer } from '../helpers/oidc/index.js';
import { startStreamableServer } from '../helpers/servers.js';
import { doctorSteps } from '../helpers/doctor-report.js';
import { browserCommand } from '../helpers/browser-command.js';
import { runCli, type CliResult } from '../helpers/cli.js';

useTeardown();

interface Verdicts {
  doctor: CliResult;
  login: CliResult;
}

/** Runs `doctor`, then `login` (a headless browser plays the user), with the same options against `url`. */
async function doctorThenLogin(url: string, extra: string[] = []): Promise<Verdicts> {
  const configDir = tempDir();
  const doctor = await runCli(['doctor', ...fileStore(configDir), ...extra, url], {}, 30_000);
  const browser = browserCommand(tempDir(), { login: {} });
  const login = await runCli(['login', ...fileStore(configDir), '--auth-timeout', '20s', '--browser', browser.command, ...extra, url], {}, 40_000);
  return { doctor, login };
}

/** Doctor's step `name`, which must appear once. */
function step(result: CliResult, name: string): { ok: boolean; detail: string; fix?: string } {
  const found = doctorSteps(result.stdout).get(name);
  expect(found, `step "${name}" in:\n${result.stdout}`).toHaveLength(1);
  return found![0]!;
}

/** Both succeed: doctor passes every step and login logs in with `issuer`. */
function expectBothSucceed(v: Verdicts, issuer: string): void {
  expect(v.doctor.code, v.doctor.stdout + v.doctor.stderr).toBe(0);
  expect(v.login.code, v.login.stderr).toBe(0);
  expect(v.login.stdout).toMatch(/^Logged in to /);
  expect(v.login.stdout).toContain(`  issuer:   ${issuer}\n`);
}

/**
 * A 2025-03-26 server in front of the provider: its MCP endpoint answers 401 (with `challenge`, or no
 * WWW-Authenticate at all), and its origin serves the provider's RFC 8414 metadata (`metadata: true`) or, without
 * one, an `/authorize` that answers 400 and a `/register` that refuses (the default endpoints). Records the paths.
 */
async function startLegacyFront(o: { challenge?: string; metadata?: Record<string, unknown> }): Promise<{ url: string; origin: string; paths: string[] }> {
  const paths: string[] = [];
  const listening = await listenLoopback((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    paths.push(`${req.method} ${path}`);
    req.resume();
    if (path === '/mcp') {
      res.writeHead(401, { 'content-type': 'text/plain', ...(o.challenge ? { 'www-authenticate': o.challenge } : {}) }).end('unauthorized');
    } else if (path === '/.well-known/oauth-authorization-server' && o.metadata) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(o.metadata));
    } else if (path === '/authorize' && !o.metadata) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('client_id missing');
    } else if (path === '/register' && !o.metadata) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_client_metadata', error_description: 'registration closed' }));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  onTeardown(() => listening.close());
  const origin = `http://127.0.0.1:${listening.port}`;
  return { url: `${origin}/mcp`, origin, paths };
}

describe('doctor and login agree on every discovery path', () => {
  it('RFC 9728 metadata named by the challenge', async () => {
    const provider = await startOidcProvider();
    const server = await startProtectedMcpServer({ issuer: provider.issuer });
    const v = await doctorThenLogin(server.url);
    expect(step(v.doctor, '401 challenge').detail).toContain(`resource_metadata=${server.resourceMetadataUrl}`);
    expect(step(v.doctor, 'Protected-resource metadata')).toEqual({ ok: true, detail: `resource ${server.url}, authorization server ${provider.issuer}` });
    expectBothSucceed(v, provider.issuer);
  });

  it('RFC 9728 metadata at the well-known path (the challenge names none)', async () => {
    const provider = await startOidcProvider();
    const server = await startProtectedMcpServer({ issuer: provider.issuer, challenge: { resourceMetadata: false } });
    const v = await doctorThenLogin(server.url);
    expect(step(v.doctor, '401 challenge').detail).toContain('(no resource_metadata)');
    expect(step(v.doctor, 'Protected-resource metadata')).toEqual({ ok: true, detail: `resource ${server.url}, authorization server ${provider.issuer}` });
    expectBothSucceed(v, provider.issuer);
  });

  it.each([
    ['no WWW-Authenticate at all', undefined],
    ['a bare Bearer challenge', 'Bearer'],
  ])('MCP 2025-03-26: RFC 8414 metadata at the origin, a 401 with %s', async (_label, challenge) => {
    const provider = await startOidcProvider();
    const metadata = await fetchMetadata(provider.authorizationServerMetadataUrl);
    const front = await startLegacyFront({ metadata, ...(challenge ? { challenge } : {}) });
    // Scopes named, as the server names none (the provider declines a login that asks for none).
    const v = await doctorThenLogin(front.url, ['--scopes', 'openid mcp:read']);
    expect(step(v.doctor, '401 challenge').ok).toBe(true);
    expect(step(v.doctor, 'Protected-resource metadata')).toEqual({
      ok: true,
      detail: `not published (RFC 9728); authorization server metadata at ${front.origin} (MCP 2025-03-26)`,
    });
    expectBothSucceed(v, provider.issuer);
    expect(v.login.stderr).toContain('using the authorization server metadata at its origin (MCP 2025-03-26)');
  });

  it('MCP 2025-03-26: no metadata, the default endpoints at the origin (both go to its /register)', async () => {
    const front = await startLegacyFront({});
    const v = await doctorThenLogin(front.url);
    expect(step(v.doctor, 'Protected-resource metadata')).toEqual({
      ok: true,
      detail: `not published (RFC 9728); the default endpoints at ${front.origin} (MCP 2025-03-26)`,
    });
    expect(step(v.doctor, 'Client')).toEqual({ ok: true, detail: `dynamic client registration at ${front.origin}/register` });
    // login takes the same path: it registers at the default endpoint (which this front refuses).
    expect(v.login.stderr).toContain('using the default endpoints at its origin (MCP 2025-03-26)');
    expect(front.paths).toContain('POST /register');
    expect(v.login.stderr).toContain(`dynamic client registration at ${front.origin} failed: invalid_client_metadata`);
  });

  it('RFC 9728 naming two authorization servers: both keep the one the stored login was made with, not the first', async () => {
    const first = await startOidcProvider();
    const second = await startOidcProvider();
    // A login made while the server named only the second provider…
    const before = await startProtectedMcpServer({ issuer: second.issuer });
    const configDir = tempDir();
    const browser = browserCommand(tempDir(), { login: {} });
    const login = await runCli(['login', ...fileStore(configDir), '--auth-timeout', '20s', '--browser', browser.command, before.url]);
    expect(login.code, login.stderr).toBe(0);
    await before.close();
    // …then the same server names the first provider first.
    const after = await startProtectedMcpServer({ issuer: second.issuer, port: before.port, metadata: { authorizationServers: [first.issuer, second.issuer] } });
    expect(after.url).toBe(before.url);
    const doctor = await runCli(['doctor', ...fileStore(configDir), after.url], {}, 30_000);
    expect(doctor.code, doctor.stdout).toBe(0);
    expect(step(doctor, 'Protected-resource metadata')).toEqual({ ok: true, detail: `resource ${after.url}, authorization server ${second.issuer}` });
    const forced = await runCli(['login', ...fileStore(configDir), '--auth-timeout', '20s', '--force', '--browser', browser.command, after.url]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain(`  issuer:   ${second.issuer}\n`);
    expect(first.counters.authorizationRequests).toBe(0);
  });

  it('issuer mode (a bare-401 server with --issuer and a pre-registered client)', async () => {
    const provider = await startOidcProvider();
    const server = await startProtectedMcpServer({ issuer: provider.issuer, advertise: false });
    const redirect = `http://127.0.0.1:${await freePort()}/callback`;
    const v = await doctorThenLogin(server.url, ['--issuer', provider.issuer, '--client-id', provider.publicClient.clientId, '--redirect-url', redirect]);
    expect(step(v.doctor, 'Protected-resource metadata')).toEqual({ ok: true, detail: `not needed: --issuer ${provider.issuer}` });
    expectBothSucceed(v, provider.issuer);
  });

  it('a server that wants an API key: both refuse, with the same words and fixes', async () => {
    const server = await startApiKeyServer({ challenge: 'ApiKey realm="tools"', body: 'missing x-api-key header' });
    const v = await doctorThenLogin(server.url);
    expect(v.doctor.code).toBe(1);
    expect(v.login.code).toBe(1);
    const prm = step(v.doctor, 'Protected-resource metadata');
    expect(prm.ok).toBe(false);
    const words = `${new URL(server.url).host} refused the request without saying how to log in`;
    expect(prm.detail).toContain(words);
    expect(v.login.stderr).toContain(words);
    expect(prm.fix).toContain('--header "Authorization:${VAR}"');
    expect(v.login.stderr).toContain('--header "Authorization:${VAR}"');
    expect(server.paths).not.toContain('/register');
  });

  it('a server that needs no auth: doctor passes saying so, login has nothing to log in to', async () => {
    const plain = await startStreamableServer();
    const v = await doctorThenLogin(plain.url);
    expect(v.doctor.code, v.doctor.stdout).toBe(0);
    expect(step(v.doctor, 'Authorization')).toEqual({ ok: true, detail: 'the server does not ask for authorization' });
    expect(v.login.code).toBe(1);
    expect(v.login.stderr).toContain('did not ask for authorization (HTTP 200): there is nothing to log in to');
  });
});
