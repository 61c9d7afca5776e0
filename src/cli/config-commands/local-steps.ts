/**
 * `doctor`'s steps for a local server of a `--config` file, without starting it: whether its command can be found
 * (on the PATH the child would be started with, as the operating system looks a command up; a command with a path
 * is taken from the working directory) and whether its working directory exists.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { LocalServer } from '../../config/file/types.js';
import type { DoctorStep } from '../run-doctor.js';

/** Options for {@link localSteps}. */
export interface LocalStepOptions {
  server: LocalServer;
  /** The bridge's environment (the child's is this with the entry's `env` on top). */
  env: NodeJS.ProcessEnv;
  /** The bridge's working directory (the child's when the entry gives no `cwd`). */
  cwd: string;
  /** The platform's name, as `process.platform`. */
  platform: NodeJS.Platform;
}

/** Whether `path` is a file this user may run (on Windows: a file). */
function runnable(path: string, platform: NodeJS.Platform): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    if (platform !== 'win32') accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where `command` would be found, or undefined. */
export function findCommand(command: string, o: { path: string; cwd: string; platform: NodeJS.Platform; pathExt?: string | undefined }): string | undefined {
  const win = o.platform === 'win32';
  // Windows runs `name` as `name.exe`, `name.cmd`… in that order.
  const suffixes = win ? ['', ...(o.pathExt ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)] : [''];
  const candidates = (base: string) => suffixes.map((s) => base + s);
  if (command.includes('/') || (win && command.includes('\\'))) {
    const base = isAbsolute(command) ? command : resolve(o.cwd, command);
    return candidates(base).find((p) => runnable(p, o.platform));
  }
  for (const dir of o.path.split(win ? ';' : delimiter)) {
    if (dir === '') continue;
    const found = candidates(join(dir, command)).find((p) => runnable(p, o.platform));
    if (found) return found;
  }
  return undefined;
}

/** The steps for one local server. */
export function localSteps(o: LocalStepOptions): DoctorStep[] {
  const { server } = o;
  const steps: DoctorStep[] = [];
  const childEnv = { ...o.env, ...server.env };
  const path = childEnv.PATH ?? childEnv.Path ?? '';
  const cwd = server.cwd ?? o.cwd;
  if (server.cwd !== undefined) {
    let isDir = false;
    try {
      isDir = statSync(server.cwd).isDirectory();
    } catch {
      isDir = false;
    }
    steps.push(
      isDir
        ? { name: 'Working directory', ok: true, detail: server.cwd }
        : { name: 'Working directory', ok: false, detail: `${server.cwd} does not exist or is not a directory`, fix: `create it, or correct "cwd" in the entry "${server.name}"` },
    );
  }
  const found = findCommand(server.command, { path, cwd, platform: o.platform, pathExt: childEnv.PATHEXT });
  const pathOrCwd = server.command.includes('/') ? `from ${cwd}` : 'on PATH';
  steps.push(
    found
      ? { name: 'Command', ok: true, detail: `${server.command} found at ${found} (not started)` }
      : {
          name: 'Command',
          ok: false,
          detail: `${server.command} cannot be found ${pathOrCwd}, or is not executable`,
          fix: `install it, or give its full path in "command" of the entry "${server.name}"${pathOrCwd === 'on PATH' ? ` (PATH is ${path || 'empty'})` : ''}`,
        },
  );
  return steps;
}
