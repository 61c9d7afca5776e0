/**
 * Which TCP peers may set the trusted identity header: a list of IPv4 and IPv6 addresses and CIDR ranges
 * (RFC 4632, RFC 4291 §2.3), matched against `req.socket.remoteAddress`. An IPv4-mapped IPv6 address
 * (`::ffff:10.1.2.3`, RFC 4291 §2.5.5.2, what a dual-stack listener reports for IPv4 clients) is matched as the IPv4
 * address it carries. A small matcher of our own: exact bit arithmetic, no name resolution.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** One parsed entry: the family, the network bits and the prefix length. */
interface Range {
  family: 4 | 6;
  bits: bigint;
  prefix: number;
  /** The entry as written, for messages. */
  text: string;
}

/** A refused peer entry: what was given and why, for the caller to report where it came from. */
export class PeerListError extends Error {
  override readonly name = 'PeerListError';
  constructor(
    readonly entry: string,
    readonly reason: string,
  ) {
    super(`"${entry}" ${reason}`);
  }
}

/** A set of addresses and ranges; {@link PeerMatcher.matches} tells whether a peer address is in it. */
export class PeerMatcher {
  readonly #ranges: readonly Range[];

  /**
   * @param entries addresses (`127.0.0.1`, `::1`) and CIDR ranges (`10.0.0.0/8`, `fd00::/8`)
   * @throws PeerListError for an entry that is neither, or a prefix out of range
   */
  constructor(entries: readonly string[]) {
    this.#ranges = entries.map(parseRange);
  }

  /** Whether `address` (a socket's `remoteAddress`, possibly IPv4-mapped or with a zone) is listed. */
  matches(address: string | undefined): boolean {
    if (address === undefined) return false;
    const peer = parseAddress(address);
    if (peer === undefined) return false;
    return this.#ranges.some((range) => range.family === peer.family && sameNetwork(peer.bits, range));
  }
}

function sameNetwork(bits: bigint, range: Range): boolean {
  const width = range.family === 4 ? 32 : 128;
  const shift = BigInt(width - range.prefix);
  return bits >> shift === range.bits >> shift;
}

function parseRange(text: string): Range {
  const entry = text.trim();
  const slash = entry.indexOf('/');
  const addressText = slash === -1 ? entry : entry.slice(0, slash);
  if (addressText.includes('%')) throw new PeerListError(text, 'has a zone index; list the address without it');
  const address = parseAddress(addressText);
  if (address === undefined) throw new PeerListError(text, 'is not an IPv4 or IPv6 address or CIDR range');
  // A mapped address is written in IPv6, so its prefix counts IPv6 bits.
  const width = address.family === 4 && !address.mapped ? 32 : 128;
  if (slash === -1) return { family: address.family, bits: address.bits, prefix: address.family === 4 ? 32 : 128, text };
  const prefixText = entry.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefix >= 0 && prefix <= width)) throw new PeerListError(text, `has a prefix length that is not 0 to ${width}`);
  // A range written with a mapped address (`::ffff:10.0.0.0/104`) is the IPv4 range it carries.
  if (address.mapped) {
    if (prefix < 96) throw new PeerListError(text, 'mixes IPv4-mapped addresses with others; write the IPv4 range itself');
    return { family: 4, bits: address.bits, prefix: prefix - 96, text };
  }
  return { family: address.family, bits: address.bits, prefix, text };
}

/** An address as bits; an IPv4-mapped IPv6 address as its IPv4 address (`mapped: true`). Undefined when not one. */
function parseAddress(text: string): { family: 4 | 6; bits: bigint; mapped?: boolean } | undefined {
  const plain = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIPv4(plain)) return { family: 4, bits: ipv4Bits(plain) };
  if (!isIPv6(plain)) return undefined;
  const bits = ipv6Bits(plain);
  if (bits >> 32n === 0xffffn) return { family: 4, bits: bits & 0xffffffffn, mapped: true };
  return { family: 6, bits };
}

function ipv4Bits(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

/** The 128 bits of a valid IPv6 address (`::` compression and a trailing dotted IPv4 part handled). */
function ipv6Bits(text: string): bigint {
  let groups: string[];
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let body = text;
  if (tail) {
    const v4 = ipv4Bits(tail[1]!);
    body = `${text.slice(0, tail.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, rest] = body.split('::') as [string, string | undefined];
  const split = (part: string) => (part === '' ? [] : part.split(':'));
  if (rest === undefined) groups = split(head);
  else {
    const left = split(head);
    const right = split(rest);
    groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  }
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}
