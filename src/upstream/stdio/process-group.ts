/**
 * A local server's process and the process group it leads: started without a shell in a group of its own, so that
 * whatever it starts (a package runner's real server, a language runtime, helpers) can be stopped with it; stopped the
 * way MCP 2025-11-25 describes for stdio ("Lifecycle", "Shutdown"): its stdin closed, then SIGTERM, then SIGKILL —
 * each signal sent to the whole group.
 *
 * What the group cannot do: when the bridge itself is killed with SIGKILL, nothing of ours runs and nothing is
 * signalled (a process group gets no SIGHUP from a dead parent that is not its session leader). The child is
 * re-parented and sees its stdin close (EOF), nothing else. Measured on Linux (test/upstream/stdio/parent-killed.test.ts):
 * server-everything and an SDK server (McpServer over StdioServerTransport) with nothing else to do exit on EOF, so
 * their group is gone within a moment; a server that a timer or a child process of its own keeps running does not,
 * and its whole group is left behind, re-parented, until the user ends it — unless the connector was given the
 * watchdog of guardian.ts, as `--config` gives it, which then ends the group. (Linux's PR_SET_PDEATHSIG would cover
 * this, but Node.js does not offer it.) On Windows there are no process groups: the child alone is killed.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { groupRunning } from './group-liveness.js';

/** What to run. */
export interface ChildCommand {
  /** Run as given, looked up on the child's `PATH` by the system, never through a shell. */
  command: string;
  args: string[];
  /** The child's whole environment. */
  env: Record<string, string>;
  cwd: string | undefined;
}

/** Starts `what` in a process group of its own with three pipes; see {@link started} for whether it ran. */
export function spawnInGroup(what: ChildCommand): ChildProcessWithoutNullStreams {
  return spawn(what.command, what.args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: what.env,
    ...(what.cwd === undefined ? {} : { cwd: what.cwd }),
    shell: false,
    // Its own process group (setsid): the group can be signalled as a whole, and a Ctrl-C in the bridge's terminal
    // reaches the bridge only, which then stops the group in order.
    detached: true,
    windowsHide: true,
  });
}

/** Resolves once the child runs; rejects with the system error (ENOENT, EACCES…) when it could not be started. */
export function started(child: ChildProcessWithoutNullStreams): Promise<void> {
  return new Promise((resolve, reject) => {
    const onSpawn = () => {
      child.off('error', onError);
      resolve();
    };
    const onError = (error: Error) => {
      child.off('spawn', onSpawn);
      reject(error);
    };
    child.once('spawn', onSpawn);
    child.once('error', onError);
  });
}

/** Whether `child` has exited (and was reaped). */
export function hasExited(child: ChildProcessWithoutNullStreams): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Options for {@link stopGroup}. */
export interface StopGroupOptions {
  child: ChildProcessWithoutNullStreams;
  /** How long the child gets to exit by itself after its stdin closed, before SIGTERM. */
  eofGraceMs: number;
  /** How long the group gets after SIGTERM before SIGKILL. */
  stopGraceMs: number;
  /** Told which signals were needed. */
  note(text: string): void;
}

/** Longest wait for the child to be reaped after SIGKILL. */
const REAP_WAIT_MS = 2_000;
const POLL_MS = 50;

/**
 * Stops the child and its group: closes its stdin; after `eofGraceMs` (unless it exited) SIGTERM to the group; after
 * `stopGraceMs` SIGKILL to the group if any process in it still runs. Resolves once the child exited, or after a bound.
 */
export async function stopGroup(o: StopGroupOptions): Promise<void> {
  const { child } = o;
  const pid = child.pid;
  if (pid === undefined) return; // never started
  if (!child.stdin.destroyed) child.stdin.end();
  await waitUntil(() => hasExited(child), o.eofGraceMs);
  if (process.platform === 'win32') {
    if (!hasExited(child)) child.kill();
    await waitUntil(() => hasExited(child), o.stopGraceMs);
    return;
  }
  const settled = () => hasExited(child) && !groupRunning(pid);
  if (settled()) return;
  signalGroup(pid, 'SIGTERM');
  if (await waitUntil(settled, o.stopGraceMs)) return;
  if (groupRunning(pid)) {
    o.note(`the process group did not stop within ${o.stopGraceMs} ms of SIGTERM: sent SIGKILL`);
    signalGroup(pid, 'SIGKILL');
  }
  await waitUntil(() => hasExited(child), REAP_WAIT_MS);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone already
  }
}

/** Polls `done` until it is true (resolves true) or `ms` passed (resolves false). */
async function waitUntil(done: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}
