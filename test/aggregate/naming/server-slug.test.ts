// Server slugs: free-text config names become safe prefixes for tool names and resource URIs, and a set of names
// whose slugs could be confused is reported at load (issue 10: "a collision is impossible by construction or
// reported at load").
import { describe, expect, it } from 'vitest';
import { checkSlugs, MAX_SLUG_LENGTH, serverSlug } from '../../../src/aggregate/naming/server-slug.js';
import { exposedName } from '../../../src/aggregate/naming/tool-names.js';
import { uriPrefix } from '../../../src/aggregate/naming/uris.js';
import { randomText, seeded } from './random.js';

describe('serverSlug', () => {
  it.each([
    ['github', 'github'],
    ['my_files', 'my_files'],
    ['My Server', 'My-Server'],
    ['  --a  b--  ', 'a-b'],
    ['a---b', 'a-b'],
    ['files (work) / 2', 'files-work-2'],
    ['日本', 'server'],
    ['', 'server'],
    ['---', 'server'],
    ['a__b', 'a__b'],
    ['x'.repeat(40), 'x'.repeat(24)],
    [`${'a'.repeat(23)} b`, 'a'.repeat(23)],
  ])('a config name %j is used as %j', (name, slug) => {
    expect(serverSlug(name)).toBe(slug);
  });

  it('free-text names always give a short, non-empty prefix tool names accept, the same on every call', () => {
    const random = seeded(1);
    for (let i = 0; i < 10_000; i++) {
      const name = randomText(random, 'wild', 0, 60);
      const slug = serverSlug(name);
      expect(slug).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(slug.length).toBeLessThanOrEqual(MAX_SLUG_LENGTH);
      expect(slug).not.toMatch(/^-|-$|--/);
      expect(serverSlug(slug)).toBe(slug);
      expect(serverSlug(name)).toBe(slug);
    }
  });
});

describe('checkSlugs', () => {
  it('distinct names give their slugs and no problems', () => {
    const { slugs, problems } = checkSlugs(['github', 'My Files', 'local_db'], '__');
    expect(problems).toEqual([]);
    expect([...slugs]).toEqual([['github', 'github'], ['My Files', 'My-Files'], ['local_db', 'local_db']]);
  });

  it('two names that become one slug are reported, naming both servers and the fix', () => {
    const { problems } = checkSlugs(['my files', 'my-files'], '__');
    expect(problems).toEqual([
      'The servers "my files" and "my-files" both become "my-files" in tool names and resource URIs: rename one of them.',
    ]);
  });

  it('slugs that differ only in case are reported (URI schemes and some clients fold case)', () => {
    const { problems } = checkSlugs(['GitHub', 'github'], '__');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('"GitHub" and "github"');
    expect(problems[0]).toContain('differ only in case');
    expect(problems[0]).toContain('rename one of them');
  });

  it('a slug containing the separator is reported: a__b+c and a+b__c would both be a__b__c', () => {
    const { problems } = checkSlugs(['a__b', 'a'], '__');
    expect(problems.some((p) => p.includes('"a__b"') && p.includes('contains the separator "__"'))).toBe(true);
    expect(problems.every((p) => /rename/.test(p))).toBe(true);
  });

  it('a slug that ends in part of the separator beside a shorter one is reported: a_ + b and a + _b are both a___b', () => {
    expect(exposedName('a_', 'b', '__')).toBe(exposedName('a', '_b', '__'));
    const { problems } = checkSlugs(['a', 'a_'], '__');
    expect(problems).toEqual([
      'The servers "a" and "a_" would give the same tool name (e.g. "a___x") with the separator "__": rename one of them, or choose another "separator".',
    ]);
    expect(checkSlugs(['a', 'a_'], '-x-').problems).toEqual([]);
  });

  it('two slugs with one resource URI prefix are reported', () => {
    expect(uriPrefix('_a')).toBe(uriPrefix('x-_a'));
    const { problems } = checkSlugs(['_a', 'x-_a'], '__');
    expect(problems).toEqual(['The servers "_a" and "x-_a" would give their resources the same URI prefix "x-.a": rename one of them.']);
  });

  it('the same name twice is reported', () => {
    expect(checkSlugs(['a', 'a'], '__').problems).toEqual(['The server name "a" is given twice: give each server its own name.']);
  });

  it('when no problem is reported, tool names and URI prefixes of different servers never coincide', () => {
    const random = seeded(2);
    let sets = 0;
    for (let round = 0; round < 400; round++) {
      const names = Array.from({ length: 2 + Math.floor(random() * 4) }, () => randomText(random, round % 2 ? 'tool' : 'wild', 1, 6));
      const separator = ['__', '_', '-', '--', '_x_'][round % 5]!;
      const { slugs, problems } = checkSlugs(names, separator);
      if (problems.length > 0) continue;
      sets++;
      const owners = new Map<string, string>();
      const prefixes = new Map<string, string>();
      for (const slug of slugs.values()) {
        const prefix = uriPrefix(slug).toLowerCase();
        expect(prefixes.get(prefix) ?? slug).toBe(slug);
        prefixes.set(prefix, slug);
        for (let t = 0; t < 40; t++) {
          const exposed = exposedName(slug, randomText(random, 'tool', 1, 4), separator);
          expect(owners.get(exposed) ?? slug).toBe(slug);
          owners.set(exposed, slug);
        }
      }
    }
    expect(sets).toBeGreaterThan(50);
  });
});
