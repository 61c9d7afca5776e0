/**
 * Telling the client that lists changed: changes that come together (servers joining at once, a server announcing
 * each tool it adds, a file saved with several servers changed) reach the client once per kind.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** The lists a client can be told about. */
export type ListKind = 'tools' | 'prompts' | 'resources';

/** The notification of each kind. */
export const LIST_CHANGED: Readonly<Record<ListKind, string>> = {
  tools: 'notifications/tools/list_changed',
  prompts: 'notifications/prompts/list_changed',
  resources: 'notifications/resources/list_changed',
};

/** How long changes are gathered before the client is told. */
const COALESCE_MS = 25;

/** Gathers list changes and sends one notification per kind. */
export class ListChanges {
  readonly #soon = new Set<ListKind>();
  readonly #send: (message: JSONRPCMessage) => void;

  /** `send` writes to the client; it is not called once `stopped()` says so. */
  constructor(send: (message: JSONRPCMessage) => void, readonly stopped: () => boolean) {
    this.#send = send;
  }

  /** The lists of `kinds` changed. */
  changed(kinds: readonly ListKind[]): void {
    for (const kind of kinds) {
      if (this.#soon.has(kind)) continue;
      this.#soon.add(kind);
      setTimeout(() => {
        this.#soon.delete(kind);
        if (!this.stopped()) this.#send({ jsonrpc: '2.0', method: LIST_CHANGED[kind] } as JSONRPCMessage);
      }, COALESCE_MS).unref();
    }
  }
}
