/**
 * What the bench asks of a connection: echo calls one at a time or many in flight, one large tool result, and
 * the CPU time such a run costs in this process and in the bridge child. Every call is bounded and its answer
 * checked, so a broken bridge fails the run instead of looking fast.
 */
import { spawn } from 'node:child_process';
import { type Connection, withTimeout } from './connections.js';
import { readCpuMs } from './proc.js';
import { median } from './stats.js';

/** Limit on any single tool call. */
const CALL_TIMEOUT_MS = 15_000;

type TextContent = Array<{ type: string; text?: string }>;

/** One `echo` call (of the tool `name`, default `echo`); throws unless the text comes back unchanged. */
export async function echo(conn: Connection, text: string, name = 'echo'): Promise<void> {
  const result = await conn.client.callTool({ name, arguments: { text } }, undefined, { timeout: CALL_TIMEOUT_MS });
  const content = (result.content as TextContent)[0];
  if (content?.text !== text) throw new Error(`${conn.mode}: echo returned ${JSON.stringify(content).slice(0, 200)}`);
}

/** One `big` call of `bytes` bytes; throws unless a text of exactly that length comes back. */
export async function big(conn: Connection, bytes: number): Promise<void> {
  const result = await conn.client.callTool({ name: 'big', arguments: { bytes } }, undefined, { timeout: CALL_TIMEOUT_MS });
  const length = (result.content as TextContent)[0]?.text?.length;
  if (length !== bytes) throw new Error(`${conn.mode}: big returned ${length ?? 'no'} bytes, expected ${bytes}`);
}

/** `count` sequential echo calls (of the tool `name`, default `echo`); returns each call's latency in ms. */
export async function sequential(conn: Connection, count: number, tag: string, name = 'echo'): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await echo(conn, `${tag}-${i}`, name);
    out.push(performance.now() - t0);
  }
  return out;
}

/** `total` echo calls with `inFlight` outstanding at a time; returns the elapsed ms. */
export async function concurrent(conn: Connection, total: number, inFlight: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const i = next++;
        await echo(conn, `c-${i}`);
      }
    }),
  );
  return performance.now() - t0;
}

/** CPU ms spent by this process (client and server) and by the bridge child, over some number of calls. */
export interface CpuTally {
  self: number;
  child: number;
  calls: number;
}

/** A zeroed {@link CpuTally}. */
export function newTally(): CpuTally {
  return { self: 0, child: 0, calls: 0 };
}

function cpuNow(conn: Connection): { self: number; child: number | undefined } {
  const u = process.cpuUsage();
  return { self: (u.user + u.system) / 1000, child: conn.pid ? readCpuMs(conn.pid) : undefined };
}

/** Runs `run` (which makes `calls` calls on `conn`) and adds the CPU time it cost to `tally`. */
export async function tallyCpu<T>(tally: CpuTally, conn: Connection, calls: number, run: () => Promise<T>): Promise<T> {
  const before = cpuNow(conn);
  const value = await run();
  const after = cpuNow(conn);
  tally.self += after.self - before.self;
  if (after.child !== undefined && before.child !== undefined) tally.child += after.child - before.child;
  tally.calls += calls;
  return value;
}

/** Median ms from spawning `node -e 0` to its exit: the floor under any spawn → initialize figure. */
export async function nodeStartFloor(runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await withTimeout(
      'node -e 0',
      new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
        child.once('error', reject);
        child.once('close', () => resolve());
      }),
      10_000,
    );
    times.push(performance.now() - t0);
  }
  return median(times);
}
