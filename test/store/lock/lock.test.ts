import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BridgeError, ErrorCode, isBridgeError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import { acquireLock, lockFilePath, tokenKey } from '../../../src/store/index.js';
import type { LockChildSpec } from '../helpers/lock-child.js';
import { isolatedEnv, runChild } from '../helpers/run-child.js';

const KEY = tokenKey({ issuer: 'https://auth.example.com', resource: 'https://mcp.example.com/mcp', clientId: 'client-123' });

let configDir: string;
let lockPath: string;
beforeEach(async () => {
  configDir = await mkdtemp(join(tmpdir(), 'mab-lock-'));
  lockPath = lockFilePath(configDir, KEY);
});
afterEach(async () => {
  await rm(configDir, { recursive: true, force: true });
});

/** The pid of a process that has certainly exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

async function writeLock(content: object | string): Promise<void> {
  await mkdir(join(configDir, 'locks'), { recursive: true, mode: 0o700 });
  await writeFile(lockPath, typeof content === 'string' ? content : JSON.stringify(content), { mode: 0o600 });
}

async function lockContent(): Promise<{ pid: number; hostname: string; acquiredAt: number; nonce: string }> {
  return JSON.parse(await readFile(lockPath, 'utf8')) as never;
}

interface Interval {
  pid: number;
  start: number;
  end: number;
}

/** Parses the children's `pid start|end time` log into intervals sorted by start. */
function intervals(log: string): Interval[] {
  const open = new Map<number, number>();
  const out: Interval[] = [];
  for (const line of log.trim().split('\n')) {
    const [pid, what, time] = line.split(' ');
    if (what === 'start') open.set(Number(pid), Number(time));
    else out.push({ pid: Number(pid), start: open.get(Number(pid))!, end: Number(time) });
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

async function contend(children: number, spec: Omit<LockChildSpec, 'configDir' | 'key' | 'startAt' | 'logFile' | 'counterFile'>) {
  const logFile = join(configDir, 'intervals.log');
  const counterFile = join(configDir, 'counter');
  await writeFile(counterFile, '0');
  await writeFile(logFile, '');
  // A common start time after tsx start-up, so that the children really contend.
  const startAt = Date.now() + 1_200;
  const runs = Array.from({ length: children }, () =>
    runChild<{ pid: number; error?: string }>(
      './lock-child.ts',
      { ...spec, configDir, key: KEY, startAt, logFile, counterFile } satisfies LockChildSpec,
      { env: isolatedEnv() },
    ),
  );
  const results = await Promise.all(runs);
  return {
    errors: results.map((r) => r.result.error).filter(Boolean),
    intervals: intervals(await readFile(logFile, 'utf8')),
    counter: Number(await readFile(counterFile, 'utf8')),
  };
}

function expectDisjoint(list: Interval[]): void {
  for (let i = 1; i < list.length; i++) expect(list[i]!.start).toBeGreaterThanOrEqual(list[i - 1]!.end);
}

describe('cross-process credential lock', () => {
  it('serializes two processes contending for the same key', async () => {
    const { errors, intervals: list, counter } = await contend(2, { iterations: 5, holdMs: 40 });
    expect(errors).toEqual([]);
    expect(list).toHaveLength(10);
    expect(new Set(list.map((i) => i.pid)).size).toBe(2);
    expectDisjoint(list);
    // A lost update in the read-modify-write would show here.
    expect(counter).toBe(10);
    await expect(stat(lockPath)).rejects.toThrow(/ENOENT/);
  });

  it('lets only one of several waiters take over the same stale lock at a time', async () => {
    await writeLock({ pid: await deadPid(), hostname: hostname(), acquiredAt: Date.now(), nonce: 'deadbeefdeadbeef' });
    const { errors, intervals: list, counter } = await contend(3, { iterations: 2, holdMs: 60, pollMs: 5 });
    expect(errors).toEqual([]);
    expect(list).toHaveLength(6);
    expectDisjoint(list);
    expect(counter).toBe(6);
    // No claim files are left behind.
    expect((await readdir(join(configDir, 'locks'))).filter((n) => n.endsWith('.claim'))).toEqual([]);
  });

  it('records pid, hostname, start time and a nonce in a 0600 file', async () => {
    const lock = await acquireLock(KEY, { configDir, now: () => 1_234_567 });
    const content = await lockContent();
    expect(content).toMatchObject({ pid: process.pid, hostname: hostname(), acquiredAt: 1_234_567 });
    expect(content.nonce).toMatch(/^[0-9a-f]{24}$/);
    expect((await stat(lockPath)).mode & 0o777).toBe(0o600);
    expect(lock.path).toBe(lockPath);
    await lock.release();
  });

  it('takes over a lock whose process has exited', async () => {
    await writeLock({ pid: await deadPid(), hostname: hostname(), acquiredAt: Date.now(), nonce: 'deadbeefdeadbeef' });
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', stream: { write: (l: string) => lines.push(l) } });
    const lock = await acquireLock(KEY, { configDir, timeoutMs: 2_000, logger });
    expect((await lockContent()).pid).toBe(process.pid);
    expect(lines.join('')).toMatch(/Took over the credential lock .*has exited/);
    await lock.release();
  });

  it('takes over a lock older than staleAfterMs even if its process is alive', async () => {
    const now = 10_000_000;
    await writeLock({ pid: process.pid, hostname: hostname(), acquiredAt: now - 61_000, nonce: 'aaaaaaaaaaaaaaaa' });
    const lock = await acquireLock(KEY, { configDir, staleAfterMs: 60_000, timeoutMs: 2_000, now: () => now });
    expect((await lockContent()).acquiredAt).toBe(now);
    await lock.release();
  });

  it('treats a lock of a live process on another host as live until it is old', async () => {
    await writeLock({ pid: await deadPid(), hostname: 'some-other-host', acquiredAt: Date.now(), nonce: 'bbbbbbbbbbbbbbbb' });
    const error = await acquireLock(KEY, { configDir, timeoutMs: 200, pollMs: 20 }).catch((e: unknown) => e);
    expect(isBridgeError(error, ErrorCode.Store)).toBe(true);
  });

  it('takes over an unreadable lock file only once it is a few seconds old', async () => {
    await writeLock('');
    const fresh = await acquireLock(KEY, { configDir, timeoutMs: 150, pollMs: 20 }).catch((e: unknown) => e);
    expect(isBridgeError(fresh, ErrorCode.Store)).toBe(true);
    const old = new Date(Date.now() - 60_000);
    await utimes(lockPath, old, old);
    const lock = await acquireLock(KEY, { configDir, timeoutMs: 1_000, pollMs: 20 });
    expect((await lockContent()).pid).toBe(process.pid);
    await lock.release();
  });

  it('times out with a typed error naming the holder and what to do', async () => {
    const holder = await acquireLock(KEY, { configDir });
    const started = performance.now();
    const error = await acquireLock(KEY, { configDir, timeoutMs: 300, pollMs: 20 }).catch((e: unknown) => e);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(error).toBeInstanceOf(BridgeError);
    expect((error as BridgeError).code).toBe(ErrorCode.Store);
    expect((error as BridgeError).message).toContain(`held by process ${process.pid}`);
    expect((error as BridgeError).hint).toContain(lockPath);
    await holder.release();
  });

  it('stops waiting when aborted, rejecting with the abort reason', async () => {
    const holder = await acquireLock(KEY, { configDir });
    const controller = new AbortController();
    const waiting = acquireLock(KEY, { configDir, signal: controller.signal, pollMs: 20 });
    setTimeout(() => controller.abort(), 100);
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    await expect(acquireLock(KEY, { configDir, signal: AbortSignal.abort(new Error('gone')) })).rejects.toThrow('gone');
    // The holder still holds it.
    expect((await lockContent()).pid).toBe(process.pid);
    await holder.release();
  });

  it('hands the lock to a waiter in the same process when released', async () => {
    const first = await acquireLock(KEY, { configDir });
    let secondAcquired = false;
    const second = acquireLock(KEY, { configDir, pollMs: 10, timeoutMs: 2_000 }).then((l) => {
      secondAcquired = true;
      return l;
    });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(secondAcquired).toBe(false);
    await first.release();
    const lock = await second;
    expect(secondAcquired).toBe(true);
    await lock.release();
  });

  it("tells a waiter the note its holder left (a 0600 file), once, and never a note a former holder left", async () => {
    const first = await acquireLock(KEY, { configDir });
    await first.note('https://as.example/authorize?state=one');
    expect((await stat(`${lockPath}.note`)).mode & 0o777).toBe(0o600);
    const heard: Array<string | undefined> = [];
    const second = acquireLock(KEY, { configDir, pollMs: 10, timeoutMs: 5_000, onHeld: (note) => heard.push(note) });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(heard).toEqual(['https://as.example/authorize?state=one']);
    await first.note(undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heard).toEqual(['https://as.example/authorize?state=one', undefined]);
    await first.note('https://as.example/authorize?state=two');
    await first.release();
    const lock = await second;
    // Released with its lock; a note the next holder finds from a holder that died is not its own, and not told.
    await expect(stat(`${lockPath}.note`)).rejects.toThrow(/ENOENT/);
    await writeFile(`${lockPath}.note`, JSON.stringify({ nonce: 'a-former-holder', note: 'stale' }), { mode: 0o600 });
    const third: Array<string | undefined> = [];
    const waiting = acquireLock(KEY, { configDir, pollMs: 10, timeoutMs: 5_000, onHeld: (note) => third.push(note) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await lock.release();
    await (await waiting).release();
    expect(third).toEqual([undefined]);
  });

  it('release is idempotent and never deletes a lock another process took over', async () => {
    const now = { value: 1_000_000 };
    const old = await acquireLock(KEY, { configDir, now: () => now.value });
    // Another waiter, much later, considers it stale and takes it over.
    now.value += 20 * 60_000;
    const taker = await acquireLock(KEY, { configDir, staleAfterMs: 60_000, now: () => now.value, timeoutMs: 1_000 });
    const takerNonce = (await lockContent()).nonce;
    await old.release();
    await old.release();
    expect((await lockContent()).nonce).toBe(takerNonce);
    await Promise.all([taker.release(), taker.release()]);
    await expect(stat(lockPath)).rejects.toThrow(/ENOENT/);
    await taker.release();
  });
});
