// Child process for lock tests: waits until a common start time, then repeatedly takes the lock for one key, records
// start/end timestamps in a shared log, does a read-modify-write of a shared counter while holding it, and releases.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { acquireLock } from '../../../src/store/index.js';

export interface LockChildSpec {
  configDir: string;
  key: string;
  iterations: number;
  holdMs: number;
  startAt: number;
  logFile: string;
  counterFile: string;
  timeoutMs?: number;
  pollMs?: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LockChildSpec;
await sleep(Math.max(0, spec.startAt - Date.now()));
let error: string | undefined;
try {
  for (let i = 0; i < spec.iterations; i++) {
    const lock = await acquireLock(spec.key, { configDir: spec.configDir, timeoutMs: spec.timeoutMs ?? 15_000, pollMs: spec.pollMs ?? 10 });
    try {
      appendFileSync(spec.logFile, `${process.pid} start ${Date.now()}\n`);
      const n = Number(readFileSync(spec.counterFile, 'utf8') || '0');
      await sleep(spec.holdMs);
      writeFileSync(spec.counterFile, String(n + 1));
      appendFileSync(spec.logFile, `${process.pid} end ${Date.now()}\n`);
    } finally {
      await lock.release();
    }
  }
} catch (e) {
  error = e instanceof Error ? e.message : String(e);
}
process.stdout.write(`${JSON.stringify({ pid: process.pid, error })}\n`);
