/**
 * Helpers for the command tests (`login`, `logout`, `status`, `doctor`) and the troubleshooting tests: the real built
 * CLI run as a child process with live access to its output, a `--browser` command that plays the user's part of the
 * login headlessly (the provider fixture's login and consent forms, through `driveLogin`), the fixture stack torn
 * down after the test, and the `--token-store file --config-dir` arguments every test uses. Nothing here fakes the
 * product.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BIN_PATH, baseEnv, type ExitStatus } from '../helpers/bridge.js';
import { onTeardown } from '../helpers/cleanup.js';
import { startAuthStack, type AuthStack, type AuthStackOptions } from '../helpers/oidc/index.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

/** How a CLI run ended, with everything it wrote. */
export interface CliResult extends ExitStatus {
  stdout: string;
  stderr: string;
}

/** A CLI child still running. */
export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited (never rejects). */
  exited: Promise<CliResult>;
  /** Waits (bounded) until stderr matches `pattern`; returns the match. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Waits (bounded) for the exit. */
  waitForExit(timeoutMs?: number): Promise<CliResult>;
}

/** Spawns `node bin/mcp-auth-bridge.js ...args` (stdin a pipe left open, env = {@link baseEnv} + `env`). Killed after the test. */
export function startCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [BIN_PATH, ...args], { env: { ...baseEnv(), ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.on('error', () => undefined);
  const exited = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  onTeardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await withTimeout('killed CLI child to exit', exited, 5_000);
    }
  });
  const label = `mcp-auth-bridge ${args.join(' ')}`;
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForStderr: (pattern, timeoutMs = 15_000) =>
      waitFor(`${label}: stderr to match ${String(pattern)} (stderr so far: ${JSON.stringify(stderr.slice(-1500))})`, () => stderr.match(pattern) ?? undefined, {
        timeoutMs,
      }),
    waitForExit: (timeoutMs = 20_000) =>
      withTimeout(`${label} to exit (stderr so far: ${JSON.stringify(stderr.slice(-1500))})`, exited, timeoutMs),
  };
}

/** Runs the CLI to completion (bounded) and returns its exit status and output. */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<CliResult> {
  return startCli(args, env).waitForExit(timeoutMs);
}

/** `--token-store file --config-dir <dir>`: every command test keeps its credentials in its own temp dir. */
export function fileStore(configDir: string): string[] {
  return ['--token-store', 'file', '--config-dir', configDir];
}

/** The fixture stack (real oidc-provider + protected MCP server), closed after the test. */
export async function authStack(options: AuthStackOptions = {}): Promise<AuthStack> {
  const stack = await startAuthStack(options);
  onTeardown(() => stack.close());
  return stack;
}

const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const DRIVE_LOGIN = fileURLToPath(new URL('../helpers/oidc/drive-login.ts', import.meta.url));

/** A `--browser` command that logs in headlessly (user `alice`, or `deny` to cancel at consent). */
export interface LoginBrowser {
  /** The value for `--browser`. */
  command: string;
  /** What each run of the command did: the URL it was given and the status the bridge's callback answered. */
  runs(): { url: string; status?: number; pages?: string[]; error?: string }[];
  /**
   * Waits (bounded) until the command recorded `n` runs and returns them. The product may exit as soon as its
   * callback answered, before the script has written down what it saw: always wait before reading.
   */
  waitForRuns(n: number, timeoutMs?: number): Promise<{ url: string; status?: number; pages?: string[]; error?: string }[]>;
}

/**
 * Writes a small node script (run with tsx, since it imports the fixture's `driveLogin`) that the product runs as
 * its browser: it drives the provider's login and consent pages and delivers the callback, as a user would.
 */
export function loginBrowser(dir: string, options: { user?: string; deny?: 'login' | 'consent' } = {}): LoginBrowser {
  const script = join(dir, 'headless-browser.mts');
  const results = join(dir, 'headless-browser.jsonl');
  writeFileSync(
    script,
    [
      "import { appendFileSync } from 'node:fs';",
      `import { driveLogin } from ${JSON.stringify(DRIVE_LOGIN)};`,
      'const [out, url] = process.argv.slice(2);',
      `const options = ${JSON.stringify(options)};`,
      'try {',
      '  const r = await driveLogin(url, options);',
      "  appendFileSync(out, JSON.stringify({ url, status: r.status, pages: r.pages }) + '\\n');",
      '} catch (error) {',
      "  appendFileSync(out, JSON.stringify({ url, error: String(error) }) + '\\n');",
      '}',
      '',
    ].join('\n'),
  );
  const runs = () =>
    existsSync(results)
      ? readFileSync(results, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { url: string; status?: number; pages?: string[]; error?: string })
      : [];
  return {
    command: `${process.execPath} --import ${TSX_LOADER} ${script} ${results}`,
    runs,
    waitForRuns: (n, timeoutMs = 10_000) =>
      waitFor(`the headless browser to record ${n} run(s) (so far: ${JSON.stringify(runs())})`, () => (runs().length >= n ? runs() : undefined), { timeoutMs }),
  };
}

/** Every authorization URL the CLI printed on stderr ("log in to … in your browser:\n  <url>"). */
export function loginUrlsIn(text: string): string[] {
  return [...text.matchAll(/in your browser:\r?\n\s+(\S+)/g)].map((m) => m[1]!);
}

/** The ✓/✗ lines of a `doctor` report, by step name: `{ ok, detail, fix }`. */
export function doctorSteps(stdout: string): Map<string, { ok: boolean; detail: string; fix?: string; note?: string }[]> {
  const steps = new Map<string, { ok: boolean; detail: string; fix?: string; note?: string }[]>();
  let last: { ok: boolean; detail: string; fix?: string; note?: string } | undefined;
  for (const line of stdout.split('\n')) {
    const step = /^([✓✗]) ([^:]+): (.*)$/.exec(line);
    if (step) {
      last = { ok: step[1] === '✓', detail: step[3]! };
      const list = steps.get(step[2]!) ?? [];
      list.push(last);
      steps.set(step[2]!, list);
      continue;
    }
    const fix = /^ {4}fix: (.*)$/.exec(line);
    if (fix && last) last.fix = fix[1]!;
    const note = /^ {4}note: (.*)$/.exec(line);
    if (note && last) last.note = note[1]!;
  }
  return steps;
}

/** Single-quotes `word` for `sh -c` (used only to hand a command line to `script`). */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
