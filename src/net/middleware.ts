/**
 * Fetch middleware in the MCP TypeScript SDK's shape (`Middleware` in its client/middleware.ts): a layer takes the
 * fetch below it and returns a fetch. Every layer of the product's fetch stacks has this shape, and
 * {@link composeFetch} stacks them. Only the SDK's type is used: its module also loads the SDK's OAuth client,
 * which the bridge never needs at start-up.
 */
import type { Middleware } from '@modelcontextprotocol/sdk/client/middleware.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';

export type { Middleware };

/**
 * Stacks `layers` on `bottom`, listed top to bottom: the first layer sees a request first and its response last.
 * (The SDK's `applyMiddlewares` reads the other way round: its last middleware is the outermost.) An `undefined`
 * entry is a layer that is off, so a stack can be written once with its optional layers in place.
 */
export function composeFetch(layers: ReadonlyArray<Middleware | undefined>, bottom: FetchLike): FetchLike {
  let fetch = bottom;
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    if (layer) fetch = layer(fetch);
  }
  return fetch;
}
