/**
 * What `/readyz` reports: an aggregate of its own over every upstream, opened at start with a handshake of its own
 * (the client sessions' upstream sessions are theirs alone), whose members' states say which servers are ready.
 * States are fixed words; the reasons behind them (which may quote a server, or a login URL) stay in the log.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Aggregator } from '../aggregate/aggregator.js';
import type { ClientChannel } from '../bridge/bridge.js';
import { VERSION } from '../version.js';
import type { Readiness, UpstreamState } from './types.js';

/** A client that only says hello: the monitor's side of its aggregate. */
class ProbeChannel implements ClientChannel {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  async start(): Promise<void> {}
  async send(message: JSONRPCMessage): Promise<void> {
    if ('id' in message && message.id === PROBE_ID && !('method' in message)) {
      this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/initialized' } as JSONRPCMessage);
    }
  }
  async close(): Promise<void> {
    this.onclose?.();
  }
}

const PROBE_ID = 'readyz';

/** Watches the upstreams for `/readyz`; see the module comment. */
export class ReadinessMonitor {
  readonly #aggregator: Aggregator;
  readonly #channel = new ProbeChannel();

  /** @param aggregatorOn makes the monitor's aggregate over its channel */
  constructor(aggregatorOn: (channel: ClientChannel) => Aggregator) {
    this.#aggregator = aggregatorOn(this.#channel);
  }

  /** Opens the monitor's upstream sessions (in the background: servers join when they are ready). */
  async start(): Promise<void> {
    await this.#aggregator.start();
    this.#channel.onmessage?.({
      jsonrpc: '2.0',
      id: PROBE_ID,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'mcp-auth-bridge-readyz', version: VERSION } },
    } as JSONRPCMessage);
  }

  readiness(): Readiness {
    const servers: Record<string, UpstreamState> = {};
    let ready = true;
    for (const member of this.#aggregator.members) {
      const state: UpstreamState =
        member.state === 'connecting' && member.reason !== 'still connecting'
          ? 'waiting for login'
          : member.state === 'idle'
            ? 'connecting'
            : member.state;
      servers[member.spec.name] = state;
      // A server that asks for a login answers: each user logs in for themselves, so it counts as ready.
      if (state !== 'ready' && state !== 'waiting for login') ready = false;
    }
    return { ready, servers };
  }

  async close(): Promise<void> {
    await this.#aggregator.close();
  }
}
