// diffConfigs: what changed between two loads of the file, server by server. Entries are compared deeply (filters,
// env, headers, auth), a server that becomes disabled is removed, a renamed one is removed and added, and a change of
// separator is said apart (it renames every tool).
import { describe, expect, it } from 'vitest';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { diffConfigs, isEmptyDiff, sameValue } from '../../../src/config/file/diff.js';
import { parseConfigText } from '../../../src/config/file/load.js';
import type { LoadedConfig } from '../../../src/config/file/types.js';

const REMOTE = { url: 'https://a.example.com/mcp', headers: { 'X-Team': 'blue' }, 'client-id': 'cid' };
const LOCAL = { command: 'npx', args: ['-y', 'server'], env: { LEVEL: 'info' }, tools: { allow: ['search_*'] } };
const parse = (content: object, env: NodeJS.ProcessEnv = {}): LoadedConfig => parseConfigText(JSON.stringify(content), { path: '/tmp/config.json', env });
const base = () => ({ mcpServers: { remote: { ...REMOTE }, local: { ...LOCAL } } as Record<string, object> });
const names = (servers: Array<{ name: string }>) => servers.map((s) => s.name);

describe('diffConfigs', () => {
  it('the same file twice: everything unchanged, nothing to do', () => {
    const diff = diffConfigs(parse(base()), parse(base()));
    expect(diff).toMatchObject({ added: [], removed: [], changed: [], unchanged: ['remote', 'local'], separatorChanged: false });
    expect(isEmptyDiff(diff)).toBe(true);
  });

  it('a server added, with the configuration as it is now', () => {
    const after = base();
    after.mcpServers.extra = { command: 'extra' };
    const diff = diffConfigs(parse(base()), parse(after));
    expect(names(diff.added)).toEqual(['extra']);
    expect(diff.unchanged).toEqual(['remote', 'local']);
    expect(names(diff.config.servers)).toEqual(['remote', 'local', 'extra']);
  });

  it('a server removed', () => {
    const after = base();
    delete after.mcpServers.local;
    expect(diffConfigs(parse(base()), parse(after))).toMatchObject({ removed: ['local'], unchanged: ['remote'], added: [], changed: [] });
  });

  it('a server that becomes disabled is removed, and added back when enabled', () => {
    const after = base();
    after.mcpServers.local = { ...LOCAL, disabled: true };
    expect(diffConfigs(parse(base()), parse(after))).toMatchObject({ removed: ['local'], changed: [], unchanged: ['remote'] });
    expect(names(diffConfigs(parse(after), parse(base())).added)).toEqual(['local']);
  });

  it('a renamed server is removed under its old name and added under its new one', () => {
    const after = { mcpServers: { remote: { ...REMOTE }, renamed: { ...LOCAL } } };
    const diff = diffConfigs(parse(base()), parse(after));
    expect(diff.removed).toEqual(['local']);
    expect(names(diff.added)).toEqual(['renamed']);
  });

  it.each([
    ['a header value', (c: ReturnType<typeof base>) => (c.mcpServers.remote = { ...REMOTE, headers: { 'X-Team': 'red' } }), 'remote'],
    ['an OAuth option', (c: ReturnType<typeof base>) => (c.mcpServers.remote = { ...REMOTE, scopes: 'read' }), 'remote'],
    ['the url', (c: ReturnType<typeof base>) => (c.mcpServers.remote = { ...REMOTE, url: 'https://b.example.com/mcp' }), 'remote'],
    ['a local env value', (c: ReturnType<typeof base>) => (c.mcpServers.local = { ...LOCAL, env: { LEVEL: 'debug' } }), 'local'],
    ['an argument', (c: ReturnType<typeof base>) => (c.mcpServers.local = { ...LOCAL, args: ['-y', 'server', '--x'] }), 'local'],
    ['the tool filter', (c: ReturnType<typeof base>) => (c.mcpServers.local = { ...LOCAL, tools: { allow: ['search_*'], block: ['search_all'] } }), 'local'],
    ['readOnly', (c: ReturnType<typeof base>) => (c.mcpServers.local = { ...LOCAL, readOnly: true }), 'local'],
    ['remote to local', (c: ReturnType<typeof base>) => (c.mcpServers.remote = { command: 'x' }), 'remote'],
  ])('%s changed: that server is changed, the other unchanged', (_what, edit, which) => {
    const after = base();
    edit(after);
    const diff = diffConfigs(parse(base()), parse(after));
    expect(names(diff.changed)).toEqual([which]);
    expect(diff.unchanged).toEqual([which === 'remote' ? 'local' : 'remote']);
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
  });

  it('a variable whose value changed changes the server that uses it', () => {
    const content = { mcpServers: { a: { url: 'https://a.example.com/mcp', headers: { Authorization: 'Bearer ${TOKEN}' } }, b: { command: 'x' } } };
    const diff = diffConfigs(parse(content, { TOKEN: 'one' }), parse(content, { TOKEN: 'two' }));
    expect(names(diff.changed)).toEqual(['a']);
    expect(diff.unchanged).toEqual(['b']);
  });

  it('the separator changed', () => {
    const diff = diffConfigs(parse(base()), parse({ ...base(), separator: '--' }));
    expect(diff.separatorChanged).toBe(true);
    expect(diff.unchanged).toEqual(['remote', 'local']);
    expect(isEmptyDiff(diff)).toBe(false);
  });
});

describe('sameValue', () => {
  it('a change of the "serve" section alone is a change (serve applies it), and access rules are compared by their entries', () => {
    const withUsers = (servers: string[]) => ({ ...base(), serve: { users: { alice: { servers } } } });
    const diff = diffConfigs(parse(withUsers(['remote', 'local'])), parse(withUsers(['remote'])));
    expect(diff).toMatchObject({ added: [], removed: [], changed: [], serveChanged: true });
    expect(isEmptyDiff(diff)).toBe(false);
    expect(diffConfigs(parse(withUsers(['remote'])), parse(withUsers(['remote']))).serveChanged).toBe(false);
    expect(sameValue(new Map([['a', 1]]), new Map([['a', 2]]))).toBe(false);
    expect(sameValue(new Map([['a', { x: [1] }]]), new Map([['a', { x: [1] }]]))).toBe(true);
  });

  it('compares URLs by text, keys by contents, and treats undefined as absent', () => {
    expect(sameValue(new URL('https://a.example/x'), new URL('https://a.example/x'))).toBe(true);
    expect(sameValue(new URL('https://a.example/x'), new URL('https://a.example/y'))).toBe(false);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { privateKey: other } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
    expect(sameValue({ key: privateKey }, { key: createPrivateKey(pem) })).toBe(true);
    expect(sameValue({ key: privateKey }, { key: other })).toBe(false);
    expect(sameValue({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameValue({ a: [1, 2] }, { a: [1, 2, 3] })).toBe(false);
    expect(sameValue({ a: 1 }, [1])).toBe(false);
  });
});
