/**
 * The Python 2026-07-28 fixture server (test/fixtures/py2026/): the Python SDK `mcp` 2.x as a child process in its
 * own process group on 127.0.0.1, serving Streamable HTTP at `/mcp` in one era or both, optionally as an OAuth
 * protected resource trusting the tests' OpenID provider. The same tools in every mode, so one client script can
 * compare what it sees through the bridge in each era. The environment is the one of test/helpers/python.ts.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startChildServer } from './child-server.js';
import { pythonWithMcp, type PythonServer } from './python.js';

const SERVER = fileURLToPath(new URL('../fixtures/py2026/server.py', import.meta.url));

/**
 * Which eras the server serves: `dual` both (as the SDK does), `modern` 2026-07-28 only (a handshake-era request gets
 * 400 with an UnsupportedProtocolVersionError naming the supported versions), `legacy` 2025-11-25 and earlier only (a
 * 2026 request gets 400 with no modern error, as from a server that predates 2026).
 */
export type Python2026Mode = 'dual' | 'modern' | 'legacy';

/** The OAuth setup of the protected variant. */
export interface Python2026Auth {
  /** The issuer whose JWT access tokens (RFC 9068) it accepts; named in its RFC 9728 metadata. */
  issuer: string;
  jwksUri: string;
  /** The scope every request needs. Default `mcp:read`. */
  scope?: string;
}

/** Options for {@link startPython2026Server}. */
export interface Python2026Options {
  mode: Python2026Mode;
  /** Makes `/mcp` a protected resource (audience = its own URL) and adds the tool `whoami`. */
  auth?: Python2026Auth;
}

/** A running Python 2026 fixture server. */
export interface Python2026Server extends PythonServer {
  mode: Python2026Mode;
}

/** The tools every mode serves (plus `whoami` when protected, and what `add_tool` adds); test/eras/sdk2-tools.ts serves the same. */
export const PYTHON_2026_TOOLS = [
  'echo',
  'add',
  'weather',
  'ask_sampling',
  'ask_elicit',
  'ask_roots',
  'log_all',
  'progress',
  'slow',
  'slow_status',
  'bump',
  'add_tool',
] as const;

/** Starts test/fixtures/py2026/server.py; killed with its process group after the test. */
export async function startPython2026Server(options: Python2026Options): Promise<Python2026Server> {
  const python = await pythonWithMcp();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/mcp`;
  const auth = options.auth ? [options.auth.issuer, options.auth.jwksUri, url, options.auth.scope ?? 'mcp:read'] : [];
  const server = await startChildServer({
    name: `the Python 2026 fixture server (${options.mode}${options.auth ? ', protected' : ''})`,
    command: python,
    args: [join(SERVER), options.mode, String(port), ...auth],
    env: { PYTHONUNBUFFERED: '1', PYTHONWARNINGS: 'ignore', PYTHONDONTWRITEBYTECODE: '1' },
    port,
  });
  return { ...server, url, mode: options.mode };
}
