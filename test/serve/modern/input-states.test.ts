/**
 * The requestState table of serve's 2026 side: the state is random and opaque (it says nothing of the request),
 * used once, refused to anyone but the request that got it (user, endpoint, method, name), expired after its time
 * (the engine that waited handed to `onExpire`), and bounded (the oldest row goes first).
 */
import { describe, expect, it } from 'vitest';
import { InputStates, type SuspendedCall } from '../../../src/serve/modern/input-states.js';
import { waitFor } from '../../helpers/wait.js';

function call(user = 'alice', name = 'sample'): SuspendedCall {
  return {
    user,
    endpoint: '/mcp',
    method: 'tools/call',
    name,
    engine: { key: user } as unknown as SuspendedCall['engine'],
    engineId: 'modern/1',
    capabilities: {},
    logs: false,
    answer: new Promise(() => undefined),
    asked: new Map(),
    queued: [],
  };
}

const who = (user = 'alice', name = 'sample') => ({ user, endpoint: '/mcp', method: 'tools/call', name });

describe('the requestState table', () => {
  it('hands out opaque states that work once, for their own request only', () => {
    const expired: SuspendedCall[] = [];
    const states = new InputStates({ onExpire: (c) => expired.push(c) });
    const c = call();
    const state = states.put(c);
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(state).not.toContain('alice');
    expect(states.take(state, who('bob'))).toBe('not-yours');
    expect(states.take(state, who('alice', 'other'))).toBe('not-yours');
    expect(states.take(`${state}x`, who())).toBe('unknown');
    expect(states.take(state, who())).toBe(c);
    expect(states.take(state, who())).toBe('unknown');
    expect(expired).toEqual([]);
  });

  it('expires a state nobody came back with, handing its call to onExpire', async () => {
    const expired: SuspendedCall[] = [];
    const states = new InputStates({ ttlMs: 50, onExpire: (c) => expired.push(c) });
    const c = call();
    const state = states.put(c);
    await waitFor('the state to expire', () => expired.length === 1);
    expect(expired[0]).toBe(c);
    expect(states.take(state, who())).toBe('unknown');
  });

  it('keeps at most max rows, expiring the oldest', () => {
    const expired: SuspendedCall[] = [];
    const states = new InputStates({ max: 2, onExpire: (c) => expired.push(c) });
    const [a, b, c] = [call('a'), call('b'), call('c')];
    const sa = states.put(a);
    states.put(b);
    states.put(c);
    expect(states.size).toBe(2);
    expect(expired).toEqual([a]);
    expect(states.take(sa, who('a'))).toBe('unknown');
    states.clear();
    expect(expired).toEqual([a, b, c]);
  });
});
