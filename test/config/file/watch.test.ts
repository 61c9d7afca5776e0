// The watched configuration file, with real files in a temp dir and real directory events: a server added, removed
// or changed is reported as such; a touch or a save without a change is not; an edit that does not load is reported
// and the configuration in force stays until a fix loads; editors' rename-over saves, a delete and re-create, a
// symbolic link whose target changes and a new separator are all picked up; close() stops everything.
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConfigDiff } from '../../../src/config/file/diff.js';
import { loadConfigFile } from '../../../src/config/file/load.js';
import { watchConfigFile, type WatchConfigOptions } from '../../../src/config/file/watch.js';
import { BridgeError, ErrorCode } from '../../../src/errors.js';
import { createLogger, SecretRegistry } from '../../../src/log.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { waitFor } from '../../helpers/wait.js';

useTeardown();

const A = { url: 'https://a.example.com/mcp' };
const B = { command: 'npx', args: ['-y', 'server-b'] };

/** A temp dir removed after the test, a config file in it, and a watch on it that records what it reports. */
function setup(content: object, options: Partial<WatchConfigOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mab-watch-'));
  onTeardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = options.path ?? join(dir, 'mcp.json');
  if (options.path === undefined) writeFileSync(path, JSON.stringify(content, null, 2));
  const changes: ConfigDiff[] = [];
  const errors: BridgeError[] = [];
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', stream: { write: (line: string) => lines.push(line) }, secrets: new SecretRegistry() });
  const watch = watchConfigFile({ path, env: {}, debounceMs: 50, pollMs: 0, logger, onChange: (d) => changes.push(d), onError: (e) => errors.push(e), ...options });
  onTeardown(() => watch.close());
  const write = (next: object | string) => writeFileSync(path, typeof next === 'string' ? next : JSON.stringify(next, null, 2));
  return { dir, path, changes, errors, lines, watch, write };
}

const names = (servers: Array<{ name: string }>) => servers.map((s) => s.name);

describe('watchConfigFile', () => {
  it('a server added is reported, the others unchanged', async () => {
    const w = setup({ mcpServers: { a: A } });
    w.write({ mcpServers: { a: A, b: B } });
    const [diff] = await waitFor('the change', () => w.changes.length > 0 && w.changes);
    expect(names(diff!.added)).toEqual(['b']);
    expect(diff).toMatchObject({ removed: [], changed: [], unchanged: ['a'], separatorChanged: false });
    expect(names(diff!.config.servers)).toEqual(['a', 'b']);
  });

  it('a server removed is reported', async () => {
    const w = setup({ mcpServers: { a: A, b: B } });
    w.write({ mcpServers: { a: A } });
    const [diff] = await waitFor('the change', () => w.changes.length > 0 && w.changes);
    expect(diff).toMatchObject({ added: [], removed: ['b'], changed: [], unchanged: ['a'] });
  });

  it('one server changed is reported alone', async () => {
    const w = setup({ mcpServers: { a: A, b: B } });
    w.write({ mcpServers: { a: A, b: { ...B, env: { LEVEL: 'debug' } } } });
    const [diff] = await waitFor('the change', () => w.changes.length > 0 && w.changes);
    expect(names(diff!.changed)).toEqual(['b']);
    expect(diff).toMatchObject({ added: [], removed: [], unchanged: ['a'] });
  });

  it('a touch, the same contents written again, and a save that changes no server are not reported', async () => {
    const content = { mcpServers: { a: A, b: B } };
    const w = setup(content);
    const later = new Date(Date.now() + 5_000);
    utimesSync(w.path, later, later);
    await waitFor('the touch seen', () => w.lines.some((l) => l.includes('contents are unchanged')));
    w.write(content);
    await waitFor('the rewrite seen', () => w.lines.filter((l) => l.includes('contents are unchanged')).length >= 2);
    w.write(JSON.stringify(content)); // other whitespace, same servers
    await waitFor('the reformat seen', () => w.lines.some((l) => l.includes('no server changed')));
    w.write({ mcpServers: { a: A } });
    await waitFor('the real change', () => w.changes.length > 0);
    expect(w.changes).toHaveLength(1);
    expect(w.changes[0]!.removed).toEqual(['b']);
    expect(w.errors).toEqual([]);
  });

  it('an edit that does not load is reported and the old configuration stays; a fix then applies against it', async () => {
    const w = setup({ mcpServers: { a: A } });
    w.write('{ "mcpServers": { "a": { "url": "https://a.example.com/mcp" }, } }');
    const [problem] = await waitFor('the problem', () => w.errors.length > 0 && w.errors);
    expect(problem).toBeInstanceOf(BridgeError);
    expect(problem!.code).toBe(ErrorCode.Config);
    expect(problem!.message).toBe(`${w.path}: is not valid JSON at line 1, column 64`);
    w.write({ mcpServers: { a: A, b: { commnd: 'x' } } });
    await waitFor('the second problem', () => w.errors.length > 1);
    expect(w.errors[1]!.message).toBe(`${w.path}, server "b", key "commnd": is not a key a server entry can have`);
    expect(w.changes).toEqual([]);
    w.write({ mcpServers: { a: A, b: B } });
    const [diff] = await waitFor('the fix applied', () => w.changes.length > 0 && w.changes);
    expect(names(diff!.added)).toEqual(['b']);
    expect(diff!.unchanged).toEqual(['a']);
    expect(w.errors).toHaveLength(2);
  });

  it('a file caught half-written is not reported when the rest of it arrives', async () => {
    // A long quiet time, so that the rest is written well before the second look.
    const w = setup({ mcpServers: { a: A } }, { debounceMs: 1500 });
    w.write('{ "mcpServers": { "a": { "url": "https://a.example.com/mcp" }, "b": { "comm');
    await waitFor('the first look', () => w.lines.some((l) => l.includes('does not load yet')));
    w.write({ mcpServers: { a: A, b: B } });
    const [diff] = await waitFor('the whole file applied', () => w.changes.length > 0 && w.changes);
    expect(names(diff!.added)).toEqual(['b']);
    expect(w.errors).toEqual([]);
  });

  it('an editor\'s save by rename over the file is picked up, again and again', async () => {
    const w = setup({ mcpServers: { a: A } });
    const save = (content: object, n: number) => {
      const temp = join(w.dir, `.mcp.json.${n}.tmp`);
      writeFileSync(temp, JSON.stringify(content));
      renameSync(temp, w.path);
    };
    save({ mcpServers: { a: A, b: B } }, 1);
    await waitFor('the first save', () => w.changes.length === 1);
    expect(names(w.changes[0]!.added)).toEqual(['b']);
    save({ mcpServers: { b: B } }, 2);
    await waitFor('the second save', () => w.changes.length === 2);
    expect(w.changes[1]!.removed).toEqual(['a']);
  });

  it('a file deleted is reported, and picked up again when created', async () => {
    const w = setup({ mcpServers: { a: A } });
    unlinkSync(w.path);
    const [problem] = await waitFor('the deletion reported', () => w.errors.length > 0 && w.errors);
    expect(problem!.code).toBe(ErrorCode.Config);
    expect(problem!.message).toBe(`${w.path}: cannot be read (ENOENT)`);
    w.write({ mcpServers: { a: A, b: B } });
    const [diff] = await waitFor('the new file applied', () => w.changes.length > 0 && w.changes);
    expect(names(diff!.added)).toEqual(['b']);
    expect(diff!.unchanged).toEqual(['a']);
  });

  it('a new separator is reported', async () => {
    const w = setup({ mcpServers: { a: A } });
    w.write({ separator: '--', mcpServers: { a: A } });
    const [diff] = await waitFor('the change', () => w.changes.length > 0 && w.changes);
    expect(diff).toMatchObject({ separatorChanged: true, unchanged: ['a'], added: [], removed: [], changed: [] });
    expect(diff!.config.separator).toBe('--');
  });

  it('the poll catches what directory events miss: a symbolic link whose target changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mab-watch-link-'));
    onTeardown(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'real'));
    mkdirSync(join(dir, 'linked'));
    const target = join(dir, 'real', 'mcp.json');
    writeFileSync(target, JSON.stringify({ mcpServers: { a: A } }));
    const path = join(dir, 'linked', 'mcp.json');
    symlinkSync(target, path);
    const w = setup({}, { path, pollMs: 100 });
    writeFileSync(target, JSON.stringify({ mcpServers: { a: A, b: B } }));
    const [diff] = await waitFor('the change', () => w.changes.length > 0 && w.changes);
    expect(names(diff!.added)).toEqual(['b']);
  });

  it('given the configuration in force, a file that already differs is reported at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mab-watch-'));
    onTeardown(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'mcp.json');
    writeFileSync(path, JSON.stringify({ mcpServers: { a: A } }));
    const current = loadConfigFile(path, { env: {} });
    writeFileSync(path, JSON.stringify({ mcpServers: { a: A, b: B } }));
    const w = setup({}, { path, current });
    const [diff] = await waitFor('the change', () => w.changes.length > 0 && w.changes);
    expect(names(diff!.added)).toEqual(['b']);
  });

  it('without the configuration in force, a file that does not load refuses to start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mab-watch-'));
    onTeardown(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'mcp.json');
    writeFileSync(path, '{}');
    expect(() => watchConfigFile({ path, env: {}, onChange: () => {}, onError: () => {} })).toThrow(/names no servers/);
    let missing: unknown;
    try {
      watchConfigFile({ path: join(dir, 'absent.json'), env: {}, onChange: () => {}, onError: () => {} });
    } catch (error) {
      missing = error;
    }
    expect(missing).toBeInstanceOf(BridgeError);
    expect((missing as BridgeError).message).toBe(`${join(dir, 'absent.json')}: cannot be read (ENOENT)`);
  });

  it('close() stops every callback and may be called twice', async () => {
    const w = setup({ mcpServers: { a: A } });
    w.watch.close();
    w.watch.close();
    w.write({ mcpServers: { a: A, b: B } });
    // A second watch on the same file sees the change: by then the closed one would have too.
    const other = setup({}, { path: w.path, current: loadConfigFile(w.path, { env: {} }) });
    w.write({ mcpServers: { b: B } });
    await waitFor('the other watch\'s change', () => other.changes.length > 0);
    expect(w.changes).toEqual([]);
    expect(w.errors).toEqual([]);
  });

  it('keeps no process alive: a process that watches and forgets exits by itself', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mab-watch-'));
    onTeardown(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'mcp.json');
    writeFileSync(path, JSON.stringify({ mcpServers: { a: A } }));
    const script = `import { watchConfigFile } from ${JSON.stringify(new URL('../../../src/config/file/watch.ts', import.meta.url).href)};
watchConfigFile({ path: ${JSON.stringify(path)}, env: {}, onChange() {}, onError() {} });
console.log('watching');`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('watching');
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
  });
});
