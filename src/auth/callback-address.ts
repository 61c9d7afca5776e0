/**
 * Where a browser login's callback listens, and its redirect URI: the fixed `--redirect-url`, else
 * `--callback-host` (default 127.0.0.1) on `--callback-port` or a port stable per (issuer, resource), so a
 * registered client's redirect URI stays the same between logins. {@link bindCallback} falls back to a free port
 * (a new redirect URI) when the stable one is taken; a port the user fixed is never replaced.
 */
import { createHash } from 'node:crypto';
import { ErrorCode, isBridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import { CallbackServer } from './callback-server.js';
import type { CallbackSink } from './callback-sink.js';

/** The loopback port a server's logins use unless told otherwise: stable per (issuer, resource), in 28000–28999. */
export function stableCallbackPort(issuer: string, resource: string): number {
  const h = createHash('sha256').update(`${issuer}\n${resource}`).digest();
  return 28000 + (h.readUInt16BE(0) % 1000);
}

/** The options that place the callback. */
export interface CallbackOptions {
  /** `--redirect-url`. */
  redirectUrl?: string | undefined;
  /** `--callback-host`: `127.0.0.1` (default) or `localhost`. */
  callbackHost?: string | undefined;
  /** `--callback-port`. */
  callbackPort?: number | undefined;
}

/** Where the callback for a login at (issuer, resource) listens first. */
export interface CallbackAddress {
  /** The host to listen on (no IPv6 brackets). */
  host: string;
  port: number;
  path: string;
  /** True when the user fixed the port (`--redirect-url`, `--callback-port`): no other port may replace it. */
  fixed: boolean;
  /** The redirect URI for this address. */
  redirectUri: string;
}

/** The redirect URI for a loopback callback on `host`:`port`. */
export function loopbackRedirectUri(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/callback`;
}

/** Where the callback for a login at (issuer, resource) listens first; see the module comment. */
export function callbackAddress(o: CallbackOptions, issuer: string, resource: string): CallbackAddress {
  if (o.redirectUrl) {
    const url = new URL(o.redirectUrl);
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80), path: url.pathname, fixed: true, redirectUri: o.redirectUrl };
  }
  const host = o.callbackHost ?? '127.0.0.1';
  const port = o.callbackPort ?? stableCallbackPort(issuer, resource);
  return { host, port, path: '/callback', fixed: o.callbackPort !== undefined, redirectUri: loopbackRedirectUri(host, port) };
}

/** A listening callback and the redirect URI that reaches it. */
export interface BoundCallback {
  server: CallbackSink;
  redirectUri: string;
}

/** Binds the callback: the fixed redirect's port, else the stable port, else any free port (a new redirect URI). */
export async function bindCallback(o: CallbackOptions & { logger: Logger }, issuer: string, resource: string): Promise<BoundCallback> {
  const address = callbackAddress(o, issuer, resource);
  const listen = (port: number) => CallbackServer.listen({ host: address.host, port, path: address.path, logger: o.logger });
  if (o.redirectUrl) return { server: await listen(address.port), redirectUri: address.redirectUri };
  try {
    const server = await listen(address.port);
    return { server, redirectUri: loopbackRedirectUri(address.host, server.port) };
  } catch (error) {
    if (address.fixed || !isBridgeError(error, ErrorCode.Auth)) throw error;
    o.logger.info(`callback port ${address.port} is in use; using a free port for this login`);
    const server = await listen(0);
    return { server, redirectUri: loopbackRedirectUri(address.host, server.port) };
  }
}
