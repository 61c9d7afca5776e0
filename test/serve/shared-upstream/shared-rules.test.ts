/**
 * The pure rules of a shared server: which level the server is set to and which messages each session gets
 * (log-levels.ts), and when the server must hear of a subscription (subscriptions.ts: the first holder of a URI
 * and the last, also when a session leaves holding it).
 */
import { describe, expect, it } from 'vitest';
import { isLogLevel, mostVerbose, passes } from '../../../src/serve/shared-upstream/log-levels.js';
import { SharedSubscriptions } from '../../../src/serve/shared-upstream/subscriptions.js';

describe('log levels of a shared server', () => {
  it('sets the server to the most verbose level any session asked for, ignoring sessions that asked none', () => {
    expect(mostVerbose(['error', undefined, 'info', 'warning'])).toBe('info');
    expect(mostVerbose([undefined, undefined])).toBeUndefined();
    expect(isLogLevel('notice')).toBe(true);
    expect(isLogLevel('verbose')).toBe(false);
  });

  it('gives a session the messages at or above its own level, and every message when it asked none', () => {
    expect(passes('error', 'warning')).toBe(true);
    expect(passes('info', 'warning')).toBe(false);
    expect(passes('debug', undefined)).toBe(true);
    expect(passes('odd', 'emergency')).toBe(true);
  });
});

describe('subscriptions of a shared server', () => {
  it('tells the server of the first subscription to a URI and of the last one leaving it', () => {
    const subs = new SharedSubscriptions<string>();
    expect(subs.subscribe('a', 'u')).toBe(true);
    expect(subs.subscribe('b', 'u')).toBe(false);
    expect(subs.subscribe('b', 'u')).toBe(false);
    expect(subs.holdersOf('u').sort()).toEqual(['a', 'b']);
    expect(subs.unsubscribe('a', 'u')).toBe(false);
    expect(subs.unsubscribe('a', 'u')).toBe(false);
    expect(subs.leave('b')).toEqual(['u']);
    expect(subs.holdersOf('u')).toEqual([]);
    expect(subs.subscribe('c', 'u')).toBe(true);
  });
});
