/**
 * One client request on its way through a 2026-07-28 server (upstream.ts): its POSTs, one per round of
 * `input_required` (MRTR), each with an id of its own, until the final result. Pure state; the upstream drives it.
 */
import type { RequestId } from '../../protocol/jsonrpc.js';

/** A client request and its rounds. */
export interface Call {
  clientId: RequestId;
  method: string;
  params: Record<string, unknown>;
  /** Closes the POST in flight (the 2026-07-28 cancellation); aborted by the upstream's close too. */
  abort: AbortController;
  /** The id of the POST in flight. */
  wireId: RequestId;
  rounds: number;
  /** Embedded requests still waiting for the client, by the bridge's id. */
  waiting: Map<RequestId, string>;
  responses: Record<string, unknown>;
  requestState: string | undefined;
  refreshedTools: boolean;
  versionRetried: boolean;
  done: boolean;
}

/** A call before its first POST: the client's id on the wire, no rounds yet. */
export function newCall(clientId: RequestId, method: string, params: Record<string, unknown>): Call {
  return {
    clientId,
    method,
    params,
    abort: new AbortController(),
    wireId: clientId,
    rounds: 0,
    waiting: new Map(),
    responses: {},
    requestState: undefined,
    refreshedTools: false,
    versionRetried: false,
    done: false,
  };
}
