// A lock names its owner by pid, start time and boot id (Linux), so a lock whose pid is alive but belongs to another
// process (pid reuse: pid 1 written into it, or a pid the bridge's own after a crash) is stale at once, not after
// the stale timeout; while a lock whose owner really is alive still blocks.
import { readFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, isBridgeError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import { acquireLock, lockFilePath, tokenKey } from '../../../src/store/index.js';

const KEY = tokenKey({ issuer: 'https://auth.example.com', resource: 'https://mcp.example.com/mcp', clientId: '*' });
/** Far beyond the test's bounds: a lock taken over at all was taken over for its owner, not its age. */
const STALE_AFTER_MS = 10 * 60_000;

let configDir: string;
let lockPath: string;
beforeEach(async () => {
  configDir = await mkdtemp(join(tmpdir(), 'mab-lock-owner-'));
  lockPath = lockFilePath(configDir, KEY);
});
afterEach(async () => {
  await rm(configDir, { recursive: true, force: true });
});

async function startTimeOf(pid: number): Promise<string> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ')[19]!;
}
const bootId = async () => (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();

async function writeLock(owner: { pid: number; startTime?: string; bootId?: string }): Promise<void> {
  await mkdir(join(configDir, 'locks'), { recursive: true, mode: 0o700 });
  const content = { hostname: hostname(), acquiredAt: Date.now(), nonce: 'feedfacefeedface', ...owner };
  await writeFile(lockPath, JSON.stringify(content), { mode: 0o600 });
}

async function takeOver(): Promise<string> {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', stream: { write: (l: string) => lines.push(l) } });
  const lock = await acquireLock(KEY, { configDir, timeoutMs: 5_000, staleAfterMs: STALE_AFTER_MS, pollMs: 20, logger });
  expect(JSON.parse(await readFile(lockPath, 'utf8'))).toMatchObject({ pid: process.pid });
  await lock.release();
  return lines.join('');
}

describe('lock owner identity', () => {
  it('records the holder start time and boot id', async () => {
    const lock = await acquireLock(KEY, { configDir });
    expect(JSON.parse(await readFile(lockPath, 'utf8'))).toMatchObject({ pid: process.pid, startTime: await startTimeOf(process.pid), bootId: await bootId() });
    await lock.release();
  });

  it('a lock naming pid 1 (alive, but not the bridge that wrote it) is taken over at once', async () => {
    const real = await startTimeOf(1);
    await writeLock({ pid: 1, startTime: String(Number(real) + 12_345), bootId: await bootId() });
    expect(await takeOver()).toMatch(/Took over the credential lock .*pid 1\) has exited and the pid now belongs to another process/);
  });

  it('a lock naming this very process with a wrong start time is taken over at once', async () => {
    const real = await startTimeOf(process.pid);
    await writeLock({ pid: process.pid, startTime: String(Number(real) + 1), bootId: await bootId() });
    expect(await takeOver()).toMatch(/now belongs to another process/);
  });

  it('a lock written in an earlier boot is taken over at once, even when its pid and start time match', async () => {
    await writeLock({ pid: process.pid, startTime: await startTimeOf(process.pid), bootId: '00000000-0000-4000-8000-000000000000' });
    expect(await takeOver()).toMatch(/written before this machine last started/);
  });

  it('a lock whose owner is alive with the recorded start time and boot id still blocks', async () => {
    await writeLock({ pid: process.pid, startTime: await startTimeOf(process.pid), bootId: await bootId() });
    const error = await acquireLock(KEY, { configDir, timeoutMs: 400, staleAfterMs: STALE_AFTER_MS, pollMs: 20 }).catch((e: unknown) => e);
    expect(isBridgeError(error, ErrorCode.Store), String(error)).toBe(true);
    expect((error as Error).message).toContain(`held by process ${process.pid}`);
  });
});
