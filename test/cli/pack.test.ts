/**
 * The published artefact: `npm pack` makes a tarball that a clean machine runs with `npx -y <tarball> <url>`,
 * exactly as a client config does. npm gets an empty cache and a private prefix, so nothing installed in this
 * checkout can help the package start.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('runs from the tarball with an empty npm cache and serves a tool call', async () => {
    // A clean environment, except what this machine needs to reach the package registry at all.
    const network = Object.fromEntries(
      ['NODE_EXTRA_CA_CERTS', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'npm_config_registry']
        .filter((name) => process.env[name])
        .map((name) => [name, process.env[name]!]),
    );
    const env = {
      ...getDefaultEnvironment(),
      ...network,
      npm_config_cache: join(dir, 'npm-cache'),
      npm_config_prefix: join(dir, 'npm-prefix'),
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    };
    const transport = new StdioClientTransport({ command: npm, args: ['exec', '--yes', '--package', tarball, '--', 'mcp-auth-bridge', server.url, '--no-banner'], env, cwd: dir, stderr: 'pipe' });
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
