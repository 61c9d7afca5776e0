// `--auth-timeout 0` means no time limit, as 0 does for --connect-timeout and --request-timeout: the login callback
// keeps waiting however long the user takes (a day on a fake clock here), and still completes; any other value
// still ends the wait with the "not completed within" error.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallbackServer, type CallbackVerdict } from '../../src/auth/callback-server.js';
import { silentLogger } from '../../src/log.js';

const DAY_MS = 24 * 3_600_000;
const done: CallbackVerdict = { done: true, page: { ok: true, title: 'Logged in', lines: [] }, result: { ok: true } };

function settledState(promise: Promise<void>): () => string {
  let state = 'pending';
  promise.then(
    () => (state = 'resolved'),
    (error: Error) => (state = `rejected: ${error.message}`),
  );
  return () => state;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the login callback with --auth-timeout 0', () => {
  it('waits without a time limit and still completes when the browser comes back', async () => {
    const server = await CallbackServer.listen({ host: '127.0.0.1', port: 0, path: '/cb', logger: silentLogger });
    try {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const waiting = server.wait(async () => done, 0);
      const state = settledState(waiting);
      await vi.advanceTimersByTimeAsync(DAY_MS);
      expect(state()).toBe('pending');
      vi.useRealTimers();
      const page = await fetch(`http://127.0.0.1:${server.port}/cb?code=x&state=y`);
      expect(page.status).toBe(200);
      await waiting;
      expect(state()).toBe('resolved');
    } finally {
      server.close();
    }
  });

  it('a limit still ends the wait with the timed-out error (3 s on the fake clock)', async () => {
    const server = await CallbackServer.listen({ host: '127.0.0.1', port: 0, path: '/cb', logger: silentLogger });
    try {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const state = settledState(server.wait(async () => done, 3_000));
      await vi.advanceTimersByTimeAsync(2_999);
      expect(state()).toBe('pending');
      await vi.advanceTimersByTimeAsync(1);
      expect(state()).toMatch(/^rejected: the login timed out: it was not completed within 3 s/);
    } finally {
      server.close();
    }
  });
});
