/**
 * Third-party MCP servers run as child processes for the tests: each on 127.0.0.1 with a free port, in its own
 * process group (so whatever it starts goes too), ready once its port accepts connections, and killed with its group
 * at teardown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { onTeardown } from './cleanup.js';
import { waitFor, withTimeout } from './wait.js';

/** A server child process. */
export interface ChildServer {
  port: number;
  /** Everything it wrote on stdout and stderr so far. */
  output(): string;
  /** Kills its process group and waits (bounded) for it to exit. Idempotent. */
  close(): Promise<void>;
}

/** Options for {@link startChildServer}. */
export interface ChildServerOptions {
  command: string;
  args: string[];
  port: number;
  env?: Record<string, string>;
  /** What the server is, for error messages. */
  name: string;
  /** Bound on start-up. Default 30 s. */
  readyTimeoutMs?: number;
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** Starts the server and waits until its port accepts connections; see the module comment. */
export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const child = spawn(options.command, options.args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    killGroup(child, 'SIGKILL');
    await withTimeout(`${options.name} to exit`, exited, 10_000);
  };
  onTeardown(close);
  try {
    await waitFor(
      `${options.name} to accept connections on 127.0.0.1:${options.port}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${options.name} exited with code ${child.exitCode}:\n${text}`);
        return accepts(options.port);
      },
      { timeoutMs: options.readyTimeoutMs ?? 30_000, intervalMs: 50 },
    );
  } catch (error) {
    await close();
    throw new Error(`${(error as Error).message}\n--- ${options.name} output ---\n${text}`, { cause: error });
  }
  return { port: options.port, output: () => text, close };
}
