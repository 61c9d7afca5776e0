// The peer list of the trusted header: IPv4 and IPv6 addresses and CIDR ranges, exactly (prefix bits, `::`
// compression, dotted tails), IPv4-mapped IPv6 peers matched as the IPv4 address they carry, and entries that are
// not addresses refused with the reason.
import { describe, expect, it } from 'vitest';
import { PeerListError, PeerMatcher } from '../../../src/serve/inbound-auth/peers.js';

describe('the peer matcher', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1', true],
    ['127.0.0.1', '127.0.0.2', false],
    ['127.0.0.1', '::ffff:127.0.0.1', true],
    ['10.0.0.0/8', '10.255.3.4', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['10.0.0.0/8', '::ffff:10.1.2.3', true],
    ['192.168.1.128/25', '192.168.1.200', true],
    ['192.168.1.128/25', '192.168.1.127', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['0.0.0.0/0', '2001:db8::1', false],
    ['::1', '::1', true],
    ['::1', '127.0.0.1', false],
    ['::1', '0:0:0:0:0:0:0:1', true],
    ['fd00::/8', 'fd12:3456::1', true],
    ['fd00::/8', 'fe80::1', false],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['2001:db8::/127', '2001:db8::1', true],
    ['2001:db8::/128', '2001:db8::1', false],
    ['fe80::/10', 'fe80::1%eth0', true],
    ['::ffff:10.0.0.0/104', '10.9.9.9', true],
    ['::ffff:10.0.0.0/104', '11.9.9.9', false],
    ['64:ff9b::/96', '64:ff9b::192.0.2.1', true],
  ])('%s lists %s: %s', (entry, peer, expected) => {
    expect(new PeerMatcher([entry]).matches(peer)).toBe(expected);
  });

  it('matches any entry of the list, and never an unknown or malformed peer', () => {
    const m = new PeerMatcher(['10.0.0.0/8', '127.0.0.1', 'fd00::/8']);
    expect(m.matches('127.0.0.1')).toBe(true);
    expect(m.matches('fd00::5')).toBe(true);
    expect(m.matches(undefined)).toBe(false);
    expect(m.matches('not-an-address')).toBe(false);
  });

  it.each([
    ['localhost', 'is not an IPv4 or IPv6 address or CIDR range'],
    ['10.0.0.0/33', 'has a prefix length that is not 0 to 32'],
    ['::/129', 'has a prefix length that is not 0 to 128'],
    ['10.0.0.0/x', 'has a prefix length that is not 0 to 32'],
    ['300.1.1.1', 'is not an IPv4 or IPv6 address or CIDR range'],
    ['fe80::1%eth0', 'has a zone index; list the address without it'],
    ['::ffff:10.0.0.0/64', 'mixes IPv4-mapped addresses with others; write the IPv4 range itself'],
  ])('refuses %s: %s', (entry, reason) => {
    let error: unknown;
    try {
      new PeerMatcher([entry]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PeerListError);
    expect((error as PeerListError).reason).toBe(reason);
    expect((error as PeerListError).entry).toBe(entry);
  });
});
