/**
 * The Streamable HTTP endpoint of `serve` (MCP 2025-11-25, "Streamable HTTP"): POST carries client messages (an
 * `initialize` opens a session, whose id comes back in `Mcp-Session-Id`), GET opens the session's stream for the
 * server's own messages, DELETE ends the session. Each session has its own channel and engine, so its own upstream
 * sessions: nothing is shared between inbound sessions. Refusals as the specification says: 400 without a session
 * id (or with an unsupported `MCP-Protocol-Version`), 404 for an unknown session — or another user's.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import type { RequestId } from '../protocol/jsonrpc.js';
import { RETRY_AFTER_S, type EndpointRequest, type FrontContext } from './front-context.js';
import { answerRpcError, TransportError } from './http-answers.js';
import { PostReply } from './post-reply.js';
import { readRpcMessage } from './rpc-body.js';
import type { ServeSession } from './session-table.js';
import { SseStream } from './sse-stream.js';
import { primingAllowed } from './stream-events.js';
import { startStreamableSession } from './streamable-session.js';
import { handleModern } from './modern/modern-endpoint.js';
import { routeSession } from './cluster/session-routing.js';
import { isModernRequest, namesModernVersion } from './modern/modern-request.js';

const SESSION_HEADER = 'mcp-session-id';

/** Handles one request to a Streamable HTTP endpoint. */
export async function handleStreamable(ctx: FrontContext, request: EndpointRequest): Promise<void> {
  let r = request;
  if (ctx.cluster && !r.relayed) {
    // A session this instance does not hold may be another instance's (cluster/session-routing.ts).
    const id = r.req.headers[SESSION_HEADER];
    if (typeof id === 'string' && !ctx.sessions.has(id)) {
      const routed = await routeSession(ctx, r, id);
      if (routed === 'answered') return;
      r = routed;
    }
  }
  const { req, res, cors } = r;
  if (namesModernVersion(req.headers) && req.method !== 'POST') {
    // The 2026-07-28 revision has no session to GET or DELETE.
    return answerRpcError(res, 405, TransportError.Server, 'Method not allowed: 2026-07-28 requests are POSTs', { allow: 'POST', ...cors });
  }
  // A POST is read first: a 2026-07-28 request naming a version nobody speaks gets that revision's answer.
  if (req.method !== 'POST' && unsupportedVersion(r)) return refuseVersion(r);
  if (req.method === 'POST') return post(ctx, r);
  if (req.method === 'GET') return get(ctx, r);
  if (req.method === 'DELETE') return del(ctx, r);
  answerRpcError(res, 405, TransportError.Server, 'Method not allowed', { allow: 'GET, POST, DELETE', ...cors });
}

/** Whether the request names a protocol version neither era's side speaks. */
function unsupportedVersion(r: EndpointRequest): boolean {
  const version = r.req.headers['mcp-protocol-version'];
  return typeof version === 'string' && !namesModernVersion(r.req.headers) && !SUPPORTED_PROTOCOL_VERSIONS.includes(version);
}

function refuseVersion(r: EndpointRequest): void {
  const version = JSON.stringify(r.req.headers['mcp-protocol-version']);
  answerRpcError(r.res, 400, TransportError.InvalidRequest, `Bad Request: unsupported protocol version ${version} (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`, r.cors);
}

/** The session a request names, or the answer that refuses it (400 without an id, 404 unknown or not theirs). */
function sessionOf(ctx: FrontContext, r: EndpointRequest): Extract<ServeSession, { kind: 'streamable' }> | undefined {
  const id = r.req.headers[SESSION_HEADER];
  if (typeof id !== 'string' || id === '') {
    answerRpcError(r.res, 400, TransportError.Server, 'Bad Request: Mcp-Session-Id header is required', r.cors);
    return undefined;
  }
  const session = ctx.sessions.find(id, r.identity);
  if (!session || session.kind !== 'streamable' || session.endpoint !== r.path) {
    answerRpcError(r.res, 404, TransportError.Session, 'Session not found', r.cors);
    return undefined;
  }
  return session;
}

async function post(ctx: FrontContext, r: EndpointRequest): Promise<void> {
  const { req, res, cors } = r;
  const type = req.headers['content-type'] ?? '';
  if (!type.toLowerCase().startsWith('application/json')) {
    return answerRpcError(res, 415, TransportError.Server, 'Unsupported Media Type: Content-Type must be application/json', cors);
  }
  const c = await readRpcMessage(ctx, r);
  if (!c) return;
  const message = c.message;
  if (isModernRequest(req.headers, message)) return handleModern(ctx.modern, r, message, c);
  if (unsupportedVersion(r)) return refuseVersion(r);
  const accept = req.headers.accept ?? '';
  const events = accept.includes('text/event-stream');
  const mode = events && (accept.includes('application/json') || accept.includes('*/*')) ? 'auto' : events ? 'sse' : 'json';
  if (c.kind === 'request' && c.method === 'initialize') {
    if (req.headers[SESSION_HEADER] !== undefined) return answerRpcError(res, 400, TransportError.InvalidRequest, 'Invalid Request: initialize opens a new session; send it without Mcp-Session-Id', cors);
    return open(ctx, r, message, c.id, mode);
  }
  const channel = sessionOf(ctx, r)?.channel;
  if (!channel) return;
  if (c.kind !== 'request') {
    res.writeHead(202, cors).end();
    channel.receive([message], undefined);
    return;
  }
  if (channel.pending(c.id)) return answerRpcError(res, 400, TransportError.InvalidRequest, `Invalid Request: request id ${JSON.stringify(c.id)} is already in use`, cors);
  const streams = primingAllowed(req.headers['mcp-protocol-version']) ? channel.streams : undefined;
  channel.receive([message], new PostReply({ res, ids: [c.id], mode, headers: cors, streams }));
}

/** Opens a session with its `initialize`: its own channel and engine. */
async function open(ctx: FrontContext, r: EndpointRequest, message: JSONRPCMessage, id: RequestId, mode: 'sse' | 'json' | 'auto'): Promise<void> {
  const { res, cors } = r;
  if (ctx.draining() || ctx.sessions.full) {
    if (!ctx.draining()) ctx.logger.warn(`refused a new session: ${ctx.sessions.size} are open (--max-sessions)`);
    return answerRpcError(res, 503, TransportError.Server, ctx.draining() ? 'Service Unavailable: shutting down' : 'Service Unavailable: too many sessions', { 'retry-after': RETRY_AFTER_S, ...cors });
  }
  const { id: sessionId, serial } = ctx.sessions.nextId();
  const session = await startStreamableSession(ctx, { id: sessionId, serial, owner: r.identity, endpoint: r.path, target: r.target });
  // Recorded before the client learns the id: its next request may reach another instance.
  await ctx.cluster?.sessions.hold(session, { kind: 'streamable', endpoint: r.path, target: r.target, initialize: message, streamTags: session.channel.streamTags });
  const { channel } = session;
  channel.receive([message], new PostReply({ res, ids: [id], mode, headers: { 'mcp-session-id': sessionId, ...cors } }));
}

async function get(ctx: FrontContext, r: EndpointRequest): Promise<void> {
  const { req, res, cors } = r;
  if (!(req.headers.accept ?? '').includes('text/event-stream')) {
    return answerRpcError(res, 406, TransportError.Server, 'Not Acceptable: the client must accept text/event-stream', cors);
  }
  const channel = sessionOf(ctx, r)?.channel;
  if (!channel) return;
  const last = req.headers['last-event-id'];
  const keepAlive = { keepAliveMs: ctx.sseKeepAliveMs };
  if (typeof last === 'string' && channel.resume(last, () => new SseStream(res, cors, keepAlive))) return;
  if (channel.listening) return answerRpcError(res, 409, TransportError.Server, 'Conflict: this session already has a GET stream open', cors);
  channel.listen(new SseStream(res, cors, keepAlive), primingAllowed(req.headers['mcp-protocol-version']));
}

async function del(ctx: FrontContext, r: EndpointRequest): Promise<void> {
  const session = sessionOf(ctx, r);
  if (!session) return;
  await ctx.sessions.close(session, 'ended by the client');
  r.res.writeHead(200, r.cors).end();
}
