// Every row of the troubleshooting table (docs/troubleshooting.md) has a test in this folder that produces its
// situation and checks its documented message (through `expectDocumented(…, '<fragment of the message>')`), and every
// such check names a row that exists: a row added to the table without a test, or a test whose row was reworded
// away, fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { row, troubleshootingRows } from './readme-rows.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** The message fragments the tests here check, by file. */
function checkedFragments(): { file: string; fragment: string }[] {
  const out: { file: string; fragment: string }[] = [];
  for (const file of readdirSync(HERE).filter((f) => f.endsWith('.test.ts') && f !== 'rows.test.ts')) {
    const source = readFileSync(`${HERE}${file}`, 'utf8');
    for (const m of source.matchAll(/expectDocumented\(\s*[^,]+,\s*(['"])(.*?)\1/g)) out.push({ file, fragment: m[2]! });
  }
  return out;
}

describe('docs/troubleshooting.md coverage', () => {
  it('the table is read: every row has a documented message and a fix', () => {
    const rows = troubleshootingRows();
    expect(rows.length).toBeGreaterThanOrEqual(19);
    for (const r of rows) {
      expect(r.message.length, JSON.stringify(r)).toBeGreaterThan(5);
      expect(r.fix.length, JSON.stringify(r)).toBeGreaterThan(5);
    }
  });

  it('every row is checked by a troubleshooting test, and every check names exactly one row', () => {
    const checks = checkedFragments();
    const covered = new Set<string>();
    for (const { file, fragment } of checks) {
      let message: string;
      try {
        message = row(fragment).message;
      } catch (error) {
        throw new Error(`${file}: ${(error as Error).message}`);
      }
      covered.add(message);
    }
    const missing = troubleshootingRows()
      .map((r) => r.message)
      .filter((m) => !covered.has(m));
    expect(missing, 'troubleshooting rows without a test').toEqual([]);
  });

  it("the README's most common problems are rows of the table, word for word", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('\n## When something goes wrong');
    expect(start, 'README.md has a "## When something goes wrong" section').toBeGreaterThan(0);
    const section = readme.slice(start, readme.indexOf('\n## ', start + 5));
    const messages = [...section.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]!);
    expect(messages.length).toBeGreaterThanOrEqual(5);
    const documented = new Set(troubleshootingRows().map((r) => r.message));
    expect(messages.filter((m) => !documented.has(m)), 'README problems missing from docs/troubleshooting.md').toEqual([]);
    expect(section).toContain('](docs/troubleshooting.md)');
  });
});
