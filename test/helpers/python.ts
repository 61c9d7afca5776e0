/**
 * The Python MCP SDK for the tests: a virtual environment at `.tmp/pyenv` with `mcp` 2.x, made once (parallel test
 * workers wait for the one making it, through a lock directory), and the fixture servers of test/fixtures/python/
 * started in it. When the environment cannot be made the tests fail with what to install; they never skip.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startChildServer, type ChildServer } from './child-server.js';
import { waitFor } from './wait.js';

/** The Python SDK release the fixtures are written for. */
export const PYTHON_MCP_VERSION = '2.3.0';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENV_DIR = join(ROOT, '.tmp', 'pyenv');
const LOCK_DIR = join(ROOT, '.tmp', 'pyenv.lock');
const READY = join(ENV_DIR, `.mcp-${PYTHON_MCP_VERSION}-ready`);
const PYTHON = join(ENV_DIR, 'bin', 'python');
const FIXTURES = fileURLToPath(new URL('../fixtures/python/', import.meta.url));

/** Longest time making the environment may take (first run, cold package cache). */
const MAKE_LIMIT_MS = 8 * 60_000;

async function make(): Promise<void> {
  rmSync(ENV_DIR, { recursive: true, force: true });
  const run = async (command: string, args: string[]) => {
    try {
      await promisify(execFile)(command, args, { timeout: MAKE_LIMIT_MS, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      const e = error as { stderr?: string; stdout?: string; message: string };
      const output = `${e.stdout ?? ''}${e.stderr ?? ''}`.split('\n').filter((l) => !/^WARNING: (Location|Retrying)/.test(l));
      throw new Error(
        `could not make the Python environment for the Python SDK tests (${ENV_DIR}): \`${command} ${args.join(' ')}\` failed: ` +
          `${e.message.split('\n')[0]}\n${output.slice(-25).join('\n')}\n` +
          `These tests need python3 with the venv module (Debian: apt-get install -y python3-venv) and a package index or ` +
          `wheel mirror that has mcp==${PYTHON_MCP_VERSION}.`,
        { cause: error },
      );
    }
  };
  await run('python3', ['-m', 'venv', ENV_DIR]);
  // --retries 0: where the default index is unreachable, pip moves on to the configured mirrors at once.
  await run(PYTHON, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--retries', '0', `mcp==${PYTHON_MCP_VERSION}`]);
  writeFileSync(READY, `${new Date().toISOString()}\n`);
}

/**
 * Returns the environment's python, making the environment first when needed (a minute or more on a cold
 * machine: give the calling hook a long timeout). Throws with what to install when it cannot be made.
 */
export async function pythonWithMcp(): Promise<string> {
  if (existsSync(READY)) return PYTHON;
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  await waitFor(
    'the lock on .tmp/pyenv (another test worker is making the Python environment)',
    async () => {
      if (existsSync(READY)) return true;
      try {
        mkdirSync(LOCK_DIR);
      } catch {
        // Held by another worker; a lock older than the longest make is left over from a killed run.
        try {
          if (Date.now() - statSync(LOCK_DIR).mtimeMs > MAKE_LIMIT_MS) rmSync(LOCK_DIR, { recursive: true, force: true });
        } catch {
          // released meanwhile
        }
        return false;
      }
      try {
        if (!existsSync(READY)) await make();
      } finally {
        rmSync(LOCK_DIR, { recursive: true, force: true });
      }
      return true;
    },
    { timeoutMs: MAKE_LIMIT_MS + 60_000, intervalMs: 250 },
  );
  return PYTHON;
}

/** How the Python fixture server serves MCP. */
export type PythonServerMode = 'stateful' | 'json' | 'stateless' | 'sse';

/** A running Python fixture server. */
export interface PythonServer extends ChildServer {
  /** Its MCP endpoint: `/mcp`, or `/sse` in `sse` mode. */
  url: string;
}

/**
 * Starts test/fixtures/python/asking_server.py (tools `ask_roots`, `ask_sampling`, `echo`) in `mode`:
 * Streamable HTTP stateful with SSE responses, stateful with JSON responses, stateless (JSON), or legacy SSE.
 */
export async function startPythonServer(mode: PythonServerMode): Promise<PythonServer> {
  const python = await pythonWithMcp();
  const port = await freePort();
  const server = await startChildServer({
    name: `the Python ${mode} server`,
    command: python,
    args: [join(FIXTURES, 'asking_server.py'), mode, String(port)],
    env: { PYTHONUNBUFFERED: '1' },
    port,
  });
  return { ...server, url: `http://127.0.0.1:${port}/${mode === 'sse' ? 'sse' : 'mcp'}` };
}

/** How a client finds the Python authorization server: RFC 9728 protected-resource metadata, or the 2025-03-26 way. */
export type PythonAuthDiscovery = 'prm' | 'legacy';

/** How the Python authorization server's MCP endpoint is served: Streamable HTTP at `/mcp`, or legacy SSE at `/sse`. */
export type PythonAuthTransport = 'streamable-http' | 'sse';

/** One HTTP request the Python authorization server saw (see test/fixtures/python/auth_server.py). */
export interface PythonAuthRequest {
  method: string;
  path: string;
  query: string;
  status: number | null;
  /** Token requests only: how the client authenticated (never a secret). */
  grantType?: string | null;
  clientIdInBody?: boolean;
  secretInBody?: boolean;
  basic?: boolean;
  resource?: string | null;
}

/** A client the Python authorization server registered. */
export interface PythonAuthClient {
  tokenEndpointAuthMethod: string | null;
  redirectUris: string[];
  scope: string | null;
  grantTypes: string[];
}

/** What the Python authorization server saw so far. */
export interface PythonAuthState {
  requests: PythonAuthRequest[];
  clients: Record<string, PythonAuthClient>;
}

/** A running Python MCP server with the SDK's own authorization server. */
export interface PythonAuthServer extends ChildServer {
  /** Its MCP endpoint (`/mcp`, or `/sse`), which needs a bearer token. */
  url: string;
  origin: string;
  /** Its record of requests and registered clients. */
  state(): Promise<PythonAuthState>;
}

/** Options for {@link startPythonAuthServer}. */
export interface PythonAuthServerOptions {
  discovery: PythonAuthDiscovery;
  /** Access token lifetime in seconds. Default 3600. */
  accessTokenSeconds?: number;
  /** The port to listen on (to restart a server where it was). Default: a free one. */
  port?: number;
  /** How it serves MCP. Default `streamable-http`. */
  transport?: PythonAuthTransport;
}

/**
 * Starts test/fixtures/python/auth_server.py: an MCP server (tool `whoami`) protected by the Python SDK's own
 * authorization server routes over an in-memory provider that approves every authorization request.
 */
export async function startPythonAuthServer(options: PythonAuthServerOptions): Promise<PythonAuthServer> {
  const python = await pythonWithMcp();
  const port = options.port ?? (await freePort());
  const server = await startChildServer({
    name: `the Python authorization server (${options.discovery})`,
    command: python,
    args: [join(FIXTURES, 'auth_server.py'), options.discovery, String(port), String(options.accessTokenSeconds ?? 3600), options.transport ?? 'streamable-http'],
    env: { PYTHONUNBUFFERED: '1', PYTHONWARNINGS: 'ignore' },
    port,
  });
  const origin = `http://127.0.0.1:${port}`;
  return {
    ...server,
    url: `${origin}/${options.transport === 'sse' ? 'sse' : 'mcp'}`,
    origin,
    state: async () => {
      const response = await fetch(`${origin}/fixture/state`);
      if (!response.ok) throw new Error(`GET /fixture/state answered ${response.status}\n--- server output ---\n${server.output()}`);
      return (await response.json()) as PythonAuthState;
    },
  };
}
