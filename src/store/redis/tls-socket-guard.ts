/**
 * Keeps a failed TLS connection to Redis from ending the process. In TLS 1.3 a server checks the client's certificate
 * after the client considers the handshake done; when it refuses it (Redis's `tls-auth-clients yes`, no or an
 * untrusted client certificate), Node emits the server's alert as an `error` on the socket without closing it, and the
 * connection reset that follows is a second `error`. The Redis client listens for one `error` per socket, so the
 * second would be unhandled and end the process, and the client may wait for ever on a socket it thinks is open.
 *
 * The guard adds, to the TLS sockets of the store's connections only (their options carry {@link guardTlsOptions}'s
 * mark), a listener that closes the socket at its first error and ignores any later one. The client still sees the
 * first error, and reconnects or fails as it would. Node's `tls.connect` is wrapped once for this; calls without the
 * mark pass through untouched.
 */
import { createRequire } from 'node:module';
import type * as Tls from 'node:tls';

/** The `node:tls` module object itself, the one the Redis client calls `connect` on (an ES namespace is read-only). */
const tls = createRequire(import.meta.url)('node:tls') as typeof Tls;

const MARK = Symbol.for('mcp-auth-bridge.redis-tls-socket');
let installed = false;

/** `options` marked for the guard (installed on first use). */
export function guardTlsOptions<T extends object>(options: T): T {
  install();
  return { ...options, [MARK]: true };
}

function install(): void {
  if (installed) return;
  installed = true;
  const connect = tls.connect;
  const guarded = function (this: unknown, ...args: unknown[]): Tls.TLSSocket {
    const socket = (connect as (...a: unknown[]) => Tls.TLSSocket).apply(this, args);
    const options = args[0];
    if (options !== null && typeof options === 'object' && (options as Record<symbol, unknown>)[MARK] === true) {
      socket.on('error', () => {
        if (!socket.destroyed) socket.destroy();
      });
    }
    return socket;
  };
  tls.connect = guarded as typeof tls.connect;
}
