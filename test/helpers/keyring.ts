/**
 * A private, real Secret Service for tests: its own D-Bus session bus (dbus-daemon with a config that has no
 * service activation, so nothing else is started behind our back) and its own gnome-keyring-daemon with a throw-away
 * HOME, unlocked with a password fed on stdin. Nothing touches the user's real keyring or session bus.
 *
 * Needs the Debian packages `gnome-keyring dbus libsecret-tools`; when they are missing, {@link startPrivateKeyring}
 * throws an error naming them, so keychain tests fail loudly instead of skipping.
 *
 * `@napi-rs/keyring` caches its Secret Service connection (or the failure to get one) for the life of a process, so
 * code under test must run in a child process that gets {@link PrivateKeyring.env}; never load the native module in
 * the test process itself.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** The Debian packages the keychain tests need. */
export const KEYRING_PACKAGES = ['gnome-keyring', 'dbus', 'libsecret-tools'] as const;

const TOOLS: ReadonlyArray<[tool: string, pkg: string]> = [
  ['dbus-daemon', 'dbus'],
  ['dbus-send', 'dbus'],
  ['gnome-keyring-daemon', 'gnome-keyring'],
  ['secret-tool', 'libsecret-tools'],
];

/** The absolute path of executable `name` on PATH, or undefined. */
export function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Throws an error naming the Debian packages to install when a tool the keychain tests need is missing. */
export function assertKeyringTools(): void {
  const missing = TOOLS.filter(([tool]) => findExecutable(tool) === undefined);
  if (missing.length === 0) return;
  throw new Error(
    `The keychain tests need a real Secret Service, but ${missing.map(([t]) => t).join(', ')} ` +
      `${missing.length === 1 ? 'is' : 'are'} not on PATH. Install the Debian packages: ` +
      `apt-get install -y ${KEYRING_PACKAGES.join(' ')}`,
  );
}

/** A running private bus + keyring. */
export interface PrivateKeyring {
  /** Environment variables that point a process at this keyring (and only this one). */
  readonly env: { DBUS_SESSION_BUS_ADDRESS: string };
  /** Locks the default collection through the Secret Service D-Bus API (`org.freedesktop.Secret.Service.Lock`). */
  lock(): Promise<void>;
  /** Whether the default collection is locked (its `Locked` property). */
  isLocked(): Promise<boolean>;
  /** Reads a secret with `secret-tool`, independently of the code under test; undefined when there is none. */
  lookup(service: string, account: string): Promise<string | undefined>;
  /** The accounts (`username` attributes) stored under `service`, per `secret-tool search --all`. */
  accounts(service: string): Promise<string[]>;
  /** Deletes a secret with `secret-tool clear`. */
  clear(service: string, account: string): Promise<void>;
  /** Stores a secret with `secret-tool` under the same attributes @napi-rs/keyring uses (`service`, `username`). */
  store(service: string, account: string, secret: string): Promise<void>;
  /** Stops both daemons (bounded) and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** Options for {@link startPrivateKeyring}. */
export interface PrivateKeyringOptions {
  /** Start the daemon with `--unlock` (creating and unlocking the login keyring). Default true. */
  unlock?: boolean;
  /** Start gnome-keyring-daemon at all. Default true; false leaves a bare bus with no Secret Service provider. */
  secretService?: boolean;
  /** Bound on start-up. Default 10 s. */
  timeoutMs?: number;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if a test run dies without calling stop(): never leave daemons behind.
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

function baseEnv(dir: string, busAddress?: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    HOME: join(dir, 'home'),
    XDG_DATA_HOME: join(dir, 'home', 'data'),
    XDG_CONFIG_HOME: join(dir, 'home', 'config'),
    XDG_CACHE_HOME: join(dir, 'home', 'cache'),
    XDG_RUNTIME_DIR: join(dir, 'run'),
    ...(busAddress ? { DBUS_SESSION_BUS_ADDRESS: busAddress } : {}),
  };
}

function busConfig(socket: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 5_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    live.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = (ms: number) => new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
  if ((await Promise.race([exited, timer(3_000)])) === 'timeout') {
    child.kill('SIGKILL');
    await Promise.race([exited, timer(2_000)]);
  }
  live.delete(child);
}

function firstLine(stream: NodeJS.ReadableStream, timeoutMs: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${what} printed nothing within ${timeoutMs} ms`)), timeoutMs);
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(buffer.slice(0, nl).trim());
      }
    });
    stream.on('end', () => {
      clearTimeout(timer);
      reject(new Error(`${what} exited before printing its address`));
    });
  });
}

/**
 * Starts a private D-Bus session bus and a gnome-keyring-daemon (secrets component only) on it. With `unlock`
 * (default), the daemon creates the login keyring with a random password read from stdin and sets it as the
 * default collection, as a desktop login would. Without it, there is no unlocked default collection at all.
 */
export async function startPrivateKeyring(options: PrivateKeyringOptions = {}): Promise<PrivateKeyring> {
  assertKeyringTools();
  installExitHook();
  const unlock = options.unlock ?? true;
  const secretService = options.secretService ?? true;
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const dir = await mkdtemp(join(tmpdir(), 'mab-keyring-'));
  const children: ChildProcess[] = [];
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const child of children.reverse()) await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await mkdir(join(dir, 'home', 'data'), { recursive: true, mode: 0o700 });
    await mkdir(join(dir, 'run'), { recursive: true, mode: 0o700 });
    const conf = join(dir, 'bus.conf');
    await writeFile(conf, busConfig(join(dir, 'bus')));

    const bus = spawn('dbus-daemon', ['--config-file', conf, '--print-address=1', '--nofork', '--nosyslog'], {
      env: baseEnv(dir),
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(bus);
    live.add(bus);
    const address = await firstLine(bus.stdout!, Math.max(1, deadline - Date.now()), 'dbus-daemon');
    const env = baseEnv(dir, address);

    const dbusSend = (dest: string, path: string, method: string, ...args: string[]) =>
      run('dbus-send', ['--session', '--print-reply', '--reply-timeout=3000', `--dest=${dest}`, path, method, ...args], env);
    const defaultCollection = async (): Promise<string> => {
      const r = await dbusSend('org.freedesktop.secrets', '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.ReadAlias', 'string:default');
      return /object path "([^"]+)"/.exec(r.stdout)?.[1] ?? '/';
    };

    if (secretService) {
      const keyring = spawn(
        'gnome-keyring-daemon',
        ['--foreground', '--components=secrets', ...(unlock ? ['--unlock'] : [])],
        { env, stdio: [unlock ? 'pipe' : 'ignore', 'ignore', 'pipe'] },
      );
      children.push(keyring);
      live.add(keyring);
      let keyringStderr = '';
      keyring.stderr!.setEncoding('utf8').on('data', (chunk: string) => (keyringStderr += chunk));
      if (unlock) keyring.stdin!.end(`pw-${process.pid}-${Date.now()}`);

      const ready = async (): Promise<boolean> => {
        const owner = await dbusSend('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets');
        if (!/boolean true/.test(owner.stdout)) return false;
        return !unlock || (await defaultCollection()) !== '/';
      };
      while (!(await ready())) {
        if (keyring.exitCode !== null || keyring.signalCode !== null) {
          throw new Error(`gnome-keyring-daemon exited during start-up: ${keyringStderr.trim() || `code ${keyring.exitCode}`}`);
        }
        if (Date.now() > deadline) throw new Error(`gnome-keyring-daemon did not come up on the private bus in time: ${keyringStderr.trim()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    const isLocked = async (): Promise<boolean> => {
      const collection = await defaultCollection();
      if (collection === '/') return true;
      const r = await dbusSend('org.freedesktop.secrets', collection, 'org.freedesktop.DBus.Properties.Get', 'string:org.freedesktop.Secret.Collection', 'string:Locked');
      return /boolean true/.test(r.stdout);
    };

    return {
      env: { DBUS_SESSION_BUS_ADDRESS: address },
      isLocked,
      async lock() {
        const collection = await defaultCollection();
        if (collection === '/') throw new Error('the private keyring has no default collection to lock');
        const r = await dbusSend('org.freedesktop.secrets', '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', `array:objpath:${collection}`);
        if (r.code !== 0) throw new Error(`Lock failed: ${r.stderr.trim()}`);
        if (!(await isLocked())) throw new Error('the default collection is still unlocked after Lock');
      },
      async store(service, account, secret) {
        const r = await new Promise<number | null>((resolve) => {
          const child = spawn('secret-tool', ['store', '--label=test', 'service', service, 'username', account], {
            env,
            stdio: ['pipe', 'ignore', 'ignore'],
          });
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          child.on('exit', (code) => {
            clearTimeout(timer);
            resolve(code);
          });
          child.stdin.end(secret);
        });
        if (r !== 0) throw new Error(`secret-tool store failed (${r})`);
      },
      async accounts(service) {
        const r = await run('secret-tool', ['search', '--all', 'service', service], env);
        const all = `${r.stdout}\n${r.stderr}`; // secret-tool prints attributes on stderr
        return [...all.matchAll(/^attribute\.username = (.*)$/gm)].map((m) => m[1]!.trim()).sort();
      },
      async clear(service, account) {
        const r = await run('secret-tool', ['clear', 'service', service, 'username', account], env);
        if (r.code !== 0) throw new Error(`secret-tool clear failed: ${r.stderr.trim()}`);
      },
      async lookup(service, account) {
        const r = await run('secret-tool', ['lookup', 'service', service, 'username', account], env);
        return r.code === 0 ? r.stdout : undefined;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Starts a {@link startPrivateKeyring} once for the enclosing `describe` (in `beforeAll`, stopped in `afterAll`) and
 * returns a getter for it, to call inside the tests.
 */
export function usePrivateKeyring(options: PrivateKeyringOptions = {}): () => PrivateKeyring {
  let keyring: PrivateKeyring | undefined;
  beforeAll(async () => {
    keyring = await startPrivateKeyring(options);
  }, 20_000);
  afterAll(async () => {
    await keyring?.stop();
  });
  return () => {
    if (!keyring) throw new Error('the private keyring is not running (its beforeAll failed or has not run)');
    return keyring;
  };
}
