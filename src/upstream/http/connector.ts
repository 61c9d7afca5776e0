/**
 * Opens HTTP upstream sessions for one server: the {@link UpstreamConnector} of the HTTP implementation.
 *
 * Transport selection belongs here: Streamable HTTP first and, in `auto` mode, legacy SSE only when the server
 * answers the initialize POST with 400, 404 or 405 (MCP 2025-11-25, "Backwards Compatibility") — decided on the
 * status code. A replacement session (after a loss) uses the wire protocol that worked, without fallback.
 */
import { BridgeError, ErrorCode, isBridgeError } from '../../errors.js';
import { modernRefusalOf } from '../../protocol/era-signals.js';
import type { OpenRequest, UpstreamConnector, UpstreamEvents } from '../port.js';
import { HttpUpstream, type HttpUpstreamOptions, type TransportKind } from './upstream.js';
import type { HttpSessionSettings } from './session-settings.js';

/** Which upstream transport to use; `auto` tries Streamable HTTP and falls back to legacy SSE. */
export type TransportMode = 'auto' | TransportKind;

/** Options for {@link createHttpConnector}. */
export interface HttpConnectorOptions extends HttpSessionSettings {
  mode: TransportMode;
  /** Makes an upstream; tests may wrap it. Default `new HttpUpstream(options)`. */
  create?: (options: HttpUpstreamOptions) => HttpUpstream;
}

/** Creates the connector. See the module comment. */
export function createHttpConnector(options: HttpConnectorOptions): UpstreamConnector {
  return new HttpConnector(options);
}

class HttpConnector implements UpstreamConnector {
  readonly #o: HttpConnectorOptions;
  readonly #kinds: TransportKind[];
  /** The wire protocol of the last session opened. */
  #kind: TransportKind | undefined;

  constructor(options: HttpConnectorOptions) {
    this.#o = options;
    this.#kinds = options.mode === 'auto' ? ['streamable-http', 'sse'] : [options.mode];
  }

  async open(request: OpenRequest): Promise<HttpUpstream> {
    const kinds = this.#kinds;
    let notFound = true; // every transport tried was answered with 404
    for (const kind of kinds) {
      try {
        const up = await this.#openOne(kind, request);
        this.#kind = kind;
        return up;
      } catch (error) {
        // Only the server's own answer to the initialize POST decides (not, say, an auth server's status).
        const status = isBridgeError(error, ErrorCode.UpstreamHttp) ? error.status : undefined;
        // A modern (2026-07-28) server refusing the handshake is no legacy SSE server: the era connector decides.
        if (modernRefusalOf(error)) throw error;
        notFound &&= status === 404;
        if (notFound && kind === kinds[kinds.length - 1]) throw noEndpointError(this.#o.url, kinds, error);
        if (kind === 'streamable-http' && kinds.length > 1 && (status === 400 || status === 404 || status === 405)) {
          this.#o.logger.info(`the server answered initialize with HTTP ${status}: trying the legacy SSE transport`);
          continue;
        }
        throw error;
      }
    }
    throw new BridgeError(ErrorCode.Internal, 'no transport left to try');
  }

  reopen(request: OpenRequest): Promise<HttpUpstream> {
    return this.#openOne(this.#kind ?? this.#kinds[0]!, request);
  }

  /** Starts one upstream of `kind` and sends the initialize on it; closes it again when either fails. */
  async #openOne(kind: TransportKind, request: OpenRequest): Promise<HttpUpstream> {
    const up = this.#create(kind, request.events);
    try {
      await up.start();
      request.onSend?.(up);
      await up.send(request.initialize);
      return up;
    } catch (error) {
      await up.close();
      throw error;
    }
  }

  #create(kind: TransportKind, events: UpstreamEvents): HttpUpstream {
    const o = this.#o;
    const options: HttpUpstreamOptions = {
      url: o.url,
      kind,
      headers: o.headers,
      fetch: o.fetch,
      connectTimeoutMs: o.connectTimeoutMs,
      maxMessageBytes: o.maxMessageBytes,
      ...(o.clientReady ? { clientReady: o.clientReady } : {}),
      logger: o.logger,
      events,
    };
    return o.create ? o.create(options) : new HttpUpstream(options);
  }
}

/** The server has no MCP endpoint at `url`: every transport tried was answered with HTTP 404. */
function noEndpointError(url: URL, kinds: TransportKind[], cause: unknown): BridgeError {
  const what = kinds.length > 1 ? 'both transports' : kinds[0] === 'sse' ? 'the legacy SSE transport' : 'Streamable HTTP';
  return new BridgeError(ErrorCode.UpstreamHttp, `there is no MCP endpoint at ${url.origin}${url.pathname}: the server answered HTTP 404 to ${what}`, {
    cause,
    status: 404,
    hint: 'check the path in the URL: it is often /mcp, or /sse for a legacy SSE server',
  });
}
