/**
 * The one timer behind every POST answer's `auto` deadline (deadline-queue.ts): each deadline fires once, after its
 * delay, in the order added; a cancelled one never fires; deadlines added after the queue emptied fire too.
 */
import { describe, expect, it } from 'vitest';
import { DeadlineQueue } from '../../src/serve/deadline-queue.js';
import { waitFor } from '../helpers/wait.js';

describe('DeadlineQueue', () => {
  it('fires each deadline once, after its delay, in order; never a cancelled one', async () => {
    const queue = new DeadlineQueue(30);
    const fired: Array<{ name: string; after: number }> = [];
    const add = (name: string) => {
      const t0 = performance.now();
      return queue.add(() => fired.push({ name, after: performance.now() - t0 }));
    };
    add('a');
    const b = add('b');
    add('c');
    b.cancel();
    await waitFor('a and c', () => fired.length === 2, { timeoutMs: 5_000 });
    expect(fired.map((f) => f.name)).toEqual(['a', 'c']);
    expect(fired.every((f) => f.after >= 29)).toBe(true);

    // The queue emptied: a later deadline arms its timer again.
    add('d');
    await waitFor('d', () => fired.length === 3, { timeoutMs: 5_000 });
    expect(fired.map((f) => f.name)).toEqual(['a', 'c', 'd']);
  });

  it('fires a deadline added while another waits no earlier than its own delay', async () => {
    const queue = new DeadlineQueue(60);
    const fired: Array<{ name: string; after: number }> = [];
    const add = (name: string) => {
      const t0 = performance.now();
      queue.add(() => fired.push({ name, after: performance.now() - t0 }));
    };
    add('first');
    await new Promise((resolve) => setTimeout(resolve, 30));
    add('second');
    await waitFor('both', () => fired.length === 2, { timeoutMs: 5_000 });
    expect(fired.map((f) => f.name)).toEqual(['first', 'second']);
    expect(fired.every((f) => f.after >= 59)).toBe(true);
  });
});
