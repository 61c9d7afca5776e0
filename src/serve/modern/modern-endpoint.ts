/**
 * The 2026-07-28 side of the Streamable HTTP endpoints of `serve` (MCP 2026-07-28, transports/streamable-http): each
 * POST is a request on its own, with no session. Its headers are checked against its body (standard-headers.ts);
 * the client's capabilities and info come from its `_meta`; it is carried by a warm engine of the user's
 * (engine-pool.ts): `server/discover` answered from the engine's `initialize` result, `subscriptions/listen` as a
 * stream (modern-listen.ts), the methods the revision removed refused (404, -32601), anything else forwarded, with `input_required` rounds for what the engine asks the
 * client (modern-call.ts, input-states.ts). Notifications from a 2026 client are taken (202) and dropped: the
 * revision's cancellation is closing the request's answer, which is handled.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describeError, isBridgeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Classified, RequestId } from '../../protocol/jsonrpc.js';
import { MetaKey, type ClientIdentity } from '../../protocol/modern-meta.js';
import { ToolCatalog } from '../../upstream/http-2026/tool-catalog.js';
import { RETRY_AFTER_S, type EndpointRequest } from '../front-context.js';
import { answerJson } from '../http-answers.js';
import type { SseStream } from '../sse-stream.js';
import type { ServeBackends } from '../types.js';
import { EnginePool, PoolFull, type PooledEngine } from './engine-pool.js';
import { InputStates, type InputStateSharing } from './input-states.js';
import { answerInputs, carry } from './modern-call.js';
import { listen } from './modern-listen.js';
import { ModernReply } from './modern-reply.js';
import { discoverResult, engineParams } from './modern-results.js';
import { checkParamHeaders, checkStandardHeaders, NAMED_PARAM } from './standard-headers.js';

/** Options for {@link ModernRoom}. */
export interface ModernRoomOptions {
  backends: ServeBackends;
  logger: Logger;
  /** Bounds of the engine pool and the state table (tests shorten them). */
  engines?: { maxPerKey?: number; maxTotal?: number; idleMs?: number };
  statesTtlMs?: number;
  /** True once the front drains: new requests are refused (503), retries of suspended ones still served. */
  draining?: () => boolean;
  /** The comment interval of listen streams (`--sse-keepalive`); 0 or absent: none. */
  sseKeepAliveMs?: number;
  /** Other instances on the same Redis (cluster/input-state-sharing.ts); absent: this process alone. */
  sharing?: InputStateSharing;
}

/** What the 2026 side keeps across requests: the warm engines, the suspended requests, the listen streams. */
export class ModernRoom {
  readonly pool: EnginePool;
  readonly states: InputStates;
  readonly logger: Logger;
  readonly streams = new Set<SseStream>();
  readonly draining: () => boolean;
  readonly sseKeepAliveMs: number;
  readonly sharing: InputStateSharing | undefined;

  constructor(o: ModernRoomOptions) {
    this.sharing = o.sharing;
    this.draining = o.draining ?? (() => false);
    this.sseKeepAliveMs = o.sseKeepAliveMs ?? 0;
    this.logger = o.logger.child({ name: '2026' });
    this.pool = new EnginePool({
      backends: o.backends,
      logger: this.logger,
      ...o.engines,
      // A client whose engines all wait for input it never sent gets the oldest one back, its round expired.
      reclaim: (key) => this.states.expireOldest((call) => call.engine.key === key),
    });
    this.states = new InputStates({
      ...(o.statesTtlMs ? { ttlMs: o.statesTtlMs } : {}),
      onExpire: (call) => {
        this.logger.info(`${call.method}: the client did not come back with its input; closing the engine that waited`);
        void this.pool.discard(call.engine);
      },
      ...(o.sharing ? { onForget: (state: string) => o.sharing!.forget(state) } : {}),
    });
  }

  /** Ends the listen streams, the suspended requests and the engines. */
  async close(): Promise<void> {
    const [streams, suspended, engines] = [this.streams.size, this.states.size, this.pool.size];
    for (const stream of [...this.streams]) stream.end();
    this.states.clear();
    await this.pool.close();
    if (engines > 0) this.logger.info(`closed ${engines} engine(s) of 2026-07-28 clients (${streams} listen stream(s), ${suspended} request(s) waiting for input)`);
  }
}

/**
 * Methods of 2025-11-25 that the 2026-07-28 revision removed (basic/lifecycle: no handshake, no ping; logging levels
 * and resource subscriptions travel in `_meta` and `subscriptions/listen`): Method not found, HTTP 404, as for any
 * method a server does not implement.
 */
const REMOVED_METHODS: ReadonlySet<string> = new Set(['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe']);
const METHOD_NOT_FOUND = -32601;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const rpcError = (id: RequestId | null, code: number, message: string, data?: unknown) => ({ jsonrpc: '2.0', id, error: { code, message, ...(data === undefined ? {} : { data }) } });

/** Handles one 2026-07-28 POST whose body is `c`; see the module comment. */
export async function handleModern(room: ModernRoom, r: EndpointRequest, message: JSONRPCMessage, c: Classified): Promise<void> {
  const { req, res, cors } = r;
  if (c.kind !== 'request') {
    res.writeHead(202, cors).end();
    return;
  }
  const id = c.id;
  const params = isObject((message as { params?: unknown }).params) ? ((message as { params: Record<string, unknown> }).params) : {};
  const refused = checkStandardHeaders(req.headers, c.method, params);
  if (refused) return answerJson(res, refused.status, rpcError(id, refused.code, refused.message, refused.data), cors);
  const meta = isObject(params._meta) ? params._meta : {};
  const capabilities = meta[MetaKey.clientCapabilities];
  const clientInfo = meta[MetaKey.clientInfo];
  const client: ClientIdentity = { capabilities: isObject(capabilities) ? capabilities : {}, clientInfo: isObject(clientInfo) ? clientInfo : undefined };
  const reply = new ModernReply(res, { accept: req.headers.accept ?? '', headers: cors });
  if (REMOVED_METHODS.has(c.method)) return reply.answer(rpcError(id, METHOD_NOT_FOUND, `Method not found: ${c.method} is not part of protocol 2026-07-28`), 404);

  const nameParam = NAMED_PARAM[c.method];
  const name = nameParam && typeof params[nameParam] === 'string' ? (params[nameParam] as string) : undefined;
  // Each input response must be a response object (SEP-2322), with or without a requestState; refused before a
  // state is spent, so a corrected retry with the same requestState still works.
  if ('inputResponses' in params && !validInputResponses(params.inputResponses)) {
    return reply.answer(rpcError(id, -32602, 'Invalid params: inputResponses must be an object that maps each requested input to its response object'));
  }
  if (typeof params.requestState === 'string') {
    const taken = room.states.take(params.requestState, { user: r.identity.user, endpoint: r.path, method: c.method, name });
    // A state another instance holds: the retry is answered there.
    if (taken === 'unknown' && room.sharing && !r.relayed && (await room.sharing.route(params.requestState, r, message))) return;
    if (typeof taken === 'string') {
      room.logger.warn(`refused a retry of ${c.method}: its requestState is ${taken === 'unknown' ? 'unknown or expired' : "another request's"}`);
      return reply.answer(rpcError(id, -32602, 'Invalid params: requestState is unknown or expired; send the request again without it'));
    }
    answerInputs(taken, params.inputResponses);
    return carry(room, taken, id, reply);
  }

  if (room.draining()) return answerJson(res, 503, rpcError(id, -32000, 'Service Unavailable: shutting down'), { 'retry-after': RETRY_AFTER_S, ...cors });
  let engine: PooledEngine;
  try {
    engine = await room.pool.acquire({ identity: r.identity, endpoint: r.path, target: r.target, client });
  } catch (error) {
    if (error instanceof PoolFull) return answerJson(res, 503, rpcError(id, -32000, `Service Unavailable: ${error.message}`), { 'retry-after': RETRY_AFTER_S, ...cors });
    room.logger.warn(`could not open an engine for ${c.method}: ${describeError(error)}`);
    return reply.answer(rpcError(id, -32603, `mcp-auth-bridge: ${isBridgeError(error) ? error.message : 'the servers could not be reached'}`));
  }
  if (c.method === 'server/discover') {
    room.pool.release(engine);
    return reply.answer({ jsonrpc: '2.0', id, result: discoverResult(engine.initialized) });
  }
  if (c.method === 'subscriptions/listen') return listen({ pool: room.pool, engine, res, id, params, headers: cors, streams: room.streams, keepAliveMs: room.sseKeepAliveMs });

  if (c.method === 'tools/call' && name !== undefined) {
    let mismatch = checkParamHeaders(req.headers, await toolsOf(engine), name, params.arguments);
    if (mismatch) {
      // The tool may have changed without a list_changed: refused only against a fresh list.
      engine.tools = undefined;
      mismatch = checkParamHeaders(req.headers, await toolsOf(engine), name, params.arguments);
    }
    if (mismatch) {
      room.pool.release(engine);
      return answerJson(res, mismatch.status, rpcError(id, mismatch.code, mismatch.message), cors);
    }
  }
  // A 2026 request names its log level in `_meta` (none: no log messages); the engine's upstreams hear it as setLevel.
  const level = meta[MetaKey.logLevel];
  if (typeof level === 'string' && level !== engine.logLevel) {
    engine.logLevel = level;
    await engine.channel.request('logging/setLevel', { level }).answer;
  }
  if (reply.done) {
    // The client left while the engine was opened or prepared: nothing of its request was sent.
    room.pool.release(engine);
    return;
  }
  const sent = engine.channel.request(c.method, engineParams(params));
  if (c.method === 'tools/list') {
    void sent.answer.then((a) => {
      if ('result' in a) (engine.tools ??= new ToolCatalog(room.logger)).learn(a.result);
    });
  }
  carry(
    room,
    {
      user: r.identity.user,
      endpoint: r.path,
      method: c.method,
      name,
      engine,
      engineId: sent.id,
      capabilities: client.capabilities,
      logs: typeof level === 'string',
      answer: sent.answer,
      asked: new Map(),
      queued: [],
      ...(isObject(params.inputResponses) ? { given: { ...params.inputResponses } } : {}),
    },
    id,
    reply,
  );
}

/**
 * The engine's tool catalog, learned with one `tools/list` (first page) when the engine has none yet — what the
 * `Mcp-Param-*` headers of a call are checked against. A tool on a later page is not checked.
 */
async function toolsOf(engine: PooledEngine): Promise<ToolCatalog> {
  if (engine.tools) return engine.tools;
  const catalog = new ToolCatalog(engine.channel.logger);
  const { answer } = engine.channel.request('tools/list', {});
  const a = await answer;
  if ('result' in a) catalog.learn(a.result);
  engine.tools = catalog;
  return catalog;
}

/** Whether `value` is an object whose every value is an object (a response to one requested input). */
function validInputResponses(value: unknown): boolean {
  if (!isObject(value)) return false;
  return Object.values(value).every((item) => isObject(item));
}
