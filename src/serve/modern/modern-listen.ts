/**
 * `subscriptions/listen` for 2026-07-28 clients of `serve` (MCP 2026-07-28, basic/patterns/subscriptions): an event
 * stream that starts with `notifications/subscriptions/acknowledged` (the filter's honoured part: what the engine's
 * capabilities say can change) and then carries the engine's list-change notifications and the updates of the
 * resources asked for (subscribed on the engine with `resources/subscribe`), each stamped with the subscription id
 * (the listen request's id) in `_meta`. The engine is lent to the stream while it is open, and closed with it (its
 * subscriptions are its state).
 */
import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { RequestId } from '../../protocol/jsonrpc.js';
import { MetaKey } from '../../protocol/modern-meta.js';
import { SseStream } from '../sse-stream.js';
import type { EnginePool, PooledEngine } from './engine-pool.js';

/** The revision's `SubscriptionFilter`. */
interface Filter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

const LIST_CHANGED: Readonly<Record<string, keyof Filter>> = {
  'notifications/tools/list_changed': 'toolsListChanged',
  'notifications/prompts/list_changed': 'promptsListChanged',
  'notifications/resources/list_changed': 'resourcesListChanged',
};

/** At most this many resources per stream. */
const MAX_SUBSCRIPTIONS = 256;

/** The part of `asked` the engine's capabilities can honour. */
function honoured(asked: unknown, capabilities: Record<string, { listChanged?: unknown; subscribe?: unknown } | undefined>): Filter {
  const a = (asked && typeof asked === 'object' ? asked : {}) as Record<string, unknown>;
  const uris = Array.isArray(a.resourceSubscriptions) ? a.resourceSubscriptions.filter((u): u is string => typeof u === 'string').slice(0, MAX_SUBSCRIPTIONS) : [];
  return {
    ...(a.toolsListChanged === true && capabilities.tools?.listChanged ? { toolsListChanged: true } : {}),
    ...(a.promptsListChanged === true && capabilities.prompts?.listChanged ? { promptsListChanged: true } : {}),
    ...(a.resourcesListChanged === true && capabilities.resources?.listChanged ? { resourcesListChanged: true } : {}),
    ...(uris.length && capabilities.resources?.subscribe ? { resourceSubscriptions: uris } : {}),
  };
}

function stamped(message: { method: string; params?: Record<string, unknown> }, id: RequestId): JSONRPCMessage {
  const params = message.params ?? {};
  const meta = (params._meta ?? {}) as Record<string, unknown>;
  return { jsonrpc: '2.0', method: message.method, params: { ...params, _meta: { ...meta, [MetaKey.subscriptionId]: id } } } as JSONRPCMessage;
}

/** Options for {@link listen}. */
export interface ListenOptions {
  pool: EnginePool;
  /** Lent to the stream while it is open. */
  engine: PooledEngine;
  res: ServerResponse;
  /** The listen request's id: the subscription id. */
  id: RequestId;
  params: Record<string, unknown>;
  headers: Record<string, string>;
  /** The open listen streams (ended by the drain). */
  streams: Set<SseStream>;
  /**
   * A comment line every this many ms while the stream is quiet (`--sse-keepalive`), so proxies and load balancers
   * do not close a listen stream that has nothing to say; 0 or absent: none.
   */
  keepAliveMs?: number;
}

/** Opens the stream of listen request `id` with `params` on the lent `engine`; it ends when the client closes it. */
export async function listen(o: ListenOptions): Promise<void> {
  const { engine, id } = o;
  const capabilities = (engine.initialized.capabilities ?? {}) as Record<string, { listChanged?: unknown; subscribe?: unknown } | undefined>;
  const filter = honoured(o.params.notifications, capabilities);
  const uris = new Set(filter.resourceSubscriptions ?? []);
  for (const uri of uris) {
    const { answer } = engine.channel.request('resources/subscribe', { uri });
    await answer;
  }
  if (o.res.destroyed || o.res.writableEnded) return void o.pool.discard(engine); // the client left meanwhile
  const stream = new SseStream(o.res, o.headers, { keepAliveMs: o.keepAliveMs ?? 0 });
  o.streams.add(stream);
  stream.onclose = () => {
    o.streams.delete(stream);
    void o.pool.discard(engine);
  };
  engine.channel.holder = {
    onServerRequest: (requestId, method) =>
      engine.channel.reply(requestId, { error: { code: -32603, message: `mcp-auth-bridge: ${method} cannot be asked on a listen stream` } }),
    onNotification: (message) => {
      const m = message as { method: string; params?: Record<string, unknown> };
      const flag = LIST_CHANGED[m.method];
      const wanted = flag ? filter[flag] === true : m.method === 'notifications/resources/updated' && uris.has(String(m.params?.uri));
      if (wanted) stream.event(JSON.stringify(stamped(m, id)));
    },
  };
  stream.event(JSON.stringify(stamped({ method: 'notifications/subscriptions/acknowledged', params: { notifications: filter } }, id)));
}
