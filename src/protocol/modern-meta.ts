/**
 * The 2026-07-28 revision's request metadata (MCP 2026-07-28, basic/index "_meta", basic/versioning): the reserved
 * `_meta` keys every request carries now that there is no `initialize` handshake, and the versions of each era the
 * bridge speaks. Pure data; the 2026 upstream (upstream/http-2026/) adds them, era detection reads them.
 */

/** The modern revision the bridge speaks to servers. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** Modern revisions the bridge speaks (newest first). */
export const MODERN_PROTOCOL_VERSIONS: readonly string[] = [MODERN_PROTOCOL_VERSION];

/**
 * Legacy (handshake) revisions a client may ask for in `initialize` and get from the bridge in front of a modern
 * server (the 2025-11-25 family, newest first). The first is the answer when the client asks for another.
 */
export const LEGACY_PROTOCOL_VERSIONS: readonly string[] = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];

/** `_meta` keys of the modern revision. */
export const MetaKey = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

/** JSON-RPC error codes the modern revision defines (basic/index, "Error Codes"; transports/streamable-http). */
export const ModernErrorCode = {
  /** The HTTP headers do not match the body, or a required one is missing or malformed. */
  HeaderMismatch: -32020,
  /** The request needs a client capability the request's `_meta` did not declare. */
  MissingRequiredClientCapability: -32021,
  /** The server does not implement the requested protocol version; `data.supported` lists what it does. */
  UnsupportedProtocolVersion: -32022,
} as const;

/** What the client said about itself in `initialize`, which a modern server gets with every request instead. */
export interface ClientIdentity {
  capabilities: Record<string, unknown>;
  clientInfo: Record<string, unknown> | undefined;
}

/** The `_meta` envelope of one modern request: version, the client's capabilities and info, and a log level if set. */
export function requestMeta(client: ClientIdentity, logLevel: string | undefined): Record<string, unknown> {
  const meta: Record<string, unknown> = {
    [MetaKey.protocolVersion]: MODERN_PROTOCOL_VERSION,
    [MetaKey.clientCapabilities]: client.capabilities,
  };
  if (client.clientInfo) meta[MetaKey.clientInfo] = client.clientInfo;
  if (logLevel !== undefined) meta[MetaKey.logLevel] = logLevel;
  return meta;
}

