// Runs a TypeScript helper script in a fresh Node process (via tsx), passing a JSON spec as argv[2] and parsing the
// JSON object it prints as its last stdout line. Bounded: the child is killed after `timeoutMs`.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Options for {@link runChild}. */
export interface RunChildOptions {
  /** The complete environment of the child (nothing is inherited but what is given here). */
  env: NodeJS.ProcessEnv;
  /** Default 20 s. */
  timeoutMs?: number;
}

/** A finished child. */
export interface ChildOutcome<T> {
  code: number | null;
  result: T;
  stderr: string;
}

/** The environment of the test process without anything that points at a real session bus or display. */
export function isolatedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DBUS_SESSION_BUS_ADDRESS', 'DISPLAY', 'WAYLAND_DISPLAY', 'XDG_RUNTIME_DIR', 'NAPI_RS_NATIVE_LIBRARY_PATH']) {
    delete env[name];
  }
  return { ...env, ...extra };
}

/** Spawns `node --import tsx <script> <json spec>` and resolves the JSON it printed last. */
export function runChild<T>(script: string, spec: unknown, options: RunChildOptions): Promise<ChildOutcome<T>> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path, JSON.stringify(spec)], {
      cwd: ROOT,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not finish within ${options.timeoutMs ?? 20_000} ms; stderr: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve({ code, result: JSON.parse(last) as T, stderr });
      } catch {
        reject(new Error(`${script} exited ${code} without a JSON result; stdout: ${stdout} stderr: ${stderr}`));
      }
    });
  });
}
