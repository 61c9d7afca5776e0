/**
 * Refuses requests a browser was tricked into sending (MCP 2025-11-25, "Security Warning" of Streamable HTTP): a
 * `Host` that is not this server's (DNS rebinding) gets 403, and so does a browser `Origin` that is neither this
 * server's nor listed with `--cors-origin`. CORS headers are sent only for listed origins (off by default).
 */
import type { IncomingMessage } from 'node:http';
import { isLoopbackHost } from './bind-policy.js';

/** Options for {@link createRequestGuard}. */
export interface RequestGuardOptions {
  /** The bound host and port (`--host`, the port actually bound). */
  host: string;
  port: number;
  /** `--public-url`, when the server is reached under another name. */
  publicUrl?: URL;
  /** `--cors-origin`: browser origins allowed to call, with CORS headers. */
  corsOrigins: readonly string[];
}

/** The verdict on one request. */
export type GuardVerdict = { ok: true; cors: Record<string, string> } | { ok: false; why: string };

/** What {@link createRequestGuard} returns. */
export interface RequestGuard {
  /** Whether `Host` is checked at all (not when bound to every address without `--public-url`). */
  readonly checksHost: boolean;
  check(req: IncomingMessage): GuardVerdict;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

/** Builds the guard; see the module comment. */
export function createRequestGuard(o: RequestGuardOptions): RequestGuard {
  const hosts = new Set<string>();
  const origins = new Set<string>();
  const add = (name: string, port: string) => {
    const host = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
    hosts.add(port ? `${host}:${port}`.toLowerCase() : host.toLowerCase());
    origins.add(`http://${host}${port ? `:${port}` : ''}`.toLowerCase());
  };
  if (!WILDCARDS.has(o.host)) {
    const names = isLoopbackHost(o.host) ? ['127.0.0.1', 'localhost', '::1'] : [o.host];
    for (const name of names) add(name, String(o.port));
  }
  if (o.publicUrl) {
    hosts.add(o.publicUrl.host.toLowerCase());
    origins.add(o.publicUrl.origin.toLowerCase());
  }
  const listed = new Set(o.corsOrigins.map((x) => x.toLowerCase().replace(/\/$/, '')));
  const checksHost = hosts.size > 0;
  return {
    checksHost,
    check(req): GuardVerdict {
      const host = req.headers.host?.toLowerCase();
      if (checksHost && (host === undefined || !hosts.has(host))) return { ok: false, why: `the Host header ${JSON.stringify(host ?? '')} is not this server's` };
      const origin = req.headers.origin?.toLowerCase();
      if (origin === undefined) return { ok: true, cors: {} };
      if (listed.has(origin)) {
        return {
          ok: true,
          cors: {
            'access-control-allow-origin': req.headers.origin!,
            'access-control-expose-headers': 'Mcp-Session-Id, WWW-Authenticate',
            vary: 'Origin',
          },
        };
      }
      if (origins.has(origin)) return { ok: true, cors: {} };
      return { ok: false, why: `the browser origin ${JSON.stringify(req.headers.origin)} is not allowed (--cors-origin)` };
    },
  };
}

/** The answer to a CORS preflight from a listed origin. */
export const PREFLIGHT_HEADERS: Record<string, string> = {
  'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
  'access-control-allow-headers': 'Content-Type, Accept, Authorization, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID',
  'access-control-max-age': '600',
};
