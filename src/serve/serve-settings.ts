/**
 * The options of `serve` itself (where and how it listens, its limits), checked where they enter: each problem is
 * a usage error that names the option and a value that works.
 */
import { parseDuration } from '../config/values.js';
import { BridgeError, ErrorCode } from '../errors.js';

/** `serve`'s own options as commander gives them. */
export interface RawServeOptions {
  host?: string;
  port?: string;
  publicUrl?: string;
  insecureNoAuth?: boolean;
  corsOrigin?: string[];
  maxSessions?: string;
  sessionIdle?: string;
  sseKeepalive?: string;
}

/** `serve`'s own options, checked. */
export interface ServeSettings {
  host: string;
  /** 0: any free port (tests). */
  port: number;
  publicUrl: URL | undefined;
  insecureNoAuth: boolean;
  /** Browser origins allowed, with CORS (`scheme://host[:port]`). */
  corsOrigins: string[];
  maxSessions: number;
  /** 0: sessions never expire. */
  sessionIdleMs: number;
  /** `--sse-keepalive`: 0: no comments on quiet streams. */
  sseKeepAliveMs: number;
}

/** The defaults, also shown by `--help`. */
export const SERVE_DEFAULTS = { host: '127.0.0.1', port: '8080', maxSessions: '1000', sessionIdle: '30m', sseKeepAlive: '15s' } as const;

/**
 * Checks `raw`.
 * @throws BridgeError `USAGE` naming the option
 */
export function parseServeSettings(raw: RawServeOptions): ServeSettings {
  const host = (raw.host ?? SERVE_DEFAULTS.host).trim();
  if (host === '' || /[\s/]/.test(host)) throw usage('--host', raw.host ?? '', 'give an address or a host name, such as 127.0.0.1 or 0.0.0.0');
  const port = integer('--port', raw.port ?? SERVE_DEFAULTS.port, 0, 65_535);
  const maxSessions = integer('--max-sessions', raw.maxSessions ?? SERVE_DEFAULTS.maxSessions, 1, 1_000_000);
  const sessionIdleMs = parseDuration('--session-idle', raw.sessionIdle ?? SERVE_DEFAULTS.sessionIdle);
  const sseKeepAliveMs = parseDuration('--sse-keepalive', raw.sseKeepalive ?? SERVE_DEFAULTS.sseKeepAlive);
  let publicUrl: URL | undefined;
  if (raw.publicUrl !== undefined) {
    publicUrl = URL.canParse(raw.publicUrl) ? new URL(raw.publicUrl) : undefined;
    if (!publicUrl || (publicUrl.protocol !== 'https:' && publicUrl.protocol !== 'http:')) {
      throw usage('--public-url', raw.publicUrl, 'give the URL clients reach this server at, such as https://mcp.example.com');
    }
  }
  const corsOrigins = (raw.corsOrigin ?? []).map((origin) => {
    const url = URL.canParse(origin) ? new URL(origin) : undefined;
    if (!url || url.origin === 'null' || url.origin !== origin.replace(/\/$/, '')) {
      throw usage('--cors-origin', origin, 'give a browser origin: scheme, host and port only, such as https://app.example.com');
    }
    return url.origin;
  });
  return { host, port, publicUrl, insecureNoAuth: raw.insecureNoAuth === true, corsOrigins, maxSessions, sessionIdleMs, sseKeepAliveMs };
}

function integer(option: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw usage(option, text, `give a whole number from ${min} to ${max}`);
  return n;
}

function usage(option: string, value: string, hint: string): BridgeError {
  return new BridgeError(ErrorCode.Usage, `${option}: ${JSON.stringify(value)} is not usable`, { hint });
}
