// `status --config <file>` and `doctor --config <file>`, with the real CLI against a real OpenID provider, real
// protected MCP servers, a real server without auth and local commands that exist or not. `status` lists the
// stored logins of every server of the file under the server's name (never a secret; `--json` as data), and says
// why a server has none; `doctor` gives each server its own section, one server at a time — a remote server the
// steps of `doctor <url>`, a local one whether its command can be found (without starting it) and its working
// directory exists — then a line per server and an exit code that is 0 only when every server passed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileStore, tempDir } from '../helpers/auth-bridge.js';
import { storedLogins, storeSecrets } from '../helpers/auth-secrets.js';
import { useTeardown } from '../helpers/cleanup.js';
import { doctorSteps } from '../helpers/doctor-report.js';
import { startOidcProvider, startProtectedMcpServer } from '../helpers/oidc/index.js';
import { startStreamableServer } from '../helpers/servers.js';
import { browserCommand } from '../helpers/browser-command.js';
import { runCli } from '../helpers/cli.js';

useTeardown();

function configFile(servers: Record<string, unknown>): string {
  const path = join(tempDir(), 'mcp.json');
  // VS Code's shape: "servers" with "type".
  writeFileSync(path, JSON.stringify({ servers: servers }, null, 2));
  return path;
}

/** The report's sections: the lines under each `== <name> …` heading, by name; and what follows the last one. */
function sections(stdout: string): { byName: Map<string, string>; tail: string } {
  const byName = new Map<string, string>();
  const parts = stdout.split(/^== /m).slice(1);
  let tail = '';
  for (const [i, part] of parts.entries()) {
    const name = part.slice(0, part.indexOf(' '));
    const body = part.slice(part.indexOf('\n') + 1);
    if (i === parts.length - 1) {
      const end = body.indexOf('\n\n');
      byName.set(name, body.slice(0, end));
      tail = body.slice(end + 2);
    } else byName.set(name, body);
  }
  return { byName, tail };
}

async function fixture() {
  const provider = await startOidcProvider();
  const [alpha, beta] = await Promise.all([0, 1].map(() => startProtectedMcpServer({ issuer: provider.issuer, jwksUri: provider.jwksUri })));
  const open = await startStreamableServer();
  const browser = browserCommand(tempDir(), { login: {} });
  const configDir = tempDir();
  const workdir = tempDir();
  mkdirSync(join(workdir, 'project'));
  const path = configFile({
    alpha: { type: 'http', url: alpha!.url, browser: browser.command, 'auth-timeout': '20s' },
    beta: { type: 'http', url: beta!.url },
    public: { type: 'http', url: open.url },
    tool: { type: 'stdio', command: 'node', args: ['server.js'], cwd: join(workdir, 'project') },
    missing: { type: 'stdio', command: 'no-such-command-for-this-test', cwd: join(workdir, 'nowhere') },
    old: { type: 'http', url: beta!.url, disabled: true },
  });
  return { provider, alpha: alpha!, beta: beta!, open, path, configDir };
}

describe('status --config', () => {
  it('lists the stored logins by server name, says why a server has none, and --json gives the same as data; never a secret', async () => {
    const { alpha, beta, path, configDir, provider } = await fixture();
    const login = await runCli(['login', '--config', path, '--server', 'alpha', ...fileStore(configDir)], {}, 60_000);
    expect(login.code, login.stderr).toBe(0);
    const meta = storedLogins(configDir)[0]!.json.metadata;

    const result = await runCli(['status', '--config', path, '--config-dir', configDir]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 9)).toEqual([
      `alpha  ${alpha.url}`,
      `  ${alpha.url}`,
      `    issuer:   ${provider.issuer}`,
      `    client:   ${meta.clientId} (dynamic registration)`,
      '    scopes:   mcp:read',
      '    store:    files (0600)',
      expect.stringMatching(/^ {4}access: {3}until .+ \((59|60) min\)$/),
      '    refresh:  yes',
      `beta  ${beta.url}`,
    ]);
    expect(lines.slice(9)).toEqual([
      `  no stored login: mcp-auth-bridge login --config ${path} --server beta`,
      expect.stringMatching(/^public {2}http:\/\/127\.0\.0\.1:\d+\/mcp$/),
      `  no stored login: mcp-auth-bridge login --config ${path} --server public`,
      'tool',
      '  no login: a local server (a command): nothing to log in to',
      'missing',
      '  no login: a local server (a command): nothing to log in to',
      'old',
      '  no login: disabled in the file',
    ]);

    const json = await runCli(['status', '--config', path, '--json', '--debug', '--config-dir', configDir]);
    expect(json.code, json.stderr).toBe(0);
    const data = JSON.parse(json.stdout) as { file: string; servers: Array<{ name: string; kind: string; url?: string; logins: Array<Record<string, unknown>>; noLogin?: string }> };
    expect(data.file).toBe(path);
    expect(data.servers.map((s) => [s.name, s.kind, s.logins.length])).toEqual([
      ['alpha', 'remote', 1],
      ['beta', 'remote', 0],
      ['public', 'remote', 0],
      ['tool', 'local', 0],
      ['missing', 'local', 0],
      ['old', 'disabled', 0],
    ]);
    expect(data.servers[0]!.logins[0]).toMatchObject({ server: alpha.url, issuer: provider.issuer, clientId: meta.clientId, refreshToken: true, expired: false });
    expect(data.servers[3]!.noLogin).toBe('a local server (a command): nothing to log in to');

    // --server narrows the list too.
    const one = await runCli(['status', '--config', path, '--server', 'beta', '--config-dir', configDir]);
    expect(one.stdout.split('\n')[0]).toBe(`beta  ${beta.url}`);
    expect(one.stdout).not.toContain('alpha');

    const secrets = storeSecrets(configDir);
    expect(secrets.length).toBeGreaterThanOrEqual(2);
    for (const output of [result, json, one]) for (const secret of secrets) expect(output.stdout + output.stderr).not.toContain(secret);
  });
});

describe('doctor --config', () => {
  it('one section per server, one at a time: remote steps, local command and directory checks; a summary; exit 1 when any failed', async () => {
    const { path, configDir, alpha } = await fixture();
    const result = await runCli(['doctor', '--config', path, ...fileStore(configDir)], {}, 60_000);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const { byName, tail } = sections(result.stdout);
    expect([...byName.keys()]).toEqual(['alpha', 'beta', 'public', 'tool', 'missing']);
    expect(result.stdout).toContain(`== alpha ${alpha.url}\n`);
    expect(result.stdout).toContain('== tool (local: node)\n');

    const alphaSteps = doctorSteps(byName.get('alpha')!);
    expect(alphaSteps.get('Reach the server')?.[0]?.ok).toBe(true);
    expect(alphaSteps.get('Authorization server metadata')?.[0]?.ok).toBe(true);
    expect(alphaSteps.get('Stored login')?.[0]).toMatchObject({ ok: true, detail: 'none yet: the first request will open the login' });
    expect([...alphaSteps.values()].flat().every((s) => s.ok)).toBe(true);
    expect(doctorSteps(byName.get('public')!).get('Authorization')?.[0]).toMatchObject({ ok: true, detail: 'the server does not ask for authorization' });

    const tool = doctorSteps(byName.get('tool')!);
    expect(tool.get('Command')?.[0]).toMatchObject({ ok: true, detail: expect.stringMatching(/^node found at \/.+ \(not started\)$/) });
    expect(tool.get('Working directory')?.[0]?.ok).toBe(true);
    const missing = doctorSteps(byName.get('missing')!);
    expect(missing.get('Command')?.[0]).toMatchObject({ ok: false, detail: 'no-such-command-for-this-test cannot be found on PATH, or is not executable' });
    expect(missing.get('Command')?.[0]?.fix).toMatch(/^install it, or give its full path in "command" of the entry "missing" \(PATH is .+\)$/);
    expect(missing.get('Working directory')?.[0]).toMatchObject({ ok: false, fix: 'create it, or correct "cwd" in the entry "missing"' });

    expect(tail.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^alpha: all \d+ checks passed$/),
      expect.stringMatching(/^beta: all \d+ checks passed$/),
      expect.stringMatching(/^public: all \d+ checks passed$/),
      'tool: all 2 checks passed',
      'missing: 2 of 2 checks failed',
      'old: skipped (disabled in the file)',
      '',
      '1 of 5 servers failed a check.',
    ]);

    // Only the healthy ones: exit 0.
    const healthy = await runCli(['doctor', '--config', path, '--server', 'alpha', '--server', 'tool', ...fileStore(configDir)], {}, 60_000);
    expect(healthy.code, healthy.stdout + healthy.stderr).toBe(0);
    expect([...sections(healthy.stdout).byName.keys()]).toEqual(['alpha', 'tool']);
    expect(healthy.stdout.trimEnd().split('\n').pop()).toBe('All 2 servers passed every check.');
  });
});
