// What survives when the bridge itself is killed with SIGKILL (nothing of ours runs then): measured with a small
// parent process (test/fixtures/stdio/parent.ts) that holds the stdio connector, killed with SIGKILL, and the child's
// process group checked afterwards. The child sees its stdin close (EOF) and nothing else: a server that exits on
// EOF goes with its group, a server that something keeps running (a timer, a child process of its own) is left
// behind as an orphan. These tests pin that measurement; see process-group.ts.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { groupRunning } from '../../../src/upstream/stdio/group-liveness.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { EVERYTHING_ENTRY, FIXTURE_SERVER, killGroupAtTeardown } from '../../helpers/stdio-bridge.js';
import { waitFor, withTimeout } from '../../helpers/wait.js';

useTeardown();

const PARENT = fileURLToPath(new URL('../../fixtures/stdio/parent.ts', import.meta.url));
/** A zombie waits for the system to reap it; on these machines that can take seconds. */
const GONE = { timeoutMs: 20_000, intervalMs: 100 };

interface Started {
  parent: number;
  child: number;
  grandchild: number | undefined;
}

/** Starts the parent on `command args`, waits until its child answered initialize; everything is killed at teardown. */
async function startParent(spec: { command: string; args: string[]; grandchild?: boolean }): Promise<Started> {
  const parent = spawn(process.execPath, ['--import', 'tsx', PARENT, JSON.stringify(spec)], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => parent.once('exit', () => resolve()));
  onTeardown(() => withTimeout('the parent to exit', exited, 10_000));
  killGroupAtTeardown(parent.pid!); // runs first: teardown goes newest first
  let out = '';
  let err = '';
  parent.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  parent.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const line = await waitFor(`the parent's report (stderr so far: ${err})`, () => (out.includes('\n') ? out.split('\n')[0] : undefined), { timeoutMs: 20_000 });
  const report = JSON.parse(line!) as { pid: number; grandchild?: number };
  killGroupAtTeardown(report.pid);
  return { parent: parent.pid!, child: report.pid, grandchild: report.grandchild };
}

/** The parent process id of `pid`, from /proc (Linux). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

async function killParent(started: Started): Promise<void> {
  process.kill(started.parent, 'SIGKILL');
  // Once the parent is gone, the child is someone else's (or gone): its stdin has been closed.
  await waitFor('the child to lose its parent', () => parentOf(started.child) !== started.parent, GONE);
}

describe.runIf(process.platform === 'linux')('the bridge killed with SIGKILL', () => {
  it('server-everything exits on EOF: its process group is gone', async () => {
    const started = await startParent({ command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] });
    expect(groupRunning(started.child)).toBe(true);
    await killParent(started);
    await waitFor(`process group ${started.child} to stop running`, () => !groupRunning(started.child), GONE);
  });

  it('an SDK server (McpServer over StdioServerTransport) with nothing else to do exits on EOF: its group is gone', async () => {
    const started = await startParent({ command: process.execPath, args: [FIXTURE_SERVER] });
    await killParent(started);
    await waitFor(`process group ${started.child} to stop running`, () => !groupRunning(started.child), GONE);
  });

  it('a server kept running by a child process of its own survives, and so does that child: an orphaned group', async () => {
    const started = await startParent({ command: process.execPath, args: [FIXTURE_SERVER], grandchild: true });
    expect(started.grandchild).toBeGreaterThan(0);
    await killParent(started);
    // Give EOF time to act: an exit would come within this window, as in the cases above.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(groupRunning(started.child)).toBe(true);
    expect(parentOf(started.child)).not.toBe(started.parent);
    expect(parentOf(started.grandchild!)).toBe(started.child);
  });

  it('a server kept running by a timer survives as an orphan', async () => {
    const started = await startParent({ command: process.execPath, args: [FIXTURE_SERVER, '--ignore-sigterm'] });
    await killParent(started);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(groupRunning(started.child)).toBe(true);
  });
});
