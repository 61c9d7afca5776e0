// One secret registry per process, shared by child loggers (src/log.ts): a secret registered through one part of
// the process (one server's logger) never appears in any other part's lines, on stderr or in the log file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, processSecrets, SecretRegistry } from '../../src/log.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';

useTeardown();

function capture(): { lines: string[]; stream: { write(chunk: string): unknown } } {
  const lines: string[] = [];
  return { lines, stream: { write: (chunk: string) => lines.push(chunk) } };
}

describe('child loggers', () => {
  it('a secret registered through one child never appears in another child\'s output, nor in the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mab-log-'));
    onTeardown(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'bridge.log');
    const { lines, stream } = capture();
    const root = createLogger({ level: 'info', stream, file, secrets: new SecretRegistry() });
    const github = root.child({ name: 'github' });
    const linear = root.child({ name: 'linear' });

    github.secret('gho_github-server-token-1234');
    linear.info('linear got gho_github-server-token-1234 back from a confused server');
    root.warn('the root saw gho_github-server-token-1234 too');
    linear.child({ name: 'refresh' }).error('and a grandchild: gho_github-server-token-1234');
    root.close();

    const written = lines.join('') + readFileSync(file, 'utf8');
    expect(written).not.toContain('gho_github-server-token-1234');
    expect(lines).toEqual([
      '[mcp-auth-bridge/linear] linear got [redacted] back from a confused server\n',
      '[mcp-auth-bridge] warn: the root saw [redacted] too\n',
      '[mcp-auth-bridge/linear/refresh] error: and a grandchild: [redacted]\n',
    ]);
    // The file has no root name, and a child's name in each of its lines.
    expect(readFileSync(file, 'utf8')).toMatch(/ info \[linear\] linear got \[redacted\]/);
  });

  it('share the root\'s level and file; closing a child leaves the file open', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mab-log-'));
    onTeardown(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'bridge.log');
    const { lines, stream } = capture();
    const root = createLogger({ level: 'warn', stream, file, secrets: new SecretRegistry() });
    const child = root.child({ name: 'one' });
    expect(child.enabled('info')).toBe(true); // the file takes every level
    child.info('to the file only');
    child.close();
    root.warn('after the child closed');
    root.close();
    expect(lines).toEqual(['[mcp-auth-bridge] warn: after the child closed\n']);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('info [one] to the file only');
    expect(text).toContain('warn after the child closed');
  });

  it('a child\'s name is terminal-safe', () => {
    const { lines, stream } = capture();
    createLogger({ stream, secrets: new SecretRegistry() }).child({ name: 'evil\u001b[2J' }).info('hello');
    expect(lines).toEqual(['[mcp-auth-bridge/evil\\x1b[2J] hello\n']);
  });
});

describe('the process registry', () => {
  it('is shared by every logger not given its own, so separate loggers redact each other\'s secrets', () => {
    const a = capture();
    const b = capture();
    const first = createLogger({ stream: a.stream });
    const second = createLogger({ stream: b.stream });
    const value = `proc-secret-${process.pid}-${Date.now()}`;
    first.secret(value);
    second.info(`second saw ${value}`);
    expect(processSecrets.has(value)).toBe(true);
    expect(b.lines.join('')).toBe('[mcp-auth-bridge] second saw [redacted]\n');
  });

  it('stays apart from a registry given to a logger (tests), and ignores values too short to be secrets', () => {
    const own = new SecretRegistry();
    const { lines, stream } = capture();
    const isolated = createLogger({ stream, secrets: own });
    const value = `other-secret-${process.pid}-${Date.now()}`;
    createLogger({ stream: capture().stream }).secret(value);
    isolated.secret('abc');
    isolated.info(`${value} abc`);
    expect(own.has(value)).toBe(false);
    expect(lines.join('')).toBe(`[mcp-auth-bridge] ${value} abc\n`);
  });
});
