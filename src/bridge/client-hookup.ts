/**
 * How an engine (a {@link Bridge}, the aggregate room's Aggregator, a shared-upstream session of serve) takes hold
 * of its client channel and waits for its requests in flight when the client's input ends: the same few steps for
 * each, written once.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ClientChannel } from './bridge.js';

/** What an engine does with its client channel's events. */
export interface ClientHandlers {
  /** Each message the client sent. */
  onMessage(message: JSONRPCMessage): void;
  /** The channel closed, or the client's input ended (answers may still be written after the latter). */
  onEnd(): void;
  logger: Logger;
}

/** Hooks `handlers` to `client` and starts it; a channel error is logged, never thrown. */
export async function hookClient(client: ClientChannel, handlers: ClientHandlers): Promise<void> {
  client.onmessage = (message) => handlers.onMessage(message);
  client.onerror = (error) => handlers.logger.warn(`client channel: ${describeError(error)}`);
  client.onclose = () => handlers.onEnd();
  client.oninputend = () => handlers.onEnd();
  await client.start();
}

/** Resolves true when `idle` settles within `timeoutMs`, false when the time runs out first. */
export async function idleWithin(idle: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    idle.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
  ]);
  clearTimeout(timer);
  return settled;
}
