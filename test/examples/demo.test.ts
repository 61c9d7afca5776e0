// examples/demo.mjs (`npm run demo`), run headless end to end as CI would: it must start the protected example,
// log in through the real bridge without a browser, list the tools, show who logged in, reconnect without a
// login, print a config snippet for Claude Desktop, and leave nothing behind (server port closed, temp dir gone).
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../helpers/cleanup.js';
import { REPO_ROOT, run, type Finished } from './helpers.js';

useTeardown();

function runDemo(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Finished> {
  return run(process.execPath, ['examples/demo.mjs', ...args], { env, timeoutMs: 25_000, label: 'the demo' });
}

/** The JSON config snippet printed under step 6. */
function snippetOf(stdout: string): { mcpServers: Record<string, { command: string; args: string[]; env?: Record<string, string> }> } {
  const after = stdout.slice(stdout.indexOf('[6/6]'));
  const json = /^\s+\{[\s\S]*?^\s{6}\}$/m.exec(after)?.[0];
  if (!json) throw new Error(`no config snippet in:\n${stdout}`);
  return JSON.parse(json) as ReturnType<typeof snippetOf>;
}

function details(result: Finished): string {
  return `exit ${result.code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
}

describe('npm run demo', () => {
  it('package.json runs the demo after a build', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.demo).toBe('npm run build && node examples/demo.mjs');
  });

  it('--headless: logs in without a browser, lists the tools, shows whoami, reconnects without a login, prints the config', async () => {
    const result = await runDemo(['--headless', '--port', '0', '--user', 'ci-user']);
    expect(result.code, details(result)).toBe(0);
    const out = result.stdout;
    const url = /MCP endpoint (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(out)?.[1];
    expect(url, out).toBeDefined();

    // The bridge was run the way a client runs it, with the demo's private credential directory.
    expect(out).toMatch(/node bin\/mcp-auth-bridge\.js --token-store file --config-dir \S+mcp-auth-bridge-demo-\S+ --no-browser http:\/\/127/);
    expect(out).toContain('--headless: the demo logs in as "ci-user"');
    expect(out).toContain("The bridge's callback answered HTTP 200");
    expect(out).toContain('Connected to protected-example-server 1.0.0 after the login.');

    // Tools listed, whoami shows the user, echo went through.
    for (const tool of ['whoami', 'echo', 'time']) expect(out).toMatch(new RegExp(`^\\s+${tool}\\s+\\S`, 'm'));
    const whoamiLines = [...out.matchAll(/whoami → (\{.*\})/g)].map((m) => JSON.parse(m[1]!) as { sub: string; client_id: string; scopes: string[] });
    expect(whoamiLines).toHaveLength(2);
    expect(whoamiLines[0]).toMatchObject({ sub: 'ci-user', scopes: ['mcp:tools'] });
    expect(whoamiLines[1]!.sub).toBe('ci-user');
    expect(out).toContain('echo   → hello through the bridge');

    // The second connection needed no login: one login URL on the bridge's stderr in all.
    expect(out).toContain('No login needed: the tokens were stored under');
    expect(result.stderr.match(/in your browser:/g)).toHaveLength(1);

    // The Claude Desktop snippet.
    expect(snippetOf(out)).toEqual({ mcpServers: { 'protected-example': { command: 'npx', args: ['-y', 'mcp-auth-bridge', url] } } });
    expect(out).toContain('Done.');

    // Nothing left behind: the temp credential directory is gone and the server no longer listens.
    const configDir = /stored under (\S+)\.$/m.exec(out)?.[1];
    expect(configDir && existsSync(configDir)).toBe(false);
    await expect(fetch(url!)).rejects.toThrow();
  });

  it('MCP_DEMO_HEADLESS=1 and --bare: issuer mode with the pre-registered client; the snippet carries OIDC_* variables', async () => {
    const result = await runDemo(['--port', '0', '--bare'], { ...process.env, MCP_DEMO_HEADLESS: '1' });
    expect(result.code, details(result)).toBe(0);
    const out = result.stdout;
    const url = /MCP endpoint (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(out)?.[1]!;
    const issuer = url.replace(/\/mcp$/, '/oidc');
    expect(out).toContain(`--issuer ${issuer} --client-id mcp-auth-bridge-example --redirect-url http://127.0.0.1:`);
    expect(out).toMatch(/whoami → \{"sub":"demo-user","client_id":"mcp-auth-bridge-example"/);
    expect(snippetOf(out).mcpServers['protected-example']).toEqual({
      command: 'npx',
      args: ['-y', 'mcp-auth-bridge', url],
      env: { OIDC_ISSUER_URL: issuer, OIDC_CLIENT_ID: 'mcp-auth-bridge-example' },
    });
  });

  it('a failure is reported on stdout with exit code 1 (the port asked for is taken)', async () => {
    // Hold a port, then ask the demo for exactly that port.
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()));
    const port = (holder.address() as { port: number }).port;
    try {
      const result = await runDemo(['--headless', '--port', String(port)]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('The demo failed:');
      expect(result.stdout).toContain('EADDRINUSE');
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});
