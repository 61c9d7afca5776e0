/**
 * The 2026-07-28 side's requestStates across instances ({@link InputStateSharing}): the engine a suspended request
 * waits in lives in one process, so the instance that answered `input_required` records that it holds the state
 * before the client learns it, and a retry that reaches another instance is relayed there (its body is the message
 * as parsed; the user must be the one the state was made for). A state whose instance stopped is gone with its
 * engine: the retry is refused as for an expired state, and the client sends its request again without it.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { EndpointRequest } from '../front-context.js';
import { answerJson } from '../http-answers.js';
import type { InputStateSharing, SuspendedCall } from '../modern/input-states.js';
import type { ServeCluster } from './types.js';

/** Options for {@link clusterInputStates}. */
export interface ClusterInputStatesOptions {
  cluster: ServeCluster;
  /** How long a state is kept (the room's TTL). */
  ttlMs: number;
  logger: Logger;
}

/** See the module comment. */
export function clusterInputStates(o: ClusterInputStatesOptions): InputStateSharing {
  const { cluster, logger } = o;
  let warned = false;
  return {
    async announce(state: string, call: SuspendedCall) {
      try {
        await cluster.hold({ kind: 'input-state', id: state, owner: { user: call.user, method: 'any' }, data: '', ttlMs: o.ttlMs });
        warned = false;
      } catch (error) {
        if (!warned) logger.warn(`a requestState is not recorded in Redis (${describeError(error)}); its retry works on this instance only`);
        warned = true;
      }
    },
    forget: (state) => cluster.release('input-state', state),
    async route(state: string, r: EndpointRequest, message: JSONRPCMessage) {
      try {
        const record = await cluster.find('input-state', state);
        if (!record || record.instance === cluster.instanceId || !record.alive || record.owner.user !== r.identity.user) return false;
        const body = Buffer.from(JSON.stringify(message), 'utf8');
        const headers = { ...r.req.headers, 'content-length': String(body.length) };
        const outcome = await cluster.relay(record.instance, { kind: 'input-state', method: 'POST', url: r.req.url ?? r.path, headers, body, identity: r.identity, cors: r.cors }, r.res);
        return outcome === 'relayed';
      } catch (error) {
        logger.warn(`a retry whose requestState another instance holds could not be routed: ${describeError(error)}`);
        const id = 'id' in message ? message.id : null;
        answerJson(r.res, 503, { jsonrpc: '2.0', id, error: { code: -32000, message: `Service Unavailable: the instance holding this requestState cannot be reached now (${describeError(error)})` } }, { 'retry-after': '1', ...r.cors });
        return true;
      }
    },
  };
}
