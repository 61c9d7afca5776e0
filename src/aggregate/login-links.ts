/**
 * A call to a server that waits for the user's login, answered the MCP 2025-11-25 way when the client can take it:
 * a URL-mode elicitation the client shows its user (`URLElicitationRequiredError`, -32042, whose data lists the
 * elicitation: its id, the login URL and why), then `notifications/elicitation/complete` once that server is ready,
 * so the client may retry. Clients without URL-mode elicitation get the error that contains the link instead.
 * Used by `serve`, where no browser opens on the machine that runs the bridge.
 */
import { randomUUID } from 'node:crypto';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** MCP 2025-11-25: the error a request gets when a URL-mode elicitation must be completed first. */
export const URL_ELICITATION_REQUIRED = -32042;

/** Bound on elicitations remembered per server (a client retrying in a loop cannot grow memory). */
const MAX_PER_SERVER = 32;

/** Whether the client declared URL-mode elicitation in its `initialize` capabilities. */
export function acceptsUrlElicitation(initParams: Record<string, unknown> | undefined): boolean {
  const elicitation = (initParams?.capabilities as { elicitation?: { url?: unknown } } | undefined)?.elicitation;
  return typeof elicitation === 'object' && elicitation !== null && elicitation.url !== undefined;
}

/** The elicitations handed out per server, until it is ready. */
export class LoginLinks<M> {
  readonly #open = new Map<M, string[]>();

  /** The error answer for request `id`: a URL-mode elicitation of `url` for `serverName`'s login. */
  offer(member: M, serverName: string, url: string, id: string | number): JSONRPCMessage {
    const elicitationId = randomUUID();
    const ids = this.#open.get(member) ?? [];
    ids.push(elicitationId);
    if (ids.length > MAX_PER_SERVER) ids.shift();
    this.#open.set(member, ids);
    const message = `Log in to ${serverName} to use its tools`;
    return {
      jsonrpc: '2.0',
      id,
      error: { code: URL_ELICITATION_REQUIRED, message: `${message}: open the link`, data: { elicitations: [{ mode: 'url', elicitationId, url, message }] } },
    } as JSONRPCMessage;
  }

  /** `member` is ready: the notifications that complete its elicitations. */
  completed(member: M): JSONRPCMessage[] {
    const ids = this.#open.get(member) ?? [];
    this.#open.delete(member);
    return ids.map((elicitationId) => ({ jsonrpc: '2.0', method: 'notifications/elicitation/complete', params: { elicitationId } }) as JSONRPCMessage);
  }

  /** `member` was removed. */
  forget(member: M): void {
    this.#open.delete(member);
  }
}
