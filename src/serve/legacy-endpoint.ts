/**
 * The legacy SSE endpoints of `serve` (MCP 2024-11-05, "HTTP with SSE"), for old clients: `GET …/sse` opens a
 * session and its event stream, whose first event names where to POST (`…/messages?sessionId=<id>`); each POST is
 * answered 202 and its answer comes on the stream. The session ends with its stream. Like every session, it has
 * its own channel and engine, and only the identity that opened it may post to it (else 404).
 */
import { RETRY_AFTER_S, type EndpointRequest, type FrontContext } from './front-context.js';
import { answerJson, answerRpcError, TransportError } from './http-answers.js';
import { LegacyChannel } from './legacy-channel.js';
import { readRpcMessage } from './rpc-body.js';
import { routeSession } from './cluster/session-routing.js';
import type { ServeSession } from './session-table.js';
import { SseStream } from './sse-stream.js';

/** `GET …/sse`: a new session. `r.path` is the stream's path; messages go to the sibling `messages` path. */
export async function openLegacy(ctx: FrontContext, r: EndpointRequest): Promise<void> {
  const { res, cors } = r;
  if (r.req.method !== 'GET') return answerRpcError(res, 405, TransportError.Server, 'Method not allowed', { allow: 'GET', ...cors });
  if (ctx.draining() || ctx.sessions.full) {
    return answerRpcError(res, 503, TransportError.Server, ctx.draining() ? 'Service Unavailable: shutting down' : 'Service Unavailable: too many sessions', { 'retry-after': RETRY_AFTER_S, ...cors });
  }
  const { id, serial } = ctx.sessions.nextId();
  const stream = new SseStream(res, cors, { keepAliveMs: ctx.sseKeepAliveMs });
  const logger = ctx.logger.child({ name: `session ${serial}` });
  const channel = new LegacyChannel({ stream, logger });
  const engine = ctx.backends.open(r.target, channel, { identity: r.identity, logger });
  const messages = r.path.replace(/sse$/, 'messages');
  const session: ServeSession = { id, serial, owner: r.identity, kind: 'sse', endpoint: messages, engine, channel, inFlight: () => channel.inFlight, lastSeen: Date.now() };
  ctx.sessions.add(session);
  stream.onclose = () => void ctx.sessions.close(session, 'stream closed by the client');
  await engine.start();
  await ctx.cluster?.sessions.hold(session, { kind: 'sse', endpoint: messages, target: r.target });
  stream.event(`${messages}?sessionId=${encodeURIComponent(id)}`, 'endpoint');
}

/** `POST …/messages?sessionId=<id>`: one client message for the session. */
export async function postLegacy(ctx: FrontContext, request: EndpointRequest, url: URL): Promise<void> {
  if (request.req.method !== 'POST') return answerRpcError(request.res, 405, TransportError.Server, 'Method not allowed', { allow: 'POST', ...request.cors });
  const id = url.searchParams.get('sessionId') ?? undefined;
  // A session this instance does not hold may be another instance's (cluster/session-routing.ts).
  const routed = ctx.cluster ? await routeSession(ctx, request, id) : request;
  if (routed === 'answered') return;
  const r = routed;
  const { res, cors } = r;
  const session = ctx.sessions.find(id, r.identity);
  if (!session || session.kind !== 'sse' || session.endpoint !== r.path) return answerRpcError(res, 404, TransportError.Session, 'Session not found', cors);
  const c = await readRpcMessage(ctx, r);
  if (!c) return;
  answerJson(res, 202, { status: 'accepted' }, cors);
  session.channel.receive(c.message);
}
