/**
 * File-system primitives for credential files: private directories (0700), private files (0600), and atomic
 * replacement (temp file in the same directory + fsync + rename + fsync of the directory), so that a reader, or a
 * crash, never sees a half-written file.
 *
 * Links are never followed inside the credential directory: files are opened with `O_NOFOLLOW` (a link at a
 * record path reads as a {@link ErrorCode.Store} error, and the next save replaces the link itself by rename),
 * directories inside it must be real directories, and modes are changed only with `fchmod` on a descriptor we
 * opened, of a regular file or directory owned by this user. The configuration directory itself may be a link
 * (dotfile setups link `~/.config`; the user chose that path): it is followed, and must lead to a directory of ours.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BridgeError, ErrorCode } from '../../errors.js';
import { type Logger, silentLogger } from '../../log.js';

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

/** `O_NOFOLLOW` where the platform has it (not on Windows, where the store checks with `lstat` instead). */
export const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
/** `O_NONBLOCK` where the platform has it: a FIFO planted at a record or lock path must not hang the open. */
export const NON_BLOCK = constants.O_NONBLOCK ?? 0;
const DIRECTORY = constants.O_DIRECTORY ?? 0;

/** This process's user id, or `undefined` where there is none (Windows). */
function ownUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/** Whether `info` belongs to this user (always true where there are no user ids). */
function isOwn(info: { uid: number }): boolean {
  const uid = ownUid();
  return uid === undefined || info.uid === uid;
}

/** Options for {@link ensurePrivateDir}. */
export interface EnsurePrivateDirOptions extends PrivateFsOptions {
  /**
   * `dir` is the configuration directory itself, which the user chose: a link there is followed. Inside it (the
   * default), a link is refused.
   */
  root?: boolean;
}

function dirError(dir: string, problem: string, hint: string, cause?: unknown): BridgeError {
  return new BridgeError(ErrorCode.Store, `The credential directory ${dir} ${problem}`, { cause, hint });
}

/**
 * Creates `dir` (and missing parents) with mode 0700, or, when it exists with permissions for group or others,
 * restricts it to 0700 (`fchmod`) and warns. Throws a {@link ErrorCode.Store} error when it cannot, when `dir` is
 * not a directory, is a symbolic link (unless `root`), or belongs to another user.
 */
export async function ensurePrivateDir(dir: string, options: EnsurePrivateDirOptions = {}): Promise<void> {
  const logger = options.logger ?? silentLogger;
  const moveAway = 'Move it away (the bridge creates what it needs), or choose another --config-dir.';
  try {
    try {
      await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw error;
    }
    const link = await lstat(dir);
    if (link.isSymbolicLink() && !options.root) {
      throw dirError(dir, 'is a symbolic link; the bridge never follows links inside its config directory', moveAway);
    }
    if (!POSIX) {
      if (!link.isDirectory() && !link.isSymbolicLink()) throw dirError(dir, 'exists but is not a directory', moveAway);
      return;
    }
    let handle: FileHandle;
    try {
      handle = await open(dir, constants.O_RDONLY | DIRECTORY | (options.root ? 0 : NO_FOLLOW));
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOTDIR') throw dirError(dir, 'exists but is not a directory', moveAway, error);
      if (code === 'ELOOP') throw dirError(dir, 'is a symbolic link; the bridge never follows links inside its config directory', moveAway, error);
      throw error;
    }
    try {
      const info = await handle.stat();
      if (!info.isDirectory()) throw dirError(dir, 'exists but is not a directory', moveAway);
      if (!isOwn(info)) {
        throw dirError(dir, 'belongs to another user', 'Use a config directory of your own (--config-dir); credentials must not live in a directory another user controls.');
      }
      if ((info.mode & 0o077) !== 0) {
        await handle.chmod(PRIVATE_DIR_MODE);
        logger.warn(
          `The credential directory ${dir} was accessible to other users (mode ${modeText(info.mode)}); restricted it to 0700`,
        );
      }
    } finally {
      await handle.close();
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
    handle = await open(dir, constants.O_RDONLY | DIRECTORY | NO_FOLLOW);
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
    // O_EXCL never follows a link; O_NOFOLLOW says so too. The rename then replaces whatever is at `file` — a link
    // included — and never writes through it.
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, PRIVATE_FILE_MODE);
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

/** Why {@link readPrivateFile} refused a file that exists. */
export type RefusedFileReason = 'symbolic-link' | 'not-regular' | 'foreign-owner';

/** What is wrong with each refused file, as a predicate ("it …"): the one wording for errors and log lines. */
export const REFUSED_FILE_TEXT: Readonly<Record<RefusedFileReason, string>> = {
  'symbolic-link': 'is a symbolic link, which is never followed',
  'not-regular': 'is not a regular file',
  'foreign-owner': 'belongs to another user',
};

/** Thrown by {@link readPrivateFile} for a file it will not read; `reason` says why, for callers to branch on. */
export class RefusedFileError extends BridgeError {
  readonly reason: RefusedFileReason;

  constructor(file: string, reason: RefusedFileReason, cause?: unknown) {
    super(ErrorCode.Store, `The credential file ${file} ${REFUSED_FILE_TEXT[reason]}`, {
      cause,
      hint: 'It is treated as absent and replaced at the next save; delete it if you did not put it there.',
    });
    this.reason = reason;
  }
}

/**
 * Reads a private file as UTF-8, or `undefined` when it does not exist. The file is opened without following a
 * link (`O_NOFOLLOW`) and must be a regular file of this user, else a {@link RefusedFileError} is thrown. One
 * readable by group or others is restricted to 0600 first (`fchmod` on that descriptor), with a warning. Other
 * errors are thrown.
 */
export async function readPrivateFile(file: string, options: PrivateFsOptions = {}): Promise<string | undefined> {
  let handle;
  try {
    if (!POSIX && (await lstat(file)).isSymbolicLink()) throw new RefusedFileError(file, 'symbolic-link');
    handle = await open(file, constants.O_RDONLY | NO_FOLLOW | NON_BLOCK);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    if (errnoCode(error) === 'ELOOP') throw new RefusedFileError(file, 'symbolic-link', error);
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new RefusedFileError(file, 'not-regular');
    if (!isOwn(info)) throw new RefusedFileError(file, 'foreign-owner');
    if (POSIX && (info.mode & 0o077) !== 0) {
      await handle.chmod(PRIVATE_FILE_MODE);
      (options.logger ?? silentLogger).warn(
        `The credential file ${file} was accessible to other users (mode ${modeText(info.mode)}); restricted it to 0600`,
      );
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
