/**
 * The one CLI runner of the tests: the real built CLI (`node bin/mcp-auth-bridge.js …`, bundle in dist/) spawned as
 * a child process with a private environment ({@link baseEnv}), its output captured and readable while it runs, and
 * the child killed after the test if it is still running. Everything that starts the product — one-shot commands
 * ({@link startCli}, {@link runCli}), raw JSON-RPC drivers and SDK clients (test/helpers/bridge.ts,
 * test/helpers/auth-bridge.ts) — starts it here. Nothing here fakes the product.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { onFileTeardown, onTeardown } from './cleanup.js';
import { waitFor, withTimeout } from './wait.js';

/** Absolute path of the published command shim. */
export const BIN_PATH = fileURLToPath(new URL('../../bin/mcp-auth-bridge.js', import.meta.url));

const BUNDLE_PATH = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

let stateDir: string | undefined;

/**
 * The environment every CLI child starts with: the SDK's safe default variables (PATH, HOME, …; no proxy
 * variables from the machine) plus XDG directories in a private temp dir so no test touches real user state.
 */
export function baseEnv(): Record<string, string> {
  if (stateDir === undefined) {
    const dir = (stateDir = mkdtempSync(join(tmpdir(), 'mcp-auth-bridge-test-')));
    // Shared by every child of this test file, so removed when the file is done.
    onFileTeardown(() => {
      rmSync(dir, { recursive: true, force: true });
      if (stateDir === dir) stateDir = undefined;
    });
  }
  return {
    ...getDefaultEnvironment(),
    // The run's private temp dir (test/helpers/tmp-guard.ts), so what a child leaves there is found too.
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
    XDG_CONFIG_HOME: join(stateDir, 'config'),
    XDG_DATA_HOME: join(stateDir, 'data'),
    XDG_STATE_HOME: join(stateDir, 'state'),
    XDG_CACHE_HOME: join(stateDir, 'cache'),
  };
}

/** @throws when dist/ has not been built (the tests run the bundle, as users do). */
export function assertBuilt(): void {
  if (!existsSync(BUNDLE_PATH)) {
    throw new Error(`${BUNDLE_PATH} does not exist: run \`npm run build\` before these tests`);
  }
}

/** How a CLI child ended. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** How a CLI run ended, with everything it wrote. */
export interface CliResult extends ExitStatus {
  stdout: string;
  stderr: string;
}

/** A device login's instructions as the CLI printed them (`--device-code`). */
export interface DevicePromptSeen {
  verificationUri: string;
  userCode: string;
  /** The page with the code filled in, when the server gave one. */
  verificationUriComplete?: string;
}

/** Every authorization URL the CLI printed on stderr ("log in to … in your browser:\n  <url>"), in order. */
export function loginUrlsIn(stderr: string): string[] {
  return [...stderr.matchAll(/in your browser:\r?\n\s+(\S+)/g)].map((m) => m[1]!);
}

/** Every device login prompt the CLI printed on stderr ("open URL on any device and enter the code CODE"), in order. */
export function devicePromptsIn(stderr: string): DevicePromptSeen[] {
  return [...stderr.matchAll(/open (\S+) on any device and enter the code (\S+)\r?\n\s+\((?:or open (\S+) \(the code is filled in\); )?/g)].map((m) => ({
    verificationUri: m[1]!,
    userCode: m[2]!,
    ...(m[3] ? { verificationUriComplete: m[3] } : {}),
  }));
}

/** Options for {@link startCli}. */
export interface CliOptions {
  /** Extra environment on top of {@link baseEnv}. */
  env?: Record<string, string>;
  /** stdin: a pipe left open (default; write to `child.stdin`) or `ignore` (no stdin at all). */
  stdin?: 'pipe' | 'ignore';
  /** Keep stdout as text for {@link CliProcess.stdout}. Default true; drivers that parse stdout themselves pass false. */
  keepStdout?: boolean;
  /**
   * Run on a pseudo-terminal (util-linux `script -qec`, which passes the exit code on): stdout and stderr are then
   * one stream, and {@link CliProcess.stdout} holds everything the terminal showed. Default false (pipes).
   */
  terminal?: boolean;
}

/** A CLI child, running or done. */
export interface CliProcess {
  /** The child; `child.stdin` is null with `stdin: 'ignore'`. */
  child: ChildProcessWithoutNullStreams;
  /** What the `mcp-auth-bridge …` command line was, for messages. */
  label: string;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited (never rejects). */
  exited: Promise<CliResult>;
  /** The exit status once the process has exited, else undefined. */
  exitStatus(): ExitStatus | undefined;
  /** Waits (bounded) until stderr matches `pattern`; returns the match. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Waits (bounded) for the exit. */
  waitForExit(timeoutMs?: number): Promise<CliResult>;
  /** Authorization URLs printed on stderr so far. */
  loginUrls(): string[];
  /** Device login prompts printed on stderr so far. */
  devicePrompts(): DevicePromptSeen[];
  /** Waits (bounded) until the CLI printed its `n`-th (0-based) device login prompt and returns it. */
  waitForDevicePrompt(n?: number, timeoutMs?: number): Promise<DevicePromptSeen>;
}

/**
 * Spawns `node bin/mcp-auth-bridge.js ...args` (env = {@link baseEnv} + `env`), capturing its output. Killed after
 * the test if still running.
 *
 * @throws when the bundle is not built.
 */
export function startCli(args: string[], env: Record<string, string> = {}, options: Omit<CliOptions, 'env'> = {}): CliProcess {
  assertBuilt();
  const [command, commandArgs] = options.terminal
    ? ['script', ['-qec', [process.execPath, BIN_PATH, ...args].map(shellQuote).join(' '), '/dev/null']]
    : [process.execPath, [BIN_PATH, ...args]];
  const child = spawn(command, commandArgs, {
    env: { ...baseEnv(), ...env },
    stdio: [options.stdin ?? 'pipe', 'pipe', 'pipe'],
  }) as ChildProcessWithoutNullStreams;
  let stdout = '';
  let stderr = '';
  let status: ExitStatus | undefined;
  if (options.keepStdout ?? true) child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    if (options.terminal) stdout += chunk.toString('utf8');
  });
  // Writing after the child exited is expected in some tests (EPIPE); the exit status tells the story.
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => {
      status = { code, signal };
      resolve({ code, signal, stdout, stderr });
    }),
  );
  onTeardown(async () => {
    if (status || (child.exitCode !== null || child.signalCode !== null)) return;
    child.kill('SIGKILL');
    await withTimeout('a killed CLI child to exit', exited, 5_000);
  });
  const label = `mcp-auth-bridge ${args.join(' ')}`;
  const soFar = () => `(stderr so far: ${JSON.stringify(stderr.slice(-1500))})`;
  return {
    child,
    label,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    exitStatus: () => status,
    waitForStderr: (pattern, timeoutMs = 15_000) =>
      waitFor(`${label}: stderr to match ${String(pattern)} ${soFar()}`, () => stderr.match(pattern) ?? undefined, { timeoutMs }),
    waitForExit: (timeoutMs = 20_000) => withTimeout(`${label} to exit ${soFar()}`, exited, timeoutMs),
    loginUrls: () => loginUrlsIn(stderr),
    devicePrompts: () => devicePromptsIn(stderr),
    waitForDevicePrompt: (n = 0, timeoutMs = 15_000) =>
      waitFor(`the CLI to print device prompt #${n + 1} ${soFar()}`, () => devicePromptsIn(stderr)[n], { timeoutMs }),
  };
}

/** Single-quotes `word` for `sh -c`. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs the CLI to completion (bounded by `timeoutMs`) with stdin an open, empty pipe, and returns its exit status
 * and output: `--help`, `--version`, usage errors, and the `login`/`logout`/`status`/`doctor` commands.
 */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<CliResult> {
  return startCli(args, env).waitForExit(timeoutMs);
}
