/**
 * The real MCP Inspector CLI (the devDependency, never downloaded) drives a `--config` bridge: the client every
 * MCP server author tries first sees one server with every tool of the file under its prefix, and can call them.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { BIN_PATH } from '../helpers/cli.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startStreamableServer, TEST_TOOL_NAMES } from '../helpers/servers.js';
import { inspectorJson, runInspector } from '../examples/helpers.js';
import { writeConfigFile } from './aggregate-bridge.js';

useTeardown();

const FIXTURE = fileURLToPath(new URL('../fixtures/stdio/mcp-server.mjs', import.meta.url));

describe('MCP Inspector CLI through a --config bridge', () => {
  it('lists the tools of a remote and a local server under their prefixes and calls one of each', async () => {
    const remote = await startStreamableServer();
    const bridgeConfig = writeConfigFile({ mcpServers: { web: { url: remote.url, auth: 'none', allowHttp: true }, local: { command: process.execPath, args: [FIXTURE] } } });
    const inspectorConfig = writeConfigFile({ mcpServers: { all: { command: process.execPath, args: [BIN_PATH, '--config', bridgeConfig] } } });
    const list = await runInspector(['--config', inspectorConfig, '--server', 'all', '--method', 'tools/list']);
    expect(list.code, list.stderr).toBe(0);
    const names = inspectorJson<{ tools: Array<{ name: string }> }>(list).tools.map((t) => t.name);
    for (const tool of TEST_TOOL_NAMES) expect(names).toContain(`web__${tool}`);
    expect(names).toContain('local__echo');
    for (const server of ['web', 'local']) {
      const call = await runInspector(['--config', inspectorConfig, '--server', 'all', '--method', 'tools/call', '--tool-name', `${server}__echo`, '--tool-arg', `text=hi ${server}`]);
      expect(call.code, call.stderr).toBe(0);
      expect(inspectorJson<{ content: unknown[] }>(call).content).toEqual([{ type: 'text', text: `hi ${server}` }]);
    }
  });
});
