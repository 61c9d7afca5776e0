/**
 * 2026-07-28 clients of `serve --config`: at `/mcp` the aggregate of a 2025 server and a 2026 server (names
 * prefixed, a sampling round through either), and each server alone at `/servers/<name>/mcp`.
 */
import { describe, expect, it } from 'vitest';
import { writeConfigFile } from '../../aggregate/aggregate-bridge.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { SAMPLING_MODEL } from '../../helpers/client.js';
import { startServer2026 } from '../../helpers/server-2026.js';
import { SAMPLING_PROMPT, startStreamableServer, TEST_TOOL_NAMES } from '../../helpers/servers.js';
import { startServe, textOf } from '../serve-process.js';
import { connect2026 } from './client-2026.js';

useTeardown();

const remote = (url: string) => ({ url, auth: 'none', allowHttp: true });

describe('serve --config for 2026-07-28 clients', () => {
  it('serves the aggregate at /mcp and each server alone, with input_required rounds through both eras', async () => {
    const old = await startStreamableServer();
    const modern = await startServer2026({ variant: 'modern-only' });
    const serve = await startServe(['--config', writeConfigFile({ mcpServers: { old: remote(old.url), modern: remote(modern.url) } })]);
    const all = await connect2026(`${serve.base}/mcp`);
    const names = (await all.client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining([...TEST_TOOL_NAMES.map((n) => `old__${n}`), 'modern__echo', 'modern__ask_llm']));
    expect(textOf(await all.client.callTool({ name: 'old__sample', arguments: {} }))).toBe(`${SAMPLING_MODEL}: sampled: ${SAMPLING_PROMPT}`);
    expect(textOf(await all.client.callTool({ name: 'modern__ask_llm', arguments: {} }))).toMatch(/^model said: sampled: capital of France\?/);
    expect(all.asked).toEqual(['sampling/createMessage', 'sampling/createMessage']);

    const alone = await connect2026(`${serve.base}/servers/modern/mcp`);
    expect(textOf(await alone.client.callTool({ name: 'echo', arguments: { text: 'alone' } }))).toBe('alone');
  });
});
