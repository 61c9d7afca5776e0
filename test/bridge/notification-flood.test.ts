// A flood of notifications before a result is relayed at the client's pace: while the client does not read, the
// bridge stops reading the server's stream (backpressure), so the flood waits in the server's socket and the
// bridge's memory stays near its idle figure. Every notification still arrives, in order, and then the result.
import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { readMemory } from '../bench/proc.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { startHostileServer } from '../helpers/hostile-server.js';
import { waitFor } from '../helpers/wait.js';

useTeardown();

const COUNT = Number(process.env.FLOOD_COUNT ?? 200_000);

describe('a flood of notifications', () => {
  it(`relays ${COUNT} notifications before a result in order, with backpressure, in memory near idle`, { timeout: 180_000 }, async () => {
    const server = await startHostileServer();
    onTeardown(() => server.close());
    const raw = spawnBridgeRaw([server.url]);
    await raw.initialize();
    const pid = raw.child.pid!;
    const idle = readMemory(pid)!.peakRssMb;

    // The client does not read at first.
    raw.child.stdout.pause();
    raw.send({ jsonrpc: '2.0', id: 'flood', method: 'tools/call', params: { name: 'flood', arguments: { count: COUNT } } });
    const flood = await waitFor('the flood to start', () => server.answers.find((a) => a.name === 'flood'));
    // Wait until the server is blocked (its byte count still for a second), or 15 s at most.
    let last = -1;
    let still = 0;
    for (let i = 0; i < 75 && still < 5; i++) {
      await sleep(200);
      if (flood.bytesSent === last) still++;
      else {
        still = 0;
        last = flood.bytesSent;
      }
    }
    const sentWhilePaused = flood.bytesSent;
    const peakWhilePaused = readMemory(pid)!.peakRssMb;
    raw.child.stdout.resume();

    const result = await raw.waitForMessage('the flood result', (m) => 'id' in m && m.id === 'flood', 150_000);
    expect(result).toHaveProperty('result.content.0.text', `flood of ${COUNT} done`);
    const peak = readMemory(pid)!.peakRssMb;
    if (process.env.SHOW_PEAK_RSS) {
      console.log(`idle ${idle.toFixed(1)} MB, peak while paused ${peakWhilePaused.toFixed(1)} MB, peak ${peak.toFixed(1)} MB; sent while paused ${sentWhilePaused} of ${flood.bytesSent} bytes`);
    }

    // The server could not write the whole flood while the client was not reading: the bridge stopped reading.
    expect(sentWhilePaused).toBeLessThan(flood.bytesSent / 2);
    const seen = raw.messages.filter((m) => 'method' in m && m.method === 'notifications/message');
    expect(seen).toHaveLength(COUNT);
    for (let i = 0; i < seen.length; i++) {
      if ((seen[i] as unknown as { params: { data: number } }).params.data !== i) throw new Error(`notification ${i} out of order`);
    }
    expect(raw.messages.indexOf(result)).toBe(raw.messages.length - 1);
    expect(peak).toBeLessThan(idle + 60);
    expect(raw.invalidLines).toEqual([]);
  });

  // Found behind the orphaned bridge at 96 % CPU: each write that found stdout full added its own 'drain' and
  // 'close' listeners, so a flood piled up one pair per message and every drain removed them one by one (O(n²)),
  // keeping the process busy long after its client had gone. Now one shared promise waits for the drain.
  it('a client that leaves in the middle of a flood: the bridge does not spin, it ends', { timeout: 60_000 }, async () => {
    const server = await startHostileServer();
    onTeardown(() => server.close());
    const raw = spawnBridgeRaw([server.url]);
    await raw.initialize();
    raw.child.stdout.pause();
    raw.send({ jsonrpc: '2.0', id: 'flood', method: 'tools/call', params: { name: 'flood', arguments: { count: 1_000_000 } } });
    const flood = await waitFor('the flood to start', () => server.answers.find((a) => a.name === 'flood'));
    // Backpressure stalls the server after a few megabytes (pipe and socket buffers): wait for well less than that.
    await waitFor('a megabyte of the flood sent', () => flood.bytesSent > 1_000_000, { timeoutMs: 20_000 });
    raw.child.stdout.destroy(); // the client is gone: its end of the pipe closes
    raw.endInput();
    const status = await raw.waitForExit(20_000);
    expect(status.code).toBe(0);
    expect(raw.stderr()).not.toMatch(/MaxListenersExceededWarning/);
  });
});
