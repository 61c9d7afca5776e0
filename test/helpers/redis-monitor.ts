/**
 * Every command a test Redis runs, as `MONITOR` reports it: those clients send (`client` is their address) and those
 * scripts run (`client` is `lua`, listed after the script's own EVAL), each as its arguments. Read over a raw
 * connection of its own, stopped at teardown.
 */
import { connect, type Socket } from 'node:net';
import { onTeardown } from './cleanup.js';
import type { TestRedis } from './redis.js';
import { waitFor } from './wait.js';

/** One command Redis ran. */
export interface MonitoredCommand {
  /** `lua` for a command a script ran, else the client's address. */
  client: string;
  /** The command and its arguments, e.g. `['EVAL', '<script>', '1', 'key', …]`. */
  args: string[];
}

/** A running monitor. */
export interface RedisMonitor {
  /** What Redis ran since the monitor started. */
  commands(): MonitoredCommand[];
  /** Stops monitoring. */
  stop(): void;
}

const LINE = /^\d+\.\d+ \[\d+ ([^\]]+)\] (.*)$/;
const QUOTED = /"((?:[^"\\]|\\.)*)"/g;

/** Undoes Redis's quoting of one argument (`\"`, `\\`, `\n`, `\xHH`, …). */
function unquote(text: string): string {
  return text.replace(/\\(x[0-9a-f]{2}|.)/gi, (_, e: string) => {
    if (e.length === 3) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' } as Record<string, string>)[e] ?? e;
  });
}

/** Starts monitoring a (plain, password-less) test Redis; resolves once Redis confirmed. */
export async function monitorRedis(redis: TestRedis): Promise<RedisMonitor> {
  const socket: Socket = connect(redis.port, '127.0.0.1');
  socket.on('error', () => undefined);
  let buffer = '';
  let ok = false;
  const seen: MonitoredCommand[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    let end: number;
    while ((end = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (line === '+OK') ok = true;
      const m = LINE.exec(line.slice(1));
      if (line.startsWith('+') && m) seen.push({ client: m[1]!, args: [...m[2]!.matchAll(QUOTED)].map((q) => unquote(q[1]!)) });
    }
  });
  socket.write('MONITOR\r\n');
  await waitFor('MONITOR to start', () => ok, { timeoutMs: 5_000 });
  const stop = () => void socket.destroy();
  onTeardown(stop);
  return { commands: () => [...seen], stop };
}
