/**
 * The documented messages of `serve`: a non-loopback --host without inbound authentication, and a port in use.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startStreamableServer } from '../helpers/servers.js';
import { expectDocumented } from './readme-rows.js';

useTeardown();

describe('serve', () => {
  it('refuses a non-loopback --host without inbound authentication', async () => {
    const run = await runCli(['serve', 'http://127.0.0.1:9/mcp', '--host', '0.0.0.0']);
    expect(run.code).toBe(2);
    expectDocumented(run.stderr, 'refusing to serve a non-loopback address');
  });

  it('says the port is in use, and what to do', async () => {
    const server = await startStreamableServer();
    const run = await runCli(['serve', server.url, '--port', String(server.port)]);
    expect(run.code).toBe(2);
    expectDocumented(run.stderr, 'serve: port N on', { N: String(server.port) });
    expect(run.stderr).toMatch(/--port/);
  });
});
