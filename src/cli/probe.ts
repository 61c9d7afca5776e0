/**
 * An unauthenticated MCP `initialize` POST, to learn how a server answers before any login (its 401 challenge, or
 * its transport). Used by `login` and `doctor`; the bridge itself never sends an extra initialize.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { connectError } from '../net/connect-error.js';
import type { RpcErrorBody } from '../protocol/era-signals.js';
import { modernRefusalOfProbe } from './era-report.js';
import { VERSION } from '../version.js';
import type { ServerConfig } from '../config/types.js';

/**
 * The protocol version the probe asks for: the SDK's `LATEST_PROTOCOL_VERSION` (a test keeps them equal), written
 * here because importing it from the SDK's types module loads its schema library at every start.
 */
export const PROBE_PROTOCOL_VERSION = '2025-11-25';

/** The initialize request the probe sends. */
export function probeInitialize(): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id: 'mcp-auth-bridge/probe',
    method: 'initialize',
    params: { protocolVersion: PROBE_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'mcp-auth-bridge', version: VERSION } },
  });
}

/** The probe's answer; `modern` is set when it was a 2026-07-28 server's refusal (protocol/era-signals.ts). */
export type ProbeResponse = Response & { readonly modern?: RpcErrorBody };

/**
 * POSTs the probe to the server with the configured static headers; resolves the raw response (its body already
 * consumed). A session the server opened for it is ended at once with DELETE, so probing leaves nothing behind.
 */
export async function initializeProbe(config: ServerConfig, fetch: FetchLike): Promise<ProbeResponse> {
  const timeout = config.connectTimeoutMs > 0 ? AbortSignal.timeout(config.connectTimeoutMs) : undefined;
  let response: Response;
  try {
    response = await fetch(config.url.href, {
      method: 'POST',
      headers: { ...config.headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: probeInitialize(),
      ...(timeout ? { signal: timeout } : {}),
    });
  } catch (error) {
    throw connectError(config.url, error);
  }
  // A 2026-07-28 server refuses the 2025 initialize with a modern JSON-RPC error: kept as the evidence of its era.
  const modern = response.status === 400 || response.status === 404 ? await modernRefusalOfProbe(response) : undefined;
  await response.body?.cancel().catch(() => undefined);
  if (modern) Object.assign(response, { modern });
  const session = response.headers.get('mcp-session-id');
  if (session) {
    await fetch(config.url.href, {
      method: 'DELETE',
      headers: { ...config.headers, 'mcp-session-id': session },
      signal: AbortSignal.timeout(2_000),
    })
      .then((r) => r.body?.cancel())
      .catch(() => undefined);
  }
  return response;
}
