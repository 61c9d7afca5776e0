/**
 * The JSON-RPC error that stands in for a server answer the bridge will not pass on (over the size limit, or nested
 * too deeply to write), in the same shape as the bridge's other failures. Both sides use it: the upstream bounds as
 * answers arrive, the client side when an answer cannot be written.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { BridgeError, describeError, ErrorCode } from '../errors.js';
import { errorResponse, RpcErrorCode, type RequestId } from './jsonrpc.js';

/** The error for a server answer whose objects and arrays nest deeper than `max` levels. */
export function answerTooDeep(max: number, method: string | undefined): BridgeError {
  return new BridgeError(ErrorCode.MessageTooLarge, `the server's answer to ${method ?? 'the request'} nests deeper than ${max} levels`, {
    hint: 'the server sent an answer no client can use; report it to the server\'s operator',
  });
}

/** The JSON-RPC error response that stands in for an answer the bridge refused. */
export function refusedAnswer(id: RequestId, error: BridgeError): JSONRPCMessage {
  return errorResponse(id, RpcErrorCode.ConnectionClosed, `mcp-auth-bridge: ${describeError(error)}`, { code: error.code });
}
