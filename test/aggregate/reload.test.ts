/**
 * The configuration file is watched: adding, removing or changing a server takes effect without touching the other
 * servers' sessions, and the client is told the lists changed. A file saved with a mistake changes nothing.
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../helpers/cleanup.js';
import { startStreamableServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { connectAggregate } from './aggregate-bridge.js';

useTeardown();

const remote = (url: string, extra: Record<string, unknown> = {}) => ({ url, auth: 'none', allowHttp: true, ...extra });
const toolNames = async (bridge: { client: { listTools(): Promise<{ tools: Array<{ name: string }> }> } }) => (await bridge.client.listTools()).tools.map((t) => t.name);
const listChanges = (bridge: { notifications: Array<{ method: string }> }) => bridge.notifications.filter((n) => n.method === 'notifications/tools/list_changed').length;

describe('a watched configuration file', () => {
  it('adds, changes and removes servers as the file is saved, leaving the others\' sessions alone', async () => {
    const alpha = await startStreamableServer();
    const beta = await startStreamableServer();
    const bridge = await connectAggregate({ mcpServers: { alpha: remote(alpha.url) } });
    expect(await toolNames(bridge)).toContain('alpha__echo');
    expect(alpha.sessions.created).toBe(1);

    let changes = listChanges(bridge);
    writeFileSync(bridge.file, JSON.stringify({ mcpServers: { alpha: remote(alpha.url), beta: remote(beta.url) } }));
    await waitFor('beta added', async () => (await toolNames(bridge)).includes('beta__echo'), { timeoutMs: 15_000, intervalMs: 200 });
    await waitFor('tools/list_changed', () => listChanges(bridge) > changes);
    expect(alpha.sessions.created).toBe(1);

    // Changing beta's entry restarts beta only.
    writeFileSync(bridge.file, JSON.stringify({ mcpServers: { alpha: remote(alpha.url), beta: remote(beta.url, { tools: { block: ['echo'] } }) } }));
    await waitFor('beta filtered', async () => !(await toolNames(bridge)).includes('beta__echo') && (await toolNames(bridge)).includes('beta__add'), { timeoutMs: 15_000, intervalMs: 200 });
    expect(beta.sessions.created).toBe(2);
    expect(alpha.sessions.created).toBe(1);

    // A mistake in the file changes nothing.
    writeFileSync(bridge.file, '{ "mcpServers": { "alpha": ');
    await waitFor('the refusal in the log', () => bridge.stderr().includes('configuration not applied'), { timeoutMs: 15_000 });
    expect(await toolNames(bridge)).toContain('alpha__echo');

    changes = listChanges(bridge);
    writeFileSync(bridge.file, JSON.stringify({ mcpServers: { beta: remote(beta.url, { tools: { block: ['echo'] } }) } }));
    await waitFor('alpha removed', async () => !(await toolNames(bridge)).some((n) => n.startsWith('alpha__')), { timeoutMs: 15_000, intervalMs: 200 });
    await waitFor('tools/list_changed', () => listChanges(bridge) > changes);
    await waitFor('alpha\'s session ended with DELETE', () => alpha.sessions.deleted.length === 1);
    expect(beta.sessions.created).toBe(2);
    await expect(bridge.client.callTool({ name: 'alpha__echo', arguments: { text: 'x' } })).rejects.toThrow(/no server of this configuration/);
  });
});
