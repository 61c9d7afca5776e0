/**
 * Helpers for the tests of examples/: the example servers started as a user starts them (`node examples/…` child
 * processes, on a free port), their printed URLs and commands read back, the MCP Inspector CLI run through `npx`, and
 * Inspector config files derived from the ones under examples/. Every process is stopped after its test. The
 * bridge itself is started by the one CLI runner (test/helpers/cli.ts); what starts here are other programs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTeardown } from '../helpers/cleanup.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

/** The repository root (the examples run from here, as from a clone). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Output of a finished child process. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion in its own process group (so `npx` and what it starts can be stopped together);
 * kills the group and rejects when it outlives `timeoutMs`.
 */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; label?: string; onStderr?: (stderrSoFar: string) => void } = {},
): Promise<Finished> {
  const label = options.label ?? `${command} ${args.join(' ')}`;
  const child = spawn(command, args, { cwd: REPO_ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    options.onStderr?.(stderr);
  });
  onTeardown(() => killGroup(child));
  const done = new Promise<Finished>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return withTimeout(`${label} to finish`, done, options.timeoutMs ?? 20_000).catch((error: Error) => {
    killGroup(child);
    throw new Error(`${error.message}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`);
  });
}

function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** A long-running example server child. */
export interface ExampleServer {
  /** The MCP endpoint it printed. */
  mcpUrl: string;
  /** Everything it printed on stdout / stderr so far. */
  stdout(): string;
  stderr(): string;
  child: ChildProcess;
  /** SIGTERM, then waits (bounded) for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

function startChild(args: string[], ready: (out: { stdout: string; stderr: string }) => string | undefined, label: string): Promise<ExampleServer & { ready: string }> {
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => (out.stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (out.stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return withTimeout(`${label} to exit`, exited, 5_000).catch(() => {
      child.kill('SIGKILL');
      return null;
    });
  };
  onTeardown(stop);
  return waitFor(`${label} to print its URLs (stdout: ${JSON.stringify(out.stdout)}, stderr: ${JSON.stringify(out.stderr)})`, () => {
    if (child.exitCode !== null) throw new Error(`${label} exited with ${child.exitCode}: ${out.stderr}`);
    return ready(out);
  }, { timeoutMs: 15_000 }).then((value) => ({
    ready: value,
    mcpUrl: '',
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    child,
    stop,
  }));
}

/** The protected example, started as its README says, plus what its banner printed. */
export interface ProtectedExample extends ExampleServer {
  issuer: string;
  /** The pre-registered client id (bare mode only). */
  clientId: string | undefined;
  /** The argument list of the printed `node bin/mcp-auth-bridge.js …` command (URL last). */
  bridgeArgs: string[];
}

/** Starts `node examples/protected-server/server.mjs --port 0 [extra]` and reads its banner. */
export async function startProtectedExample(extra: string[] = []): Promise<ProtectedExample> {
  const server = await startChild(
    ['examples/protected-server/server.mjs', '--port', '0', ...extra],
    ({ stdout }) => (/^or, with the published package:/m.test(stdout) ? stdout : undefined),
    'the protected example server',
  );
  const banner = server.ready;
  const field = (name: string) => new RegExp(`^\\s+${name}:\\s+(\\S+)`, 'm').exec(banner)?.[1];
  const command = /^\s+node bin\/mcp-auth-bridge\.js (.+)$/m.exec(banner)?.[1];
  if (!field('MCP endpoint') || !field('issuer') || !command) throw new Error(`unexpected banner:\n${banner}`);
  return {
    ...server,
    mcpUrl: field('MCP endpoint')!,
    issuer: field('issuer')!,
    clientId: field('client id'),
    bridgeArgs: command.split(' '),
  };
}

/** Starts the no-auth example `node examples/server.mjs --port 0`. */
export async function startPlainExample(): Promise<ExampleServer> {
  const server = await startChild(
    ['examples/server.mjs', '--port', '0'],
    ({ stderr }) => /(http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(stderr)?.[1],
    'the example server',
  );
  return { ...server, mcpUrl: server.ready };
}

/** One `mcpServers` entry of an Inspector / Claude Desktop config file. */
export interface ServerEntry {
  command: string;
  args: string[];
  env?: Record<string, string>;
  connectionTimeout?: number;
}

/** Reads `examples/<file>` (an `mcpServers` config). */
export function readExampleConfig(file: string): { mcpServers: Record<string, ServerEntry> } {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'examples', file), 'utf8')) as { mcpServers: Record<string, ServerEntry> };
}

/**
 * Writes a copy of an example config into `dir` with every argument passed through `rewrite` (the examples name
 * fixed ports and paths; tests use free ports and temp dirs), and `extraArgs` added before the URL (the last
 * argument). Returns the new file's path.
 */
export function deriveConfig(file: string, dir: string, rewrite: (arg: string, index: number, args: string[]) => string, extraArgs: string[] = []): string {
  const config = readExampleConfig(file);
  for (const entry of Object.values(config.mcpServers)) {
    const args = entry.args.map(rewrite);
    entry.args = [...args.slice(0, -1), ...extraArgs, ...args.slice(-1)];
  }
  const path = join(dir, file.replaceAll('/', '-'));
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/**
 * Runs the real MCP Inspector CLI the way its README says, through `npx` (`--no`: use the installed devDependency,
 * never download), from the repository root. The Inspector keeps its own secrets in memory only.
 */
export function runInspector(args: string[], options: { timeoutMs?: number; onStderr?: (stderrSoFar: string) => void } = {}): Promise<Finished> {
  return run('npx', ['--no', '--', '@modelcontextprotocol/inspector', '--cli', ...args], {
    env: { ...process.env, MCP_INSPECTOR_SECRET_STORE: 'memory', NO_COLOR: '1' },
    timeoutMs: options.timeoutMs ?? 20_000,
    ...(options.onStderr && { onStderr: options.onStderr }),
    label: `the MCP Inspector (${args.join(' ')})`,
  });
}

/** The JSON document the Inspector CLI printed on stdout; throws with its output when there is none. */
export function inspectorJson<T>(result: Finished): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`the Inspector printed no JSON (exit ${result.code}):\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`);
  }
}

/** What the example's `whoami` tool returns. */
export interface ExampleWhoAmI {
  sub: string;
  client_id: string;
  scopes: string[];
  expires_at: string;
}
