// Tool filtering: exact names and globs (`*` any run, `?` one character, everything else literal); block wins over
// allow; readOnly lets only tools annotated readOnlyHint through.
import { describe, expect, it } from 'vitest';
import { matchesGlob, PASS_ALL, toolPasses } from '../../../src/config/file/tool-filter.js';

describe('matchesGlob', () => {
  it.each([
    ['search', 'search', true],
    ['search', 'search_issues', false],
    ['search*', 'search_issues', true],
    ['search*', 'search', true],
    ['*_issue', 'create_issue', true],
    ['*_issue', 'create_issues', false],
    ['get_?', 'get_a', true],
    ['get_?', 'get_ab', false],
    ['*', '', true],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['**x', 'abx', true],
    ['file.read', 'fileXread', false],
    ['[a]', '[a]', true],
    ['[a]', 'a', false],
    ['a+', 'aa', false],
  ])('%s against %s → %s', (pattern, name, expected) => {
    expect(matchesGlob(pattern, name)).toBe(expected);
  });

  it('stays fast on a pattern that would make a naive matcher backtrack exponentially', () => {
    const started = Date.now();
    expect(matchesGlob('*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000))).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('toolPasses', () => {
  const tool = (name: string, readOnlyHint?: boolean) => ({ name, readOnlyHint });

  it('lets everything through with no filter', () => {
    expect(toolPasses(PASS_ALL, tool('anything'))).toBe(true);
  });

  it('an allow list keeps only what it matches', () => {
    const filter = { allow: ['search_*', 'get_issue'], block: [], readOnly: false };
    expect(toolPasses(filter, tool('search_code'))).toBe(true);
    expect(toolPasses(filter, tool('get_issue'))).toBe(true);
    expect(toolPasses(filter, tool('delete_repo'))).toBe(false);
  });

  it('block wins over allow', () => {
    const filter = { allow: ['*'], block: ['delete_*'], readOnly: false };
    expect(toolPasses(filter, tool('delete_repo'))).toBe(false);
    expect(toolPasses(filter, tool('list_repos'))).toBe(true);
  });

  it('an empty allow list lets nothing through', () => {
    expect(toolPasses({ allow: [], block: [], readOnly: false }, tool('x'))).toBe(false);
  });

  it('readOnly keeps only tools annotated readOnlyHint: true', () => {
    const filter = { allow: undefined, block: [], readOnly: true };
    expect(toolPasses(filter, tool('read', true))).toBe(true);
    expect(toolPasses(filter, tool('write', false))).toBe(false);
    expect(toolPasses(filter, tool('unknown'))).toBe(false);
  });
});
