/**
 * File-system primitives for credential files: private directories (0700), private files (0600), and atomic
 * replacement (temp file in the same directory + fsync + rename + fsync of the directory), so that a reader, or a
 * crash, never sees a half-written file.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BridgeError, ErrorCode } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';

/** Mode of every directory the store creates. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of every file the store writes. */
export const PRIVATE_FILE_MODE = 0o600;

const POSIX = process.platform !== 'win32';

/** Options for the functions in this module. */
export interface PrivateFsOptions {
  /** Receives a warning when a directory or file had to be made private. Default {@link silentLogger}. */
  logger?: Logger;
}

/** The error code of a Node.js system error, if `error` is one. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function modeText(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}

/**
 * Creates `dir` (and missing parents) with mode 0700, or, when it exists with permissions for group or others,
 * restricts it to 0700 and warns. Throws a {@link ErrorCode.Store} error when it cannot, or when `dir` is not a
 * directory.
 */
export async function ensurePrivateDir(dir: string, options: PrivateFsOptions = {}): Promise<void> {
  const logger = options.logger ?? silentLogger;
  try {
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const info = await stat(dir);
    if (!info.isDirectory()) {
      throw new BridgeError(ErrorCode.Store, `The credential directory ${dir} exists but is not a directory`, {
        hint: 'Move that file away, or choose another --config-dir.',
      });
    }
    if (POSIX && (info.mode & 0o077) !== 0) {
      await chmod(dir, PRIVATE_DIR_MODE);
      logger.warn(
        `The credential directory ${dir} was accessible to other users (mode ${modeText(info.mode)}); restricted it to 0700`,
      );
    }
  } catch (error) {
    if (error instanceof BridgeError) throw error;
    throw new BridgeError(ErrorCode.Store, `Could not create or secure the credential directory ${dir}`, {
      cause: error,
      hint: 'Check the permissions of that directory, or choose another --config-dir.',
    });
  }
}

/** Whether `name` is one of the temp files {@link writeFileAtomic} creates (and may leave behind after a crash). */
export function isTempFileName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

async function fsyncDir(dir: string): Promise<void> {
  if (!POSIX) return; // Windows cannot open a directory for fsync; NTFS renames are journaled.
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some file systems refuse fsync on directories; the rename itself is still atomic there.
    if (!['EINVAL', 'EISDIR', 'EPERM', 'EBADF', 'ENOTSUP'].includes(errnoCode(error) ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}

/**
 * Replaces `file` with `data` atomically: writes a 0600 temp file in the same directory
 * (`.<name>.<pid>.<random>.tmp`), fsyncs it, renames it over `file`, then fsyncs the directory. Readers see the old
 * content or the new, never a mix. The directory must exist. On failure the temp file is removed and the system
 * error is thrown.
 */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const dir = dirname(file);
  const temp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', PRIVATE_FILE_MODE);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await fsyncDir(dir);
}

/**
 * Reads a private file as UTF-8, or `undefined` when it does not exist. A file readable by group or others is
 * restricted to 0600 first, with a warning. Other errors are thrown.
 */
export async function readPrivateFile(file: string, options: PrivateFsOptions = {}): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  try {
    if (POSIX) {
      const info = await handle.stat();
      if ((info.mode & 0o077) !== 0) {
        await handle.chmod(PRIVATE_FILE_MODE);
        (options.logger ?? silentLogger).warn(
          `The credential file ${file} was accessible to other users (mode ${modeText(info.mode)}); restricted it to 0600`,
        );
      }
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** Removes `file`; resolves whether it existed. */
export async function removeFile(file: string): Promise<boolean> {
  try {
    await rm(file);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/** The names in `dir`, or none when it does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw error;
  }
}
