/**
 * The published artefact: `npm pack` makes a tarball that a clean machine runs with the README's commands —
 * `npx -y ./mcp-auth-bridge-<v>.tgz <url>` in a terminal, `npx -y file:/abs/…tgz <url>` from a client config.
 * npm gets an empty cache and a private prefix, so nothing installed in this checkout can help the package start.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStreamableServer, type StreamableServer } from '../helpers/servers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('npm pack → npx -y <tarball> <url>', () => {
  let dir: string;
  let tarball: string;
  let server: StreamableServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-auth-bridge-pack-'));
    // dist/ is already built by `npm test`; --ignore-scripts keeps prepack from rebuilding it under other tests.
    execFileSync(npm, ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: root, stdio: 'ignore' });
    tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
    server = await startStreamableServer();
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships only the bundle, the shim and the docs', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(listing).toContain('package/bin/mcp-auth-bridge.js');
    expect(listing).toContain('package/dist/cli.js');
    expect(listing).toContain('package/dist/THIRD-PARTY-LICENSES.txt');
    expect(listing).toContain('package/LICENSE');
    expect(listing.filter((f) => f.startsWith('package/src/') || f.startsWith('package/test/') || f.endsWith('.map'))).toEqual([]);
  });

  /** A clean environment, except what this machine needs to reach the package registry at all. */
  function cleanEnv(): Record<string, string> {
    const network = Object.fromEntries(
      ['NODE_EXTRA_CA_CERTS', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'npm_config_registry']
        .filter((name) => process.env[name])
        .map((name) => [name, process.env[name]!]),
    );
    return {
      ...getDefaultEnvironment(),
      ...network,
      npm_config_cache: join(dir, 'npm-cache'),
      npm_config_prefix: join(dir, 'npm-prefix'),
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    };
  }

  it("the README's install commands name this tarball", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain(`npx -y ./${basename(tarball)} https://mcp.example.com/mcp`);
    expect(readme).toMatch(new RegExp(`"args": \\["-y", "file:/[^"]*/${basename(tarball).replace(/[.]/g, '\\.')}", "https://mcp\\.example\\.com/mcp"\\]`));
  });

  it("the README's terminal command works in the tarball's folder: npx -y ./<tarball>", () => {
    const out = execFileSync('npx', ['-y', `./${basename(tarball)}`, '--version'], { cwd: dir, env: cleanEnv(), encoding: 'utf8', timeout: 120_000 });
    expect(out.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  }, 120_000);

  it("runs from the tarball as the README's client config does (npx -y file:<absolute path>) and serves a tool call", async () => {
    const env = cleanEnv();
    const transport = new StdioClientTransport({ command: 'npx', args: ['-y', `file:${tarball}`, server.url, '--no-banner'], env, cwd: dir, stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (chunk) => (stderr += chunk));
    const client = new Client({ name: 'pack-test', version: '1.0.0' });
    const errors: Error[] = [];
    client.onerror = (error) => errors.push(error);
    try {
      await client.connect(transport);
      expect(client.getServerVersion()?.name).toBe('bridge-test-server');
      const result = await client.callTool({ name: 'echo', arguments: { text: 'from the tarball' } });
      expect(result.content).toEqual([{ type: 'text', text: 'from the tarball' }]);
      expect(errors).toEqual([]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nstderr:\n${stderr}`);
    } finally {
      await client.close();
    }
  }, 120_000);
});
