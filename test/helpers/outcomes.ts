/**
 * Waiting for "either an answer or an exit" from a raw bridge child: how the contract lets a bridge refuse a
 * session (a JSON-RPC error for the request, or exit code 1 for a fatal upstream error).
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { RawBridge } from './bridge.js';
import type { ExitStatus } from './cli.js';
import { waitFor } from './wait.js';

/** How a request through a raw bridge ended. */
export type RequestEnd =
  | { kind: 'result'; message: JSONRPCMessage }
  | { kind: 'error'; code: number; message: string; data: unknown }
  | { kind: 'exit'; status: ExitStatus };

/**
 * Sends `initialize` (id 1) and waits (bounded) until the bridge answers it or exits.
 */
export async function initializeOutcome(raw: RawBridge, timeoutMs = 15_000): Promise<RequestEnd> {
  raw.send({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw-test-client', version: '1.0.0' } },
  });
  return requestEnd(raw, 1, timeoutMs);
}

/** Waits (bounded) until the response to request `id` arrives or the bridge exits, and says which. */
export async function requestEnd(raw: RawBridge, id: number | string, timeoutMs = 15_000): Promise<RequestEnd> {
  return waitFor(
    `an answer to request ${String(id)} or the bridge to exit (stderr: ${JSON.stringify(raw.stderr().slice(-1500))})`,
    (): RequestEnd | undefined => {
      const message = raw.messages.find((m) => 'id' in m && m.id === id && !('method' in m));
      if (message && 'error' in message) {
        return { kind: 'error', code: message.error.code, message: message.error.message, data: message.error.data };
      }
      if (message) return { kind: 'result', message };
      const status = raw.exitStatus();
      if (status) return { kind: 'exit', status };
      return undefined;
    },
    { timeoutMs },
  );
}

/**
 * Asserts-friendly summary: true when the bridge refused the request the way the contract allows for a fatal
 * upstream error (a JSON-RPC error for it, or exit code 1).
 */
export function isRefusal(end: RequestEnd): boolean {
  return end.kind === 'error' || (end.kind === 'exit' && end.status.code === 1);
}
