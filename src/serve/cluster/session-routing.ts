/**
 * Requests for a session this instance does not hold (a load balancer sent them here): the session's record in
 * Redis says which instance holds it and for whom. A request of that user is relayed to the holder and answered
 * from there as it comes; when the holder stopped, a Streamable HTTP session is taken over here
 * (session-adoption.ts) and the request is handled as any other. The holder of a session's earlier requests is
 * tried first, without reading the record (session-routes.ts). An unknown session, another user's, or a legacy SSE
 * session whose instance stopped (its stream ended with it) is answered here as unknown (404) by the endpoint.
 */
import { describeError } from '../../errors.js';
import type { EndpointRequest, FrontContext } from '../front-context.js';
import { answerRpcError, TransportError } from '../http-answers.js';
import { describeUser } from '../session-table.js';
import { readLimitedBody } from '../rpc-body.js';
import { relayedIncoming } from './relayed-response.js';
import { adoptSession } from './session-adoption.js';
import { heldSessionOf } from './session-holds.js';
import type { HeldRecord } from './types.js';

/** `answered`: the request was answered (relayed, or refused); else the request to handle here (its body again). */
export type Routed = 'answered' | EndpointRequest;

/**
 * Routes a request naming session `id` when this instance does not have it; see the module comment. `r` itself
 * when nothing was read or decided.
 */
export async function routeSession(ctx: FrontContext, r: EndpointRequest, id: string | undefined): Promise<Routed> {
  const cluster = ctx.cluster;
  if (!cluster || r.relayed || id === undefined || id === '' || ctx.sessions.has(id)) return r;
  const { req, res, cors } = r;
  let body: Buffer = Buffer.alloc(0);
  if (req.method === 'POST') {
    const read = await readLimitedBody(ctx, r);
    if (!read) return 'answered';
    body = read;
  }
  const here: EndpointRequest = { ...r, req: relayedIncoming({ method: req.method ?? 'GET', url: req.url ?? r.path, headers: req.headers, body }) };
  const request = { kind: 'session' as const, method: req.method ?? 'GET', url: req.url ?? r.path, headers: req.headers, body, identity: r.identity, cors };
  const isOwner = (owner: HeldRecord['owner']) => owner.user === r.identity.user && owner.method === r.identity.method;
  try {
    // The route of the session's earlier requests first: no Redis read before the relay (session-routes.ts).
    const known = cluster.routes.get(id);
    if (known && isOwner(known.owner)) {
      if ((await cluster.link.relay(known.instance, request, res)) === 'relayed') return 'answered';
      cluster.routes.delete(id);
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      const record = await cluster.link.find('session', id);
      if (!record || record.instance === cluster.link.instanceId) return here;
      if (!isOwner(record.owner)) {
        ctx.logger.warn(`refused ${describeUser(r.identity)} a session of another user held by another instance (answered 404 as for an unknown session)`);
        return here;
      }
      if (record.alive) {
        const outcome = await cluster.link.relay(record.instance, request, res);
        if (outcome === 'relayed') {
          cluster.routes.set(id, { instance: record.instance, owner: record.owner });
          return 'answered';
        }
        if (outcome === 'misdirected') continue; // closed there, or taken over since: the record again
      }
      const held = heldSessionOf(record.data);
      if (held?.kind !== 'streamable' || !held.initialize || held.endpoint !== r.path) return here;
      if (!(await cluster.link.adopt('session', id, record.instance))) continue; // another instance took it: relay there
      await adoptSession(ctx, { id, owner: r.identity, held: { ...held, initialize: held.initialize }, from: record.instance });
      return here;
    }
    return here;
  } catch (error) {
    ctx.logger.warn(`a request for a session held elsewhere could not be routed: ${describeError(error)}`);
    if (!res.headersSent) answerRpcError(res, 503, TransportError.Server, `Service Unavailable: this session is held by another instance, which cannot be reached now (${describeError(error)})`, { 'retry-after': '1', ...cors });
    return 'answered';
  }
}
