/**
 * The `--browser` command of the tests: a tiny node script the product runs instead of a browser, writing down each
 * URL it is given (so a test sees what the bridge would have opened, and that it opened nothing for hostile URLs)
 * and, with `login`, playing the user's part on the provider fixture's pages headlessly (the one login driver,
 * test/helpers/oidc/drive-login.ts) and delivering the callback, as a user would.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { waitFor } from './wait.js';

const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const DRIVE_LOGIN = fileURLToPath(new URL('./oidc/drive-login.ts', import.meta.url));

/** Options for {@link browserCommand}. */
export interface BrowserCommandOptions {
  /** Log in on each URL (user `alice` unless told; `deny` cancels at that page). Default: only record the URL. */
  login?: { user?: string; deny?: 'login' | 'consent' };
}

/** What one run of the command did: the URL it was given and, when it logged in, how that went. */
export interface BrowserRun {
  url: string;
  /** The status the bridge's callback answered. */
  status?: number;
  /** The provider pages passed on the way. */
  pages?: string[];
  /** Why the login could not be completed. */
  error?: string;
}

/** A `--browser` command and what it recorded. */
export interface BrowserCommand {
  /** The value for `--browser`. */
  command: string;
  /** Where runs are appended, one JSON line each. */
  file: string;
  /** Runs recorded so far. */
  runs(): BrowserRun[];
  /** URLs recorded so far. */
  urls(): string[];
  /** Waits (bounded) for the `n`-th (0-based) URL. */
  waitForUrl(n?: number, timeoutMs?: number): Promise<string>;
  /**
   * Waits (bounded) until `n` runs are recorded and returns them. The product may exit as soon as its callback
   * answered, before the script has written down what it saw: always wait before reading.
   */
  waitForRuns(n: number, timeoutMs?: number): Promise<BrowserRun[]>;
}

let made = 0;

/** Writes a {@link BrowserCommand} script into `dir` (a login one runs with tsx, since it imports `driveLogin`). */
export function browserCommand(dir: string, options: BrowserCommandOptions = {}): BrowserCommand {
  const name = `browser-command-${++made}`;
  const file = join(dir, `${name}.jsonl`);
  const login = options.login;
  const script = join(dir, login ? `${name}.mts` : `${name}.mjs`);
  writeFileSync(
    script,
    [
      "import { appendFileSync } from 'node:fs';",
      'const [out, ...rest] = process.argv.slice(2);',
      "const url = rest.join(' ');",
      ...(login
        ? [
            `const { driveLogin } = await import(${JSON.stringify(pathToFileURL(DRIVE_LOGIN).href)});`,
            'try {',
            `  const r = await driveLogin(url, ${JSON.stringify(login)});`,
            "  appendFileSync(out, JSON.stringify({ url, status: r.status, pages: r.pages }) + '\\n');",
            '} catch (error) {',
            "  appendFileSync(out, JSON.stringify({ url, error: String(error) }) + '\\n');",
            '}',
          ]
        : ["appendFileSync(out, JSON.stringify({ url }) + '\\n');"]),
      '',
    ].join('\n'),
  );
  const runs = (): BrowserRun[] =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as BrowserRun)
      : [];
  const urls = () => runs().map((run) => run.url);
  return {
    command: login ? `${process.execPath} --import ${TSX_LOADER} ${script} ${file}` : `${process.execPath} ${script} ${file}`,
    file,
    runs,
    urls,
    waitForUrl: (n = 0, timeoutMs = 15_000) => waitFor(`the --browser command to receive URL #${n + 1}`, () => urls()[n], { timeoutMs }),
    waitForRuns: (n, timeoutMs = 10_000) =>
      waitFor(`the --browser command to record ${n} run(s) (so far: ${JSON.stringify(runs())})`, () => (runs().length >= n ? runs() : undefined), { timeoutMs }),
  };
}
