/**
 * One 2026-07-28 request carried by a warm engine, with multi round-trip requests (MCP 2026-07-28,
 * basic/patterns/mrtr): the request goes to the engine; if the engine's answer comes first it is the answer; if the
 * engine asks the client something first (sampling, elicitation, roots), the answer is an `input_required` result
 * listing what it asked, with a `requestState` (input-states.ts) under which the engine waits, lent to that request.
 * The client's retry carries `inputResponses`, which answer the engine's requests, and the wait goes on — for the
 * answer or another round. Input responses sent with the request itself answer the requests they name (by the
 * server's own keys) without a round. Notifications of the request (progress, log messages) go on its reply (modern-reply.ts).
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../log.js';
import type { RequestId } from '../../protocol/jsonrpc.js';
import { inputKeyOf } from '../../protocol/input-request-id.js';
import { ModernErrorCode } from '../../protocol/modern-meta.js';
import { INPUT_CAPABILITY } from '../../upstream/http-2026/input-required.js';
import type { EngineAnswer, EngineHolder } from './engine-channel.js';
import type { EnginePool } from './engine-pool.js';
import type { InputStates, InputStateSharing, SuspendedCall } from './input-states.js';
import { modernError, modernResult } from './modern-results.js';
import type { ModernReply } from './modern-reply.js';


/** What a call needs from the front. */
export interface CallContext {
  pool: EnginePool;
  states: InputStates;
  logger: Logger;
  /** Other instances on the same Redis, told of each requestState before the client learns it (cluster/). */
  sharing?: InputStateSharing;
}

/**
 * Waits for `call`'s answer or the engine's next requests to the client, and answers `reply` (JSON-RPC id `id`)
 * with the one that comes first.
 */
export function carry(ctx: CallContext, call: SuspendedCall, id: RequestId, reply: ModernReply): void {
  const { engine } = call;
  let settled = false;
  let asking: SuspendedCall['queued'] = [...call.queued];
  call.queued = [];
  let timer: NodeJS.Immediate | undefined;

  const suspend = () => {
    timer = undefined;
    if (settled) return;
    settled = true;
    const missing = [...new Set(asking.map((r) => INPUT_CAPABILITY[r.method] ?? r.method).filter((c) => !call.capabilities[c]))];
    if (missing.length) {
      // The revision's answer to a request that needs what its client did not declare; the engine's call is stuck
      // on the question, so the engine is closed rather than lent again.
      ctx.logger.info(`${call.method}: the server asked for ${missing.join(', ')}, which the client did not declare`);
      for (const r of asking) engine.channel.reply(r.id, { error: { code: -32601, message: `mcp-auth-bridge: the client did not declare ${INPUT_CAPABILITY[r.method] ?? r.method}` } });
      void ctx.pool.discard(engine);
      const requiredCapabilities = Object.fromEntries(missing.map((c) => [c, {}]));
      reply.answer(
        { jsonrpc: '2.0', id, error: { code: ModernErrorCode.MissingRequiredClientCapability, message: `Missing required client capabilities: ${missing.join(', ')}`, data: { requiredCapabilities } } },
        400,
      );
      return;
    }
    call.asked = new Map();
    const inputRequests: Record<string, unknown> = {};
    asking.forEach((r, i) => {
      // The server's own name for the request when its upstream kept it in the id (protocol/input-request-id.ts).
      const named = inputKeyOf(r.id);
      let key = named !== undefined && !call.asked.has(named) ? named : `r${i + 1}`;
      while (call.asked.has(key)) key = `${key}_`;
      call.asked.set(key, r.id);
      inputRequests[key] = { method: r.method, ...(r.params ? { params: r.params } : {}) };
    });
    asking = [];
    const requestState = ctx.states.put(call);
    const answer = () => reply.answer({ jsonrpc: '2.0', id, result: { resultType: 'input_required', inputRequests, requestState } });
    // The client's retry may reach another instance: it learns where the state is before the client does.
    if (ctx.sharing) void ctx.sharing.announce(requestState, call).finally(answer);
    else answer();
  };

  const holder: EngineHolder = {
    onServerRequest: (requestId, method, params) => {
      if (settled) return void call.queued.push({ id: requestId, method, params });
      if (answerGiven(call, requestId)) return;
      asking.push({ id: requestId, method, params });
      // The requests a server sends together are asked together.
      timer ??= setImmediate(suspend);
    },
    onNotification: (message: JSONRPCMessage) => {
      const method = (message as { method?: string }).method ?? '';
      // Those of the request in progress (the others are the listen streams'); log messages only when it set a level.
      if (!settled && (method === 'notifications/progress' || (method === 'notifications/message' && call.logs))) reply.notify(message);
    },
  };
  engine.channel.holder = holder;
  if (asking.length) timer = setImmediate(suspend);

  reply.onabandon = () => {
    if (settled) return;
    settled = true;
    if (timer) clearImmediate(timer);
    // The engine may still ask on behalf of this request: it is nobody's to reuse.
    engine.channel.notify('notifications/cancelled', { requestId: call.engineId, reason: 'the client closed its request' });
    ctx.logger.debug(`${call.method}: the client went away before its answer; closing its engine`);
    void ctx.pool.discard(engine);
  };

  void call.answer.then((answer: EngineAnswer) => {
    if (settled) return;
    settled = true;
    if (timer) clearImmediate(timer);
    // Requests the engine asked that will now never be answered (the answer did not need them).
    for (const r of asking) engine.channel.reply(r.id, { error: { code: -32603, message: 'mcp-auth-bridge: the request was already answered' } });
    ctx.pool.release(engine);
    if ('error' in answer) {
      const { error, status } = modernError(answer.error);
      return reply.answer({ jsonrpc: '2.0', id, error }, status);
    }
    reply.answer({ jsonrpc: '2.0', id, result: modernResult(call.method, answer.result) });
  });
}

/** Answers the engine's request `engineId` from the responses the client gave in advance, if one is for its key. */
function answerGiven(call: SuspendedCall, engineId: RequestId): boolean {
  const key = inputKeyOf(engineId);
  const value = key === undefined ? undefined : call.given?.[key];
  if (key === undefined || !value || typeof value !== 'object' || Array.isArray(value)) return false;
  delete call.given![key];
  const { resultType: _t, ...result } = value as Record<string, unknown>;
  call.engine.channel.reply(engineId, { result });
  return true;
}

/**
 * Answers the engine's requests of the last round with the client's `inputResponses` (by the keys it was given);
 * a key the client left out is answered with an error, so the engine's request ends either way.
 */
export function answerInputs(call: SuspendedCall, responses: unknown): void {
  const given = responses && typeof responses === 'object' && !Array.isArray(responses) ? (responses as Record<string, unknown>) : {};
  for (const [key, engineId] of call.asked) {
    const value = given[key];
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const { resultType: _t, ...result } = value as Record<string, unknown>;
      call.engine.channel.reply(engineId, { result });
    } else {
      call.engine.channel.reply(engineId, { error: { code: -32602, message: `mcp-auth-bridge: the client sent no input response for ${key}` } });
    }
  }
  call.asked = new Map();
}
