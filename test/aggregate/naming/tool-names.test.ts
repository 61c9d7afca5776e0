// Exposed tool and prompt names: `<server>__<tool>` within the Claude API's limit `^[a-zA-Z0-9_-]{1,64}$`, shortened
// deterministically (the same every start), and a table that maps them back and reports the rare collision.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EXPOSED_NAME_PATTERN, exposedName, NameTable } from '../../../src/aggregate/naming/tool-names.js';
import { serverSlug } from '../../../src/aggregate/naming/server-slug.js';
import { randomText, seeded } from './random.js';

const hash8 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 8);

describe('exposedName', () => {
  it('is <slug><separator><name> when that fits', () => {
    expect(exposedName('github', 'search_issues', '__')).toBe('github__search_issues');
    expect(exposedName('gh', 'x', '-')).toBe('gh-x');
  });

  it('a name of exactly 64 characters is kept; one of 65 is shortened to 64 with the hash of the original', () => {
    const fits = 'n'.repeat(64 - 'github__'.length);
    expect(exposedName('github', fits, '__')).toBe(`github__${fits}`);
    const long = `${fits}x`;
    const exposed = exposedName('github', long, '__');
    expect(exposed).toHaveLength(64);
    expect(exposed).toBe(`github__${'n'.repeat(47)}_${hash8(`github__${long}`)}`);
  });

  it('a tool name with characters the client refuses (dots, spaces, emoji) is sanitized and marked with its hash', () => {
    expect(exposedName('fs', 'file.read', '__')).toBe(`fs__file_read_${hash8('fs__file.read')}`);
    expect(exposedName('fs', 'read 🙂 file', '__')).toBe(`fs__read___file_${hash8('fs__read 🙂 file')}`);
  });

  it('file.read and file_read, which sanitize alike, stay apart', () => {
    expect(exposedName('fs', 'file.read', '__')).not.toBe(exposedName('fs', 'file_read', '__'));
  });

  it('a shortened name never ends in a broken separator before its hash', () => {
    expect(exposedName('fs', '....', '__')).toBe(`fs_${hash8('fs__....')}`);
    const cutInSeparator = exposedName('s'.repeat(54), '.x', '__');
    expect(cutInSeparator).toBe(`${'s'.repeat(54)}_${hash8(`${'s'.repeat(54)}__.x`)}`);
    expect(exposedName('-', '.', '-')).toMatch(/^h_[0-9a-f]{8}$/);
  });

  it('over 10,000 random names: always valid, the same every time, and no two different inputs share a name', () => {
    const random = seeded(4);
    const seen = new Map<string, string>();
    for (let i = 0; i < 10_000; i++) {
      const slug = serverSlug(randomText(random, 'wild', 1, 30));
      const name = randomText(random, i % 3 === 0 ? 'tool' : 'wild', 1, 90);
      const exposed = exposedName(slug, name, '__');
      expect(exposed).toMatch(EXPOSED_NAME_PATTERN);
      expect(exposedName(slug, name, '__')).toBe(exposed);
      const key = JSON.stringify([slug, name]);
      expect(seen.get(exposed) ?? key).toBe(key);
      seen.set(exposed, key);
    }
    expect(seen.size).toBeGreaterThan(9_900);
  });

  it('the same input gives the same name in another process (nothing depends on start-up state)', async () => {
    const { execFileSync } = await import('node:child_process');
    const script = `import('${new URL('../../../src/aggregate/naming/tool-names.ts', import.meta.url).href}').then((m) => process.stdout.write(m.exposedName('github', 'a.very.long.tool.name.that.goes.on.and.on.past.the.limit', '__')))`;
    const other = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(other).toBe(exposedName('github', 'a.very.long.tool.name.that.goes.on.and.on.past.the.limit', '__'));
  });
});

describe('NameTable', () => {
  it('maps exposed names back to their server and tool, and tools to their exposed names', () => {
    const table = new NameTable();
    expect(table.set('github', ['search', 'file.read'], '__')).toEqual([]);
    expect(table.set('files', ['search'], '__')).toEqual([]);
    expect(table.resolve('github__search')).toEqual({ slug: 'github', name: 'search' });
    expect(table.resolve('files__search')).toEqual({ slug: 'files', name: 'search' });
    const shortened = table.exposedFor('github', 'file.read');
    expect(shortened).toMatch(EXPOSED_NAME_PATTERN);
    expect(table.resolve(shortened)).toEqual({ slug: 'github', name: 'file.read' });
    expect(table.resolve('search')).toBeUndefined();
    expect(table.size).toBe(3);
  });

  it('set replaces a server\'s entries: a tool it no longer lists no longer resolves', () => {
    const table = new NameTable();
    table.set('github', ['a', 'b'], '__');
    table.set('github', ['b', 'c'], '__');
    expect(table.resolve('github__a')).toBeUndefined();
    expect(table.resolve('github__c')).toEqual({ slug: 'github', name: 'c' });
    expect(table.size).toBe(2);
  });

  it('remove forgets a server and only that server', () => {
    const table = new NameTable();
    table.set('github', ['a'], '__');
    table.set('files', ['a'], '__');
    table.remove('github');
    table.remove('never-there');
    expect(table.resolve('github__a')).toBeUndefined();
    expect(table.resolve('files__a')).toEqual({ slug: 'files', name: 'a' });
  });

  it('a tool whose own name equals another tool\'s shortened name is reported, and the first keeps the name', () => {
    const table = new NameTable();
    const shortened = exposedName('fs', 'x.y', '__');
    const lookalike = shortened.slice('fs__'.length);
    expect(table.set('fs', ['x.y', lookalike], '__')).toEqual([lookalike]);
    expect(table.resolve(shortened)).toEqual({ slug: 'fs', name: 'x.y' });
    expect(table.has('fs', lookalike)).toBe(false);
  });

  it('a collision across servers is reported by the later set; once the first server goes, the name is free', () => {
    const table = new NameTable();
    expect(table.set('a', ['_b'], '__')).toEqual([]);
    expect(table.set('a_', ['b', 'c'], '__')).toEqual(['b']);
    expect(table.resolve('a___b')).toEqual({ slug: 'a', name: '_b' });
    expect(table.resolve('a___c')).toEqual({ slug: 'a_', name: 'c' });
    table.remove('a');
    expect(table.set('a_', ['b', 'c'], '__')).toEqual([]);
    expect(table.resolve('a___b')).toEqual({ slug: 'a_', name: 'b' });
  });

  it('a tool listed twice by its server is not a collision', () => {
    const table = new NameTable();
    expect(table.set('s', ['t', 't'], '__')).toEqual([]);
    expect(table.size).toBe(1);
  });

  it('exposedFor uses the separator the server was set with, or the table\'s for a server it has not seen', () => {
    const table = new NameTable({ separator: '-' });
    table.set('s', ['t'], '_x_');
    expect(table.exposedFor('s', 't')).toBe('s_x_t');
    expect(table.exposedFor('s', 'new')).toBe('s_x_new');
    expect(table.exposedFor('other', 't')).toBe('other-t');
    expect(new NameTable().exposedFor('other', 't')).toBe('other__t');
  });

  it('resolve hands out a copy: changing it does not change the table', () => {
    const table = new NameTable();
    table.set('s', ['t'], '__');
    table.resolve('s__t')!.name = 'changed';
    expect(table.resolve('s__t')).toEqual({ slug: 's', name: 't' });
  });
});
