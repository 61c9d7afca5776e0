/**
 * Which network addresses a public MCP server may send the bridge to for OAuth. A server's metadata names the
 * authorization server and metadata URLs; a hostile server on the internet could name the cloud metadata service
 * (169.254.169.254), this machine, or the user's private network, and the bridge would contact them from inside.
 * So when the MCP server itself is public, OAuth requests to loopback, link-local, private, shared (CGNAT) or
 * unspecified addresses are refused — unless the user allows them (`--allow-private-auth-servers`, for internal
 * deployments). When the MCP server is itself on such an address (an internal deployment, or this machine), its
 * authorization servers may be too.
 *
 * Ranges: IPv4 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.168/16; IPv6 ::, ::1, fc00::/7, fe80::/10,
 * and IPv4-mapped / IPv4-compatible forms of the IPv4 ranges.
 */
import { isIP } from 'node:net';

/** Why an address is not public, for messages: `loopback`, `link-local`, … */
export type NonPublicKind = 'unspecified' | 'loopback' | 'link-local' | 'private' | 'shared (carrier-grade NAT)';

function ipv4Kind(address: string): NonPublicKind | undefined {
  const [a, b] = address.split('.').map(Number) as [number, number];
  if (a === 0) return 'unspecified';
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 100 && b >= 64 && b <= 127) return 'shared (carrier-grade NAT)';
  return undefined;
}

/** Expands an IPv6 address to its eight 16-bit groups (embedded IPv4 included). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, ''); // zone index
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -v4[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((g) => parseInt(g || '0', 16));
}

/**
 * Why `address` (an IP literal, IPv4 or IPv6, brackets allowed) is not a public address, or `undefined` when it
 * is public — or not an IP address at all.
 */
export function nonPublicKind(address: string): NonPublicKind | undefined {
  const ip = address.replace(/^\[|\]$/g, '');
  const version = isIP(ip.replace(/%.*$/, ''));
  if (version === 4) return ipv4Kind(ip);
  if (version !== 6) return undefined;
  const g = ipv6Groups(ip);
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && g[7] === 1) return 'loopback';
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated): judge the IPv4 address inside.
  if (zeroUpTo(5) && (g[5] === 0xffff || g[5] === 0)) {
    return ipv4Kind(`${g[6]! >> 8}.${g[6]! & 0xff}.${g[7]! >> 8}.${g[7]! & 0xff}`);
  }
  if ((g[0]! & 0xfe00) === 0xfc00) return 'private';
  if ((g[0]! & 0xffc0) === 0xfe80) return 'link-local';
  return undefined;
}

/** Whether a URL's host name is this machine by name (`localhost`, `*.localhost`: RFC 6761 §6.3). */
export function isLocalhostName(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return host === 'localhost' || host.endsWith('.localhost');
}

/** Resolves a host name to all its addresses (the shape of `dns.promises.lookup(host, { all: true })`). */
export type ResolveAll = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

/**
 * Whether the MCP server at `url` is on this machine or a private network: its host is such an address, a
 * localhost name, or a name that resolves to at least one such address. A name that does not resolve here (behind a
 * proxy, say) counts as public: the safe side.
 */
export async function isPrivateServer(url: URL, resolveAll: ResolveAll): Promise<boolean> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return nonPublicKind(host) !== undefined;
  if (isLocalhostName(host)) return true;
  try {
    return (await resolveAll(host)).some((a) => nonPublicKind(a.address) !== undefined);
  } catch {
    return false;
  }
}
