// The process's queue of interactive logins (auth/login-queue.ts) on its own: turns in arrival order, one at a time;
// a login that fails or throws at once hands the turn on; a waiting login is told which login is under way.
import { describe, expect, it } from 'vitest';
import { LoginQueue } from '../../src/auth/login-queue.js';

/** A promise and its resolvers. */
function gate<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Lets every queued microtask and pending callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('LoginQueue', () => {
  it('runs logins one at a time, in arrival order; each waiting one is told which login is under way', async () => {
    const queue = new LoginQueue();
    const log: string[] = [];
    const gates = [gate(), gate(), gate()];
    const waits: Record<string, string> = {};
    const runs = ['a', 'b', 'c'].map((label, i) =>
      queue.run(
        label,
        async () => {
          log.push(`start ${label}`);
          await gates[i]!.promise;
          log.push(`end ${label}`);
          return label.toUpperCase();
        },
        { onWait: (ahead) => (waits[label] = ahead) },
      ),
    );
    await settle();
    expect(log).toEqual(['start a']);
    expect(queue.current).toBe('a');
    expect(queue.waiting).toBe(2);
    expect(waits).toEqual({ b: 'a', c: 'a' });

    gates[1]!.resolve(); // b's work may end, but it has not started: nothing changes
    await settle();
    expect(log).toEqual(['start a']);

    gates[0]!.resolve();
    await settle();
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c']);
    expect(queue.current).toBe('c');
    expect(queue.waiting).toBe(0);
    gates[2]!.resolve();
    expect(await Promise.all(runs)).toEqual(['A', 'B', 'C']);
    expect(queue.current).toBeUndefined();
  });

  it('a login that fails, or throws before its first await, hands the turn on; its failure is its own', async () => {
    const queue = new LoginQueue();
    const first = gate();
    const failing = queue.run('a', () => first.promise);
    const throwing = queue.run('b', () => {
      throw new Error('b broke');
    });
    const third = queue.run('c', async () => 'c ran');
    first.reject(new Error('a was cancelled'));
    await expect(failing).rejects.toThrow('a was cancelled');
    await expect(throwing).rejects.toThrow('b broke');
    await expect(third).resolves.toBe('c ran');
    expect(queue.current).toBeUndefined();
    expect(queue.waiting).toBe(0);
  });

  it('a login alone runs at once, without being told to wait', async () => {
    const queue = new LoginQueue();
    let told = false;
    const run = queue.run('a', async () => queue.current, { onWait: () => (told = true) });
    expect(queue.current).toBe('a');
    await expect(run).resolves.toBe('a');
    expect(told).toBe(false);
  });
});
