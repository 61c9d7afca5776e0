/**
 * The OAuth fetch of a bridge whose MCP server is public: every request to an authorization server or metadata URL
 * is refused when its host is, or resolves to, a loopback, link-local, private, shared or unspecified address (see
 * address-policy.ts). The resolved address is checked in the connection's own DNS lookup, so that a name cannot
 * resolve to a public address for a check and to 169.254.169.254 for the connection (DNS rebinding). Behind a proxy
 * (`--use-env-proxy`) the proxy connects, so the name is resolved and checked here before each request instead —
 * the best that can be done from this side of the proxy.
 *
 * Whether the MCP server is public is decided once, on the first OAuth request, by resolving its host name. A
 * bridge whose server is on this machine or a private network, or started with `--allow-private-auth-servers`,
 * does not use this guard at all.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { BridgeError, ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { isLocalhostName, isPrivateServer, type NonPublicKind, nonPublicKind, type ResolveAll } from './address-policy.js';

/** The shape of `dns.lookup` that `net.connect` calls (its `all: true` form included). */
export type LookupFunction = (
  hostname: string,
  options: LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/** Options for {@link guardAuthFetch}. */
export interface PrivateAddressGuardOptions {
  /** The MCP server's URL: the guard is active only when it is public. */
  serverUrl: URL;
  /** The OAuth fetch to guard (the built-in fetch, or the proxy-aware one). */
  fetch: FetchLike;
  /** `fetch` connects through a proxy: check by resolving before each request, not at connect time. */
  viaProxy: boolean;
  /** Name resolution, for the MCP server's host and every OAuth host. Default `dns.lookup`. */
  lookup?: LookupFunction;
  logger: Logger;
}

const OPTION_HINT =
  'if this is an internal deployment whose authorization server is on a private network, pass --allow-private-auth-servers (env: MCP_ALLOW_PRIVATE_AUTH_SERVERS=1)';

/** The error for an OAuth request to a non-public address on behalf of a public MCP server (code `AUTH`). */
export class PrivateAddressError extends BridgeError {
  constructor(
    readonly host: string,
    readonly address: string,
    readonly kind: NonPublicKind,
  ) {
    const where = host === address ? address : `${host} (${address})`;
    super(
      ErrorCode.Auth,
      `refused to contact ${where}, a ${kind} address, for the login: the MCP server is public, and a public server may not send the bridge to this machine or a private network`,
      { hint: OPTION_HINT },
    );
  }
}

/** The {@link PrivateAddressError} for `host` resolving to `address`. */
export function privateAddressRefused(host: string, address: string, kind: NonPublicKind): PrivateAddressError {
  return new PrivateAddressError(host, address, kind);
}

function resolverOf(lookup: LookupFunction): ResolveAll {
  return (hostname) =>
    new Promise((resolve, reject) => {
      lookup(hostname, { all: true }, (error, addresses) => {
        if (error) reject(error);
        else resolve(addresses as LookupAddress[]);
      });
    });
}

/** A `dns.lookup` for connections that fails with {@link privateAddressRefused} for a non-public result. */
export function guardedLookup(lookup: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, options, (error, address, family) => {
      if (error) return callback(error, address, family);
      const all = Array.isArray(address) ? address : [{ address, family: family ?? 0 }];
      for (const a of all) {
        const kind = nonPublicKind(a.address);
        if (kind) return callback(privateAddressRefused(hostname, a.address, kind) as unknown as NodeJS.ErrnoException, address, family);
      }
      callback(null, address, family);
    });
  };
}

/** Whether `error` is a {@link PrivateAddressError}: callers that wrap fetch failures pass it on as it is. */
export function isPrivateAddressRefusal(error: unknown): error is PrivateAddressError {
  return error instanceof PrivateAddressError;
}

/** Finds our refusal in an error's cause chain (fetch wraps connect errors in a `TypeError`). */
function refusalIn(error: unknown): BridgeError | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isPrivateAddressRefusal(e)) return e;
  }
  return undefined;
}

/** Returns the OAuth fetch for `options.serverUrl`: see the module comment. */
export function guardAuthFetch(options: PrivateAddressGuardOptions): FetchLike {
  const lookup = options.lookup ?? (dnsLookup as unknown as LookupFunction);
  const resolveAll = resolverOf(lookup);
  let active: Promise<boolean> | undefined;
  let direct: Promise<FetchLike> | undefined;

  const isActive = () =>
    (active ??= isPrivateServer(options.serverUrl, resolveAll).then((isPrivate) => {
      if (!isPrivate) options.logger.debug(`${options.serverUrl.host} is public: its authorization servers must be too`);
      return !isPrivate;
    }));

  /** undici's fetch with a connection lookup that refuses non-public addresses (loaded on first use). */
  const directFetch = () =>
    (direct ??= (async () => {
      const loaded = await import('undici');
      const wrapped = (loaded as unknown as { default?: typeof loaded }).default;
      const undici = wrapped?.Agent ? wrapped : loaded;
      const connector = undici.buildConnector({ lookup: guardedLookup(lookup) as never });
      // Every connection, redirects included, passes here: literal addresses (which need no lookup) are judged
      // first, names in the lookup.
      const connect: typeof connector = (opts, callback) => {
        const host = opts.hostname.replace(/^\[|\]$/g, '');
        const kind = isIP(host) ? nonPublicKind(host) : undefined;
        if (kind) return callback(privateAddressRefused(host, host, kind), null);
        return connector(opts, callback);
      };
      const dispatcher = new undici.Agent({ connect });
      return ((url: string | URL, init?: RequestInit) => undici.fetch(url, { ...(init as object), dispatcher } as never)) as unknown as FetchLike;
    })());

  return async (input, init) => {
    if (!(await isActive())) return options.fetch(input, init);
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : (input as Request).url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // Literal addresses and localhost names are judged here: a connection to an IP literal does no lookup.
    if (isIP(host)) {
      const kind = nonPublicKind(host);
      if (kind) throw privateAddressRefused(host, host, kind);
    } else if (isLocalhostName(host)) {
      throw privateAddressRefused(host, host, 'loopback');
    } else if (options.viaProxy) {
      const addresses = await resolveAll(host).catch(() => []); // the proxy may know names this machine does not
      for (const a of addresses) {
        const kind = nonPublicKind(a.address);
        if (kind) throw privateAddressRefused(host, a.address, kind);
      }
    }
    if (options.viaProxy) return options.fetch(input, init);
    try {
      return await (await directFetch())(input, init);
    } catch (error) {
      throw refusalIn(error) ?? error;
    }
  };
}
