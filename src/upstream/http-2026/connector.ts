/**
 * Opens 2026-07-28 upstreams (MCP 2026-07-28, server/discover, basic/versioning): the {@link UpstreamConnector} of a
 * stateless server. There is no handshake: the client's `initialize` is answered here from `server/discover` —
 * the server's capabilities, instructions and info passed through, and the protocol version the client asked for
 * when the bridge speaks it (else the newest 2025 one) — and its params (capabilities, client info) go with every
 * later request in `_meta`. The open fails, with the server's own words, when `server/discover` is refused: era
 * detection (upstream/era/) reads that as "not a 2026 server".
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { BridgeError, ErrorCode } from '../../errors.js';
import { HttpErrorAnswer, type RpcErrorBody } from '../../protocol/era-signals.js';
import { LEGACY_PROTOCOL_VERSIONS, MetaKey, MODERN_PROTOCOL_VERSIONS, type ClientIdentity } from '../../protocol/modern-meta.js';
import type { OpenRequest, Upstream, UpstreamConnector } from '../port.js';
import type { HttpSessionSettings } from '../http/session-settings.js';
import { ModernUpstream, type ModernUpstreamOptions } from './upstream.js';

/** What to do when a server does not answer as a 2026-07-28 server. */
const LEGACY_HINT = 'the server may speak MCP 2025-11-25: use --protocol auto (the default), which detects it';

/** Options for {@link createModernConnector}. */
export interface ModernConnectorOptions extends HttpSessionSettings {
  /** Passed to each upstream (tests shorten the listen backoff, bound the rounds). */
  upstream?: Pick<ModernUpstreamOptions, 'maxInputRounds' | 'listenBackoff'>;
}

/** Creates the connector; see the module comment. */
export function createModernConnector(options: ModernConnectorOptions): UpstreamConnector {
  const open = async (request: OpenRequest): Promise<Upstream> => {
    const init = request.initialize as { id?: string | number; params?: { protocolVersion?: unknown; capabilities?: unknown; clientInfo?: unknown } };
    const client: ClientIdentity = {
      capabilities: isObject(init.params?.capabilities) ? init.params.capabilities : {},
      clientInfo: isObject(init.params?.clientInfo) ? init.params.clientInfo : undefined,
    };
    const { upstream: extra, ...settings } = options;
    const up = new ModernUpstream({ ...settings, ...extra, events: request.events, client });
    try {
      await up.start();
      request.onSend?.(up);
      const answer = await up.request('server/discover', {});
      const error = (answer as { error?: RpcErrorBody }).error;
      if (error) {
        throw new BridgeError(ErrorCode.UpstreamHttp, `the server refused server/discover: ${error.message} (code ${error.code})`, {
          cause: new HttpErrorAnswer(400, error),
          hint: LEGACY_HINT,
        });
      }
      const result = ((answer as { result?: Record<string, unknown> }).result ?? {}) as Record<string, unknown>;
      const supported = Array.isArray(result.supportedVersions) ? result.supportedVersions : [];
      if (!supported.some((v) => MODERN_PROTOCOL_VERSIONS.includes(v as string))) {
        throw new BridgeError(ErrorCode.UpstreamHttp, `the server does not support protocol ${MODERN_PROTOCOL_VERSIONS.join(', ')} (it lists ${supported.map(String).join(', ') || 'none'})`, {
          hint: LEGACY_HINT,
        });
      }
      const capabilities = isObject(result.capabilities) ? result.capabilities : {};
      up.setServerCapabilities(capabilities);
      const meta = isObject(result._meta) ? result._meta : {};
      const serverInfo = isObject(meta[MetaKey.serverInfo]) ? meta[MetaKey.serverInfo] : { name: options.url.host, version: 'unknown' };
      const asked = typeof init.params?.protocolVersion === 'string' ? init.params.protocolVersion : undefined;
      const protocolVersion = asked && LEGACY_PROTOCOL_VERSIONS.includes(asked) ? asked : LEGACY_PROTOCOL_VERSIONS[0]!;
      const initialized = {
        protocolVersion,
        capabilities,
        serverInfo,
        ...(typeof result.instructions === 'string' ? { instructions: result.instructions } : {}),
      };
      if (init.id !== undefined) {
        // After open resolves, as the answer to a 2025 initialize arrives after its POST was taken.
        const message = { jsonrpc: '2.0', id: init.id, result: initialized } as JSONRPCMessage;
        setImmediate(() => request.events.onmessage(message, up));
      }
      return up;
    } catch (error) {
      await up.close();
      throw error;
    }
  };
  return { open, reopen: open };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
