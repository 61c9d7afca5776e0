/**
 * The troubleshooting table of docs/troubleshooting.md as data, so each troubleshooting test asserts the text the
 * documentation gives (not a copy of it): {@link row} finds a row by a fragment of its documented message, and {@link documented}
 * turns that message into a pattern — `…` matches anything, and placeholders (HOST, N, X, Y, NAME) are replaced by
 * the values the test produced for real.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** One row of the table. */
export interface TroubleshootingRow {
  /** The documented message: the first `code span` of the first cell, e.g. `refusing plain http to HOST`. */
  message: string;
  /** The whole first cell (it may add context, e.g. "(with `--header Authorization`)"). */
  seen: string;
  /** The "what to do" cell. */
  fix: string;
}

/** The document that holds the troubleshooting table. */
export const TROUBLESHOOTING_PATH = fileURLToPath(new URL('../../docs/troubleshooting.md', import.meta.url));

/** Every row of the table in docs/troubleshooting.md's "## Messages" section, in order. */
export function troubleshootingRows(doc = readFileSync(TROUBLESHOOTING_PATH, 'utf8')): TroubleshootingRow[] {
  const start = doc.indexOf('\n## Messages');
  if (start < 0) throw new Error('docs/troubleshooting.md has no "## Messages" section');
  const end = doc.indexOf('\n## ', start + 5);
  const section = doc.slice(start, end < 0 ? undefined : end);
  const rows: TroubleshootingRow[] = [];
  for (const line of section.split('\n')) {
    if (!line.startsWith('|') || /^\|\s*-/.test(line) || /what you see/.test(line)) continue;
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    const message = /`([^`]+)`/.exec(cells[0] ?? '')?.[1];
    if (!message) throw new Error(`a Troubleshooting row without a documented message: ${line}`);
    rows.push({ message, seen: cells[0]!, fix: cells[1] ?? '' });
  }
  return rows;
}

/** The one row whose documented message contains `fragment`. */
export function row(fragment: string): TroubleshootingRow {
  const found = troubleshootingRows().filter((r) => r.message.includes(fragment));
  if (found.length !== 1) throw new Error(`expected one Troubleshooting row containing "${fragment}", found ${found.length}`);
  return found[0]!;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The documented message of the row containing `fragment`, as a pattern: `…` matches any text, and each
 * placeholder in `values` (a whole word such as `HOST`, `N`, `X`) stands for the given value.
 */
export function documented(fragment: string, values: Record<string, string> = {}): RegExp {
  let pattern = row(fragment)
    .message.split('…')
    .map((part) => escape(part))
    .join('[\\s\\S]*?');
  for (const [name, value] of Object.entries(values)) {
    const word = new RegExp(`(?<![A-Za-z0-9_-])${escape(name)}(?![A-Za-z0-9_-])`, 'g');
    if (!word.test(pattern)) throw new Error(`"${name}" is not a placeholder in the documented message "${row(fragment).message}"`);
    pattern = pattern.replace(word, escape(value).replace(/\$/g, '$$$$'));
  }
  return new RegExp(pattern);
}

/**
 * Asserts that what the user sees (stderr, or the JSON-RPC error message the client gets) contains the documented
 * message of the row containing `fragment`.
 */
export function expectDocumented(seen: string, fragment: string, values: Record<string, string> = {}): void {
  const pattern = documented(fragment, values);
  expect(seen, `docs/troubleshooting.md documents \`${row(fragment).message}\` (pattern ${String(pattern)}); the user saw:\n${seen}`).toMatch(pattern);
}
