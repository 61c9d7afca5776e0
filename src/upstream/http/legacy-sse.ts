/**
 * The legacy HTTP+SSE transport (MCP 2024-11-05) as a {@link Wire}: the SDK's `SSEClientTransport` over the
 * {@link createUpstreamFetch} seam, which adds typed errors, stream tracking, the size bound, backpressure, and the
 * relay of large responses (the transport gets a small stub in their place; it is swapped back here). Only servers
 * that refuse Streamable HTTP get this far, so its cost (the SDK's client and schemas, web streams, the built-in fetch
 * classes) is paid by them alone: this module is loaded when such a session starts (`lazyWire` in wire.ts).
 */
import { randomUUID } from 'node:crypto';
import { SseError, SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { BridgeError, ErrorCode } from '../../errors.js';
import { createUpstreamFetch, RELAY_STUB_KEY } from './upstream-fetch.js';
import type { HttpSessionSettings } from './session-settings.js';
import type { Wire, WireEvents } from './wire.js';

/** Options for {@link openLegacySse}. */
export interface LegacySseOptions extends HttpSessionSettings {
  events: WireEvents;
}

/** Makes the wire (nothing is sent until `start()`). */
export function openLegacySse(options: LegacySseOptions): Wire {
  const { events } = options;
  /** Relayed large responses waiting for their stub to come out of the transport, by stub token. */
  const relayed = new Map<string, { message: JSONRPCMessage; raw: string }>();
  const fetch = createUpstreamFetch({
    fetch: options.fetch,
    connectTimeoutMs: options.connectTimeoutMs,
    maxMessageBytes: options.maxMessageBytes,
    ...(options.clientReady ? { clientReady: options.clientReady } : {}),
    logger: options.logger,
    events: {
      onResponseStreamEnd: (id, resumable, error) => events.onResponseStreamEnd(id, resumable, error),
      onEventStreamEnd: (error) => events.onEventStreamEnd(error),
      onSessionGone: () => events.onSessionGone(),
      onLargeResponse: (message, raw) => {
        const token = randomUUID();
        relayed.set(token, { message, raw });
        return token;
      },
    },
  });
  const transport = new SSEClientTransport(options.url, { fetch, requestInit: { headers: options.headers } });
  transport.onmessage = (message) => {
    const token = (message as { result?: Record<string, unknown> }).result?.[RELAY_STUB_KEY];
    const relay = typeof token === 'string' ? relayed.get(token) : undefined;
    if (relay) {
      relayed.delete(token as string);
      events.onmessage(relay.message, relay.raw);
      return;
    }
    events.onmessage(message);
  };
  transport.onerror = (error) => events.onerror(error);
  return {
    start: () =>
      transport.start().catch((error: unknown) => {
        // The server's answer to the stream's GET: an HTTP error with its status, for the connector to decide on.
        if (error instanceof SseError && typeof error.code === 'number' && error.code > 0) {
          throw new BridgeError(ErrorCode.UpstreamHttp, error.message, { cause: error, status: error.code });
        }
        throw error;
      }),
    send: (message) => transport.send(message),
    setProtocolVersion: (version) => transport.setProtocolVersion?.(version),
    get sessionId() {
      return undefined;
    },
    close: () => transport.close().catch(() => undefined),
  };
}
