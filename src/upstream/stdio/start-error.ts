/**
 * What the user is told when a local (stdio) server's command cannot be started: the system error of `spawn`
 * (ENOENT, EACCES, ENOTDIR…) turned into a `LOCAL_SERVER_START` {@link BridgeError} that names the server and the
 * command and says what to check. Decided on the error's `code`, never on its message.
 */
import { statSync } from 'node:fs';
import { BridgeError, ErrorCode } from '../../errors.js';

/** What was being started, for {@link startError}. */
export interface StartAttempt {
  /** The server's name in the configuration. */
  name: string;
  command: string;
  /** The working directory asked for, if any. */
  cwd: string | undefined;
  /** The `PATH` the command was looked up on. */
  path: string | undefined;
}

/** Longest part of `PATH` quoted in a hint. */
const PATH_SHOWN = 400;

/** The error for a command that could not be started; `cause` is the system error. */
export function startError(attempt: StartAttempt, cause: unknown): BridgeError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const what = `could not start the local server "${attempt.name}"`;
  const command = JSON.stringify(attempt.command);
  if ((code === 'ENOENT' || code === 'ENOTDIR') && attempt.cwd !== undefined && !isDirectory(attempt.cwd)) {
    return new BridgeError(ErrorCode.LocalServerStart, `${what}: its working directory ${JSON.stringify(attempt.cwd)} does not exist`, {
      cause,
      hint: `fix "cwd" in the entry for "${attempt.name}"`,
    });
  }
  if (code === 'ENOENT') {
    const path = attempt.path === undefined ? 'not set' : shorten(attempt.path);
    const hint = hasSeparator(attempt.command)
      ? 'check the path, or give the full path of the program in "command"'
      : process.platform === 'win32' && !attempt.command.includes('.')
        ? `is it installed? The command is looked up on PATH (${path}) without a shell, so a .cmd script such as npx needs "command": "cmd", "args": ["/c", "${attempt.command}", …]`
        : `is it installed? The command is looked up on PATH (${path}); give its full path in "command" if it is elsewhere`;
    return new BridgeError(ErrorCode.LocalServerStart, `${what}: command ${command} not found`, { cause, hint });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new BridgeError(ErrorCode.LocalServerStart, `${what}: command ${command} is not executable (${code})`, {
      cause,
      hint: 'check that it names a program (not a directory or a script without its interpreter) and that you may run it',
    });
  }
  return new BridgeError(ErrorCode.LocalServerStart, `${what}: command ${command} failed to start (${code ?? 'unknown error'})`, {
    cause,
    hint: 'check "command", "args" and "cwd" in its entry',
  });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function hasSeparator(command: string): boolean {
  return command.includes('/') || (process.platform === 'win32' && command.includes('\\'));
}

function shorten(text: string): string {
  return text.length <= PATH_SHOWN ? text : `${text.slice(0, PATH_SHOWN)}…`;
}
