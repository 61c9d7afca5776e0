// `mcp-auth-bridge doctor <url>`: one ✓/✗ line per step with the fix for each failure, exit 0 only when every
// step passes. Healthy cases: a spec-compliant protected server (before and after a login), issuer mode, a plain
// server without auth (Streamable HTTP and legacy SSE). Failures, each produced for real: an unreachable server, a
// wrong path (404 on both transports), a bare-401 server without --issuer, a provider without PKCE (the one fake: a
// metadata document, since a real provider always advertises S256), a taken --callback-port, the keychain without a
// D-Bus session, an unreadable stored record, and a static key the server refuses. And a note on a passing step: a
// locked keyring (a real private gnome-keyring) with nothing kept in it, where files are used.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, occupyPort, tempDir, fileStore } from '../helpers/auth-bridge.js';
import { fetchMetadata, startMetadataServer } from '../helpers/auth-metadata-server.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { startPrivateKeyring } from '../helpers/keyring.js';
import { startOidcProvider, startProtectedMcpServer, startAuthStack } from '../helpers/oidc/index.js';
import { startSseServer, startStreamableServer } from '../helpers/servers.js';
import { doctorSteps } from '../helpers/doctor-report.js';
import { browserCommand } from '../helpers/browser-command.js';
import { runCli, type CliResult } from '../helpers/cli.js';

useTeardown();

function doctor(url: string, configDir: string, extra: string[] = [], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['doctor', ...fileStore(configDir), ...extra, url], env, 30_000);
}

/** Step → its one line (fails when a step appears twice or not at all). */
function step(result: CliResult, name: string): { ok: boolean; detail: string; fix?: string; note?: string } {
  const found = doctorSteps(result.stdout).get(name);
  expect(found, `step "${name}" in:\n${result.stdout}\n--- stderr ---\n${result.stderr}`).toHaveLength(1);
  return found![0]!;
}

function names(result: CliResult): string[] {
  return [...doctorSteps(result.stdout).keys()];
}

function summary(result: CliResult): string {
  return result.stdout.trimEnd().split('\n').pop()!;
}

const SPEC_STEPS = [
  'URL',
  'Reach the server',
  'Transport',
  '401 challenge',
  'Protected-resource metadata',
  'Authorization server metadata',
  'PKCE',
  'Client',
  'Credential store',
  'Callback port',
  'Stored login',
];

describe('doctor: healthy servers', () => {
  it('a spec-compliant protected server, before and after a login: every step ✓, exit 0, and doctor itself logs in to nothing', async () => {
    const { provider, server } = await startAuthStack();
    const configDir = tempDir();
    const before = await doctor(server.url, configDir);
    expect(before.code, before.stdout + before.stderr).toBe(0);
    expect(names(before)).toEqual(SPEC_STEPS);
    expect(step(before, 'URL')).toEqual({ ok: true, detail: `${server.url} (plain http on a trusted network)` });
    expect(step(before, 'Reach the server')).toEqual({ ok: true, detail: 'HTTP 401 to an MCP initialize' });
    expect(step(before, 'Transport')).toEqual({ ok: true, detail: 'not known before logging in (the server asks for authorization first)' });
    expect(step(before, '401 challenge')).toEqual({ ok: true, detail: `Bearer, resource_metadata=${server.resourceMetadataUrl}, scope="mcp:read"` });
    expect(step(before, 'Protected-resource metadata')).toEqual({ ok: true, detail: `resource ${server.url}, authorization server ${provider.issuer}` });
    expect(step(before, 'Authorization server metadata')).toEqual({ ok: true, detail: `issuer ${provider.issuer} checked` });
    expect(step(before, 'PKCE')).toEqual({ ok: true, detail: 'S256 supported' });
    expect(step(before, 'Client')).toEqual({ ok: true, detail: `dynamic client registration at ${provider.issuer}/reg` });
    expect(step(before, 'Credential store')).toEqual({ ok: true, detail: `files under ${configDir}` });
    expect(step(before, 'Callback port').detail).toMatch(/^127\.0\.0\.1:\d+ is free$/);
    expect(step(before, 'Stored login')).toEqual({ ok: true, detail: 'none yet: the first request will open the login' });
    expect(summary(before)).toBe('All 11 checks passed.');
    expect(before.stdout).not.toMatch(/fix:|note:/);
    expect(provider.counters.registrations).toBe(0);
    expect(provider.counters.authorizationRequests).toBe(0);

    const browser = browserCommand(tempDir(), { login: {} });
    const login = await runCli(['login', ...fileStore(configDir), '--auth-timeout', '20s', '--browser', browser.command, server.url]);
    expect(login.code, login.stderr).toBe(0);

    const after = await doctor(server.url, configDir);
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(names(after)).toEqual(SPEC_STEPS);
    expect(step(after, 'Stored login')).toMatchObject({ ok: true });
    expect(step(after, 'Stored login').detail).toMatch(new RegExp(`^${provider.issuer}, until .+ \\((59|60) min\\), refresh token yes$`));
    expect(summary(after)).toBe('All 11 checks passed.');
    expect(provider.counters.authorizationRequests).toBe(1); // the login's, none from doctor
  });

  it('issuer mode (a bare-401 server with --issuer, --client-id, --redirect-url): every step ✓', async () => {
    const provider = await startOidcProvider();
    const server = await startProtectedMcpServer({ issuer: provider.issuer, advertise: false });
    const port = await freePort();
    const result = await doctor(server.url, tempDir(), [
      '--issuer',
      provider.issuer,
      '--client-id',
      provider.publicClient.clientId,
      '--redirect-url',
      `http://127.0.0.1:${port}/callback`,
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(step(result, '401 challenge')).toEqual({ ok: true, detail: 'Bearer (no resource_metadata)' });
    expect(step(result, 'Protected-resource metadata')).toEqual({ ok: true, detail: `not needed: --issuer ${provider.issuer}` });
    expect(step(result, 'Client')).toEqual({ ok: true, detail: `pre-registered client ${provider.publicClient.clientId}` });
    expect(step(result, 'Callback port')).toEqual({ ok: true, detail: `127.0.0.1:${port} is free` });
    expect(summary(result)).toBe('All 11 checks passed.');
  });

  it('a plain server that needs no auth (Streamable HTTP): ✓ and exit 0', async () => {
    const plain = await startStreamableServer();
    const result = await doctor(plain.url, tempDir());
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(names(result)).toEqual(['URL', 'Reach the server', 'Transport', 'Authorization']);
    expect(step(result, 'Reach the server')).toEqual({ ok: true, detail: 'HTTP 200 to an MCP initialize' });
    expect(step(result, 'Transport')).toEqual({ ok: true, detail: 'Streamable HTTP' });
    expect(step(result, 'Authorization')).toEqual({ ok: true, detail: 'the server does not ask for authorization' });
    expect(summary(result)).toBe('All 4 checks passed.');
  });

  it('a legacy SSE server: the transport step says legacy SSE, exit 0', async () => {
    const sse = await startSseServer();
    const result = await doctor(sse.url, tempDir());
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(step(result, 'Transport')).toEqual({ ok: true, detail: 'legacy SSE (initialize POST answered 405; the GET stream works)' });
    expect(step(result, 'Authorization').ok).toBe(true);
  });
});

describe('doctor: each failure with its fix', () => {
  it('an unreachable server: ✗ Reach the server, with the fix; exit 1', async () => {
    const port = await freePort();
    const result = await doctor(`http://127.0.0.1:${port}/mcp`, tempDir());
    expect(result.code).toBe(1);
    expect(names(result)).toEqual(['URL', 'Reach the server']);
    expect(step(result, 'Reach the server')).toEqual({
      ok: false,
      detail: `cannot reach http://127.0.0.1:${port}: ECONNREFUSED`,
      fix: 'check the URL, your network, and that the server is running',
    });
    expect(summary(result)).toBe('1 of 2 checks failed.');
  });

  it('a wrong path (404 to the initialize POST and to the SSE GET): ✗ Transport, fix names the path; exit 1', async () => {
    const plain = await startStreamableServer();
    const wrong = `http://127.0.0.1:${plain.port}/wrong`;
    const result = await doctor(wrong, tempDir());
    expect(result.code).toBe(1);
    expect(step(result, 'Reach the server')).toEqual({ ok: true, detail: 'HTTP 404 to an MCP initialize' });
    expect(step(result, 'Transport')).toEqual({
      ok: false,
      detail: 'initialize answered HTTP 404 and no SSE stream answered either',
      fix: 'check the URL path: it must be the MCP endpoint (often /mcp, or /sse for legacy servers)',
    });
    expect(summary(result)).toBe('1 of 3 checks failed.');
    // Both transports were really tried.
    expect(plain.requests.filter((r) => r.path === '/wrong').map((r) => r.method).sort()).toEqual(['GET', 'POST']);
  });

  it('a bare-401 server without --issuer: ✗ Protected-resource metadata, the bridge\'s own conclusion (fix says --issuer and --header); exit 1', async () => {
    const provider = await startOidcProvider();
    const server = await startProtectedMcpServer({ issuer: provider.issuer, advertise: false });
    const result = await doctor(server.url, tempDir());
    expect(result.code).toBe(1);
    expect(step(result, '401 challenge')).toEqual({ ok: true, detail: 'Bearer (no resource_metadata)' });
    const prm = step(result, 'Protected-resource metadata');
    expect(prm.ok).toBe(false);
    expect(prm.detail).toContain(`127.0.0.1:${server.port} refused the request without saying how to log in`);
    expect(prm.fix).toContain('--issuer <url> and --client-id <id>');
    expect(prm.fix).toContain('--header "Authorization:${VAR}"');
    expect(summary(result)).toBe('1 of 5 checks failed.');
  });

  it('a provider that does not advertise PKCE S256: ✗ PKCE with the fix; the other steps still run; exit 1', async () => {
    const provider = await startOidcProvider();
    const real = await fetchMetadata(provider.authorizationServerMetadataUrl);
    const noPkce = await startMetadataServer((origin) => {
      const doc: Record<string, unknown> = { ...real, issuer: origin };
      delete doc.code_challenge_methods_supported;
      return doc;
    });
    const server = await startProtectedMcpServer({ issuer: provider.issuer, metadata: { authorizationServers: [noPkce.origin] } });
    const result = await doctor(server.url, tempDir());
    expect(result.code).toBe(1);
    expect(names(result)).toEqual(SPEC_STEPS);
    expect(step(result, 'Authorization server metadata')).toEqual({ ok: true, detail: `issuer ${noPkce.origin} checked` });
    const pkce = step(result, 'PKCE');
    expect(pkce.ok).toBe(false);
    expect(pkce.detail).toContain(`the authorization server ${noPkce.origin} does not advertise PKCE with S256`);
    expect(pkce.fix).toBe('ask the server operator to enable PKCE (S256)');
    expect(summary(result)).toBe('1 of 11 checks failed.');
  });

  it('--callback-port held by another program: ✗ Callback port naming it, fix says --callback-port; exit 1', async () => {
    const { server } = await startAuthStack();
    const { port } = await occupyPort();
    const result = await doctor(server.url, tempDir(), ['--callback-port', String(port)]);
    expect(result.code).toBe(1);
    expect(step(result, 'Callback port')).toEqual({
      ok: false,
      detail: `127.0.0.1:${port} is in use by another program`,
      fix: `close the program using port ${port}, or choose another with --callback-port`,
    });
    expect(summary(result)).toBe('1 of 11 checks failed.');
  });

  it('the stable callback port taken without --callback-port is only a note (a free port will be used): ✓, exit 0', async () => {
    const { server } = await startAuthStack();
    const configDir = tempDir();
    const first = await doctor(server.url, configDir);
    const stable = Number(/^127\.0\.0\.1:(\d+) is free$/.exec(step(first, 'Callback port').detail)![1]);
    await occupyPort(stable);
    const result = await doctor(server.url, configDir);
    expect(result.code, result.stdout).toBe(0);
    expect(step(result, 'Callback port')).toMatchObject({ ok: true, detail: `127.0.0.1:${stable} is in use; a free port will be used instead` });
  });

  it('--token-store keychain without a D-Bus session: ✗ Credential store with the fix; exit 1', async () => {
    const { server } = await startAuthStack();
    const configDir = tempDir();
    // baseEnv() carries no DBUS_SESSION_BUS_ADDRESS: no Secret Service is reachable.
    const result = await runCli(['doctor', '--token-store', 'keychain', '--config-dir', configDir, server.url], {}, 30_000);
    expect(result.code).toBe(1);
    const store = step(result, 'Credential store');
    expect(store.ok).toBe(false);
    expect(store.detail).toMatch(/^The OS keychain cannot be used \(.*no D-Bus session bus is reachable\)/);
    expect(store.fix).toMatch(/--token-store file/);
    expect(store.fix).toMatch(/gnome-keyring/);
    expect(summary(result)).toMatch(/^1 of \d+ checks failed\.$/);
  });

  it('an unreadable stored record: ✗ Stored login, fix says logout --all; exit 1', async () => {
    const { server } = await startAuthStack();
    const configDir = tempDir();
    mkdirSync(join(configDir, 'tokens'), { recursive: true, mode: 0o700 });
    writeFileSync(join(configDir, 'tokens', `${'ef'.repeat(32)}.json`), 'not json', { mode: 0o600 });
    const result = await doctor(server.url, configDir);
    expect(result.code).toBe(1);
    expect(step(result, 'Stored login')).toEqual({
      ok: false,
      detail: 'none yet: the first request will open the login',
      fix: '1 unreadable record(s): run mcp-auth-bridge logout --all',
    });
  });

  // Product bug: doctor reports "All 4 checks passed" (exit 0) although the server refuses the static key with 401,
  // the exact situation README's Troubleshooting lists as `server answered HTTP 401` (with --header Authorization).
  it('a static Authorization header the server refuses (401): ✗ with the fix, exit 1', async () => {
    const { server } = await startAuthStack();
    const result = await doctor(server.url, tempDir(), ['--header', 'Authorization: Bearer not-a-valid-key']);
    expect(result.stdout).not.toContain('not-a-valid-key');
    const failed = [...doctorSteps(result.stdout).values()].flat().filter((s) => !s.ok);
    expect(failed.map((s) => s.detail).join('\n'), result.stdout).toMatch(/401|refused/);
    expect(failed.map((s) => s.fix ?? '').join('\n'), result.stdout).toMatch(/key|header/i);
    expect(result.code, result.stdout).toBe(1);
  });
});

describe('doctor: notes on steps that pass', () => {
  // Product gap: with a locked keyring and no login kept in it, `--token-store auto` used files (as designed: nothing
  // to lose), and doctor said only "✓ Credential store: files under …" — the user was never told why the keychain
  // was not used, nor how to use it.
  it('--token-store auto with a locked keyring and nothing in it: ✓ files, saying the keychain is locked, with a note to unlock it; exit 0', async () => {
    const keyring = await startPrivateKeyring();
    onTeardown(() => keyring.stop());
    await keyring.lock();
    expect(await keyring.isLocked()).toBe(true);
    const { server } = await startAuthStack();
    const configDir = tempDir();
    const result = await runCli(['doctor', '--token-store', 'auto', '--config-dir', configDir, server.url], keyring.env, 30_000);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(names(result)).toEqual(SPEC_STEPS);
    const store = step(result, 'Credential store');
    expect(store.ok).toBe(true);
    expect(store.detail.startsWith(`files under ${configDir} (mode 0600): the OS keychain is locked or unavailable (`), store.detail).toBe(true);
    expect(store.detail).toMatch(/the keyring is locked\)$/);
    expect(store.note).toMatch(/unlock it/);
    expect(store.note).toMatch(/run doctor again/);
    expect(result.stdout).not.toMatch(/fix:/);
    expect(summary(result)).toBe('All 11 checks passed.');
    expect(await keyring.isLocked(), 'doctor unlocked or changed the keyring').toBe(true);
  });
});

describe('doctor leaves nothing behind', () => {
  // Product bug: doctor's probe is a real initialize; on a server that answers it (no auth), the MCP session it opens
  // is never ended with DELETE (the bridge itself always ends its sessions), so each doctor run leaks a session.
  it('the session its initialize probe opened on the server is ended (DELETE)', async () => {
    const plain = await startStreamableServer();
    const result = await doctor(plain.url, tempDir());
    expect(result.code, result.stdout).toBe(0);
    expect(plain.sessions.created).toBe(1);
    expect(plain.sessions.ids, 'sessions still open on the server after doctor exited').toEqual([]);
  });
});
