/**
 * The connect timeout of the upstream fetch stack (fetch-stack.ts): applies the timeout that the upstream seam
 * marked a request with, to the network exchange only (until response headers). It sits just above the network,
 * so layers above it (the auth layer, which may wait minutes for a browser login) pass the mark along untouched
 * and are not counted.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { BridgeError, ErrorCode } from '../errors.js';
import type { Middleware } from './middleware.js';

/** Symbol key on a RequestInit: milliseconds the network exchange may take until headers. Copied by `{...init}`. */
export const CONNECT_TIMEOUT = Symbol('mcp-auth-bridge.connectTimeout');

/** A RequestInit that may carry the {@link CONNECT_TIMEOUT} mark. */
export type MarkedInit = RequestInit & { [CONNECT_TIMEOUT]?: number };

/** Wraps `inner` so that marked requests are aborted when headers take longer than their mark. */
export function createBoundedFetch(inner: FetchLike): FetchLike {
  return async (input, init?: MarkedInit) => {
    const ms = init?.[CONNECT_TIMEOUT];
    if (!ms || ms <= 0) return inner(input, init);
    const controller = new AbortController();
    const parent = init.signal ?? undefined;
    const onParentAbort = () => controller.abort(parent?.reason);
    if (parent?.aborted) controller.abort(parent.reason);
    else parent?.addEventListener('abort', onParentAbort, { once: true });
    let fired = false;
    const timer = setTimeout(() => {
      fired = true;
      controller.abort(new Error(`timed out after ${ms} ms`));
    }, ms);
    try {
      return await inner(input, { ...init, signal: controller.signal });
    } catch (error) {
      if (fired) {
        const url = typeof input === 'string' ? new URL(input) : input;
        throw new BridgeError(ErrorCode.Connect, `no answer from ${url.origin} within ${ms} ms`, {
          cause: error,
          hint: 'the server is slow or unreachable; raise --connect-timeout if it is just slow',
        });
      }
      throw error;
    } finally {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    }
  };
}

/** {@link createBoundedFetch} as a fetch-stack layer (the SDK's middleware shape). */
export const connectTimeout: Middleware = (next) => createBoundedFetch(next);
