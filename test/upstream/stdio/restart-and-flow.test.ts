// Two bounds of the stdio upstream: a write waits while the child does not read (backpressure: the bridge holds no
// unbounded queue for a stuck server), and a server that keeps dying soon after it started is started again with a
// growing delay instead of in a tight loop.
import { describe, expect, it } from 'vitest';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { createLogger, SecretRegistry } from '../../../src/log.js';
import { childEnvironment } from '../../../src/upstream/stdio/child-env.js';
import { StdioUpstream } from '../../../src/upstream/stdio/upstream.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { connectStdioBridge, FIXTURE_SERVER } from '../../helpers/stdio-bridge.js';
import { waitFor, withTimeout } from '../../helpers/wait.js';

useTeardown();

describe('writing to a child that does not read', () => {
  it('send() settles only once the child reads: it waits while the pipe is full', async () => {
    // Reads nothing until SIGUSR2, then everything, and says how much on stderr.
    const script = `
      let n = 0;
      process.on('SIGUSR2', () => process.stdin.on('data', (c) => { n += c.length; if (n >= 4194304) console.error('read ' + n); }));
      setInterval(() => {}, 1000);
      console.error('waiting for SIGUSR2');`;
    const logs: string[] = [];
    const up = new StdioUpstream({
      name: 'slow',
      child: { command: process.execPath, args: ['-e', script], env: childEnvironment({ env: {} }), cwd: undefined },
      maxMessageBytes: 65_536,
      eofGraceMs: 100,
      stopGraceMs: 500,
      logger: createLogger({ level: 'info', stream: { write: (l: string) => logs.push(l) }, secrets: new SecretRegistry() }),
      events: { onmessage: () => undefined, onResponseStreamEnd: () => undefined, onSessionLost: () => undefined },
    });
    onTeardown(() => up.close());
    await up.start();
    await waitFor('the child to be ready', () => logs.some((l) => l.includes('waiting for SIGUSR2')));

    const big = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x'.repeat(4 * 1024 * 1024) } } as JSONRPCMessage;
    let settled: string | undefined;
    const sent = up.send(big).then(
      () => (settled = 'resolved'),
      (e: unknown) => (settled = `rejected: ${String(e)}`),
    );
    // Nothing the child does can settle it before it reads; give the event loop a few turns to prove it.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBeUndefined();

    process.kill(up.pid!, 'SIGUSR2');
    await withTimeout('the send to settle once the child reads', sent, 20_000);
    expect(settled).toBe('resolved');
    await waitFor('the child to report what it read', () => logs.some((l) => /stderr: read \d+/.test(l)));
  });
});

describe('a server that keeps crashing soon after it started', () => {
  it('is started again after 1 s, then 2 s: the delay doubles while it keeps dying young', async () => {
    const bridged = await connectStdioBridge({
      name: 'crashy',
      command: process.execPath,
      args: [FIXTURE_SERVER, '--crash-after-initialize'],
      recovery: { attempts: 5, baseDelayMs: 50, maxDelayMs: 100 },
    });
    await waitFor('a third child', () => bridged.upstreams.length >= 3, { timeoutMs: 25_000 });
    const delays = bridged.logs.filter((l) => l.includes('starting the server again in')).map((l) => /again in (\d+) ms/.exec(l)![1]);
    expect(delays.slice(0, 2)).toEqual(['1000', '2000']);
    expect(bridged.logs.some((l) => l.includes('upstream session lost: the local server "crashy" exited with code 3'))).toBe(true);
  });

  it('closing the connector during the delay starts no new child', async () => {
    const bridged = await connectStdioBridge({
      name: 'crashy',
      command: process.execPath,
      args: [FIXTURE_SERVER, '--crash-after-initialize'],
      recovery: { attempts: 5, baseDelayMs: 50, maxDelayMs: 100 },
    });
    await waitFor('a restart delay', () => bridged.logs.some((l) => l.includes('starting the server again in')), { timeoutMs: 20_000 });
    const count = bridged.upstreams.length;
    await withTimeout('the connector to close', bridged.connector.close(), 10_000);
    // The lifecycle's own backoff is at most 100 ms here: a child started after the close would show up well within 2 s.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(bridged.upstreams).toHaveLength(count);
    expect(bridged.upstreams.every((up) => up.retired)).toBe(true);
  });
});
