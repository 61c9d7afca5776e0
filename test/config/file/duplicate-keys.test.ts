// JSON.parse keeps the last of two equal keys without a word: a server named twice, or an option given twice, would
// silently lose one. The file is refused instead, naming the server (or key) and both lines, and saying to rename one.
import { describe, expect, it } from 'vitest';
import { findDuplicateKey } from '../../../src/config/file/duplicate-keys.js';
import { ErrorCode } from '../../../src/errors.js';
import { load, refused } from './files.js';

describe('a server named twice', () => {
  it('in mcpServers is refused, naming the server and both lines', () => {
    const text = [
      '{',
      '  "mcpServers": {',
      '    "github": { "url": "https://one.example.com/mcp" },',
      '    "files": { "command": "npx" },',
      '    "github": { "url": "https://two.example.com/mcp" }',
      '  }',
      '}',
    ].join('\n');
    const error = refused(text);
    expect(error.code).toBe(ErrorCode.Config);
    expect(error.message).toBe(`${error.path}, server "github": is named twice (lines 3 and 5)`);
    expect(error.hint).toBe('rename one of the two entries: JSON would keep only the last one, without a word');
  });

  it('in VS Code\'s servers is refused too', () => {
    const error = refused('{"servers": {\n"a": {"type": "stdio", "command": "x"},\n"a": {"type": "stdio", "command": "y"}}}');
    expect(error.message).toBe(`${error.path}, server "a": is named twice (lines 2 and 3)`);
  });

  it('spelled differently with a JSON escape is still the same name', () => {
    const error = refused('{"mcpServers": {"github": {"command": "x"}, "git\\u0068ub": {"command": "y"}}}');
    expect(error.message).toBe(`${error.path}, server "github": is named twice (lines 1 and 1)`);
  });
});

describe('a key given twice', () => {
  it('in an entry names the server and the key, never the values', () => {
    const error = refused('{"mcpServers": {"github": {\n  "url": "https://mcp.example.com/mcp",\n  "client-secret": "s3cret-one",\n  "client-secret": "s3cret-two"\n}}}');
    expect(error.code).toBe(ErrorCode.Config);
    expect(error.message).toBe(`${error.path}, server "github", key "client-secret": is given twice (lines 3 and 4)`);
    expect(error.hint).toBe('keep one of the two: JSON would keep only the last one, without a word');
    expect(`${error.message} ${error.hint}`).not.toMatch(/s3cret/);
  });

  it('inside an entry\'s object names the nested key', () => {
    const error = refused('{"mcpServers": {"github": {"url": "https://mcp.example.com/mcp", "headers": {"X-A": "1", "X-A": "2"}}}}');
    expect(error.message).toBe(`${error.path}, server "github", key "headers.X-A": is given twice (lines 1 and 1)`);
  });

  it('at the top level', () => {
    const error = refused('{"separator": "__",\n"mcpServers": {"a": {"command": "x"}},\n"separator": "--"}');
    expect(error.message).toBe(`${error.path}, key "separator": is given twice (lines 1 and 3)`);
  });
});

describe('what is not a duplicate', () => {
  it('the same key in different entries, and braces, quotes and escapes inside strings', () => {
    const loaded = load(
      '{"mcpServers": {\n' +
        '  "a": {"command": "x", "args": ["{\\"a\\": 1, \\"a\\": 2}", "}", "\\\\", "\\"", "]"], "env": {"K": "{"}},\n' +
        '  "b": {"command": "x", "args": ["a"], "env": {"K": "}"}}\n' +
        '}}',
    );
    expect(loaded.servers.map((s) => s.name)).toEqual(['a', 'b']);
    const [a] = loaded.servers;
    expect(a?.kind === 'local' && a.args).toEqual(['{"a": 1, "a": 2}', '}', '\\', '"', ']']);
  });
});

describe('findDuplicateKey', () => {
  it('names the container by keys and list indexes', () => {
    expect(findDuplicateKey('{"a": [1, {"b": 0}, {"c": 0, "c": 1}]}')).toEqual({ container: ['a', 2], key: 'c', firstLine: 1, secondLine: 1 });
    expect(findDuplicateKey('{"a": {"b": {}}, "b": {"a": {}}}')).toBeUndefined();
    expect(findDuplicateKey('[{"x": 1}, {"x": 2}]')).toBeUndefined();
  });

  it('finds a duplicate at the bottom of a deeply nested file', () => {
    const depth = 50_000;
    const found = findDuplicateKey(`${'{"k":'.repeat(depth)}{"x": 1,\n"x": 2}${'}'.repeat(depth)}`);
    expect(found?.key).toBe('x');
    expect(found?.container).toHaveLength(depth);
    expect(found?.container.every((part) => part === 'k')).toBe(true);
    expect(found?.secondLine).toBe(2);
  });
});
