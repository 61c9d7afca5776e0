// Every row of README.md's Troubleshooting table has a test in this folder that produces its situation and checks
// its documented message (through `expectDocumented(…, '<fragment of the message>')`), and every such check names a
// row that exists: a row added to the README without a test, or a test whose row was reworded away, fails here.
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

describe('README Troubleshooting coverage', () => {
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
    expect(missing, 'README Troubleshooting rows without a test').toEqual([]);
  });
});
