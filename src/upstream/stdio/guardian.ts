/**
 * What stops local servers when the bridge cannot: a watchdog that outlives a bridge killed with SIGKILL (when
 * nothing of ours runs) and then ends the process groups the bridge had running.
 *
 * Without it, a local server that does not exit when its stdin closes (one kept running by a timer or by a child of
 * its own) is left behind, re-parented, until the user finds it (measured: test/upstream/stdio/parent-killed.test.ts;
 * Linux's parent-death signal would do this, but Node.js does not offer it). The watchdog is one small POSIX `sh`
 * process for the whole bridge, in a process group of its own, reading a pipe from the bridge: `+<pgid>` when a
 * server's group starts, `-<pgid>` once it is stopped. When the pipe closes — the bridge exited, however it died —
 * it sends SIGTERM to every group still listed, then SIGKILL after a grace, and exits; a bridge that stopped its
 * servers itself leaves nothing listed, so the watchdog just exits. Its script is fixed text: no server, user or
 * file value reaches it except the group ids, which are numbers the system gave. About 1 MB of memory; not used on
 * Windows (no process groups) or where `/bin/sh` is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Logger } from '../../log.js';

/** Keeps a list of process groups to stop if the bridge dies; see the module comment. */
export interface GroupGuardian {
  /** A server's process group started. */
  watch(pgid: number): void;
  /** That group is stopped (or gone): nothing to do for it any more. */
  release(pgid: number): void;
  /** The bridge ends normally: the watchdog exits (after stopping any group still listed). */
  close(): void;
}

/** Options for {@link createGroupGuardian}. */
export interface GroupGuardianOptions {
  logger: Logger;
  /** Seconds between SIGTERM and SIGKILL. Default 2. */
  graceSeconds?: number;
  /** The shell; default `/bin/sh`. */
  shell?: string;
}

/** The watchdog's script: POSIX sh, no external command but `kill` (a builtin) and `sleep`. */
function script(graceSeconds: number): string {
  return [
    "trap '' HUP INT",
    "g=' '",
    'while IFS= read -r l; do',
    '  case $l in',
    "    +*) n=${l#+}; case $n in ''|*[!0-9]*) ;; *) g=\"$g$n \";; esac ;;",
    "    -*) n=${l#-}; r=' '; for x in $g; do [ \"$x\" = \"$n\" ] || r=\"$r$x \"; done; g=$r ;;",
    '  esac',
    'done',
    'set -- $g',
    '[ $# -eq 0 ] && exit 0',
    'for x do kill -s TERM -- "-$x" 2>/dev/null; done',
    `sleep ${graceSeconds}`,
    'for x do kill -s KILL -- "-$x" 2>/dev/null; done',
    'exit 0',
  ].join('\n');
}

/**
 * Makes the guardian; its process starts with the first group it is told about. Without a usable shell (Windows,
 * no `/bin/sh`), every method does nothing, and a bridge killed with SIGKILL leaves what the module comment says.
 */
export function createGroupGuardian(options: GroupGuardianOptions): GroupGuardian {
  const shell = options.shell ?? '/bin/sh';
  const usable = process.platform !== 'win32' && existsSync(shell);
  let child: ChildProcess | undefined;
  let broken = !usable;
  const write = (line: string) => {
    if (broken) return;
    if (!child) {
      child = spawn(shell, ['-c', script(options.graceSeconds ?? 2)], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], shell: false });
      child.once('error', (error) => {
        broken = true;
        options.logger.debug(`the watchdog for local servers could not start: ${error.message}`);
      });
      child.stdin!.on('error', () => (broken = true));
      // Neither the watchdog nor its pipe keeps the bridge alive.
      child.unref();
      (child.stdin as unknown as { unref?: () => void }).unref?.();
    }
    child.stdin!.write(`${line}\n`);
  };
  return {
    watch: (pgid) => write(`+${pgid}`),
    release: (pgid) => {
      if (child) write(`-${pgid}`);
    },
    close: () => {
      child?.stdin?.end();
    },
  };
}
