/**
 * The address a request comes from, for limits per address (the sign-in page's failed attempts): the TCP peer, or —
 * when the peer is one of the listed proxies (the trusted header's `--trusted-peer` list: serve trusts those
 * proxies already, to name users) — the address that proxy reports, the last hop in `X-Forwarded-For` that is not
 * itself a listed proxy. Walking from the right matters: a client may send any `X-Forwarded-For` it likes, and each
 * proxy appends the address it saw, so only the entries the listed proxies appended can be believed. Without a list,
 * every request is its TCP peer (behind an unlisted balancer, every client is the balancer's address), and the
 * header is never read.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { PeerMatcher } from './peers.js';

/** What stands for a request whose socket has no address (it closed). */
export const UNKNOWN_PEER = 'an unknown peer';

/** The client address of `req`; see the module comment. `proxies` undefined: the TCP peer. */
export function clientAddress(req: IncomingMessage, proxies: PeerMatcher | undefined): string {
  const peer = req.socket.remoteAddress;
  if (peer === undefined) return UNKNOWN_PEER;
  if (proxies === undefined || !proxies.matches(peer)) return peer;
  const hops = (req.headersDistinct['x-forwarded-for'] ?? []).flatMap((value) => value.split(',')).map((hop) => hop.trim());
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = addressOf(hops[i]!);
    // A hop that is no address was not appended by a proxy we know: the peer is all we can vouch for.
    if (hop === undefined) return peer;
    if (!proxies.matches(hop)) return hop;
  }
  // Every hop is a listed proxy (or there is no header): the request started at the first of them.
  return addressOf(hops[0] ?? '') ?? peer;
}

/** `hop` as a plain address (`[::1]` unbracketed, a port some proxies add dropped), or undefined when it is none. */
function addressOf(hop: string): string | undefined {
  const plain = hop.replace(/^\[(.*)\](?::\d+)?$/, '$1').replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, '$1');
  return isIP(plain) === 0 ? undefined : plain;
}
