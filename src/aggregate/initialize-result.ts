/**
 * The aggregate's answer to the client's `initialize`: the protocol version the client asked for when the bridge
 * speaks it (else the newest it does), the union of the ready servers' capabilities, the bridge's own serverInfo, and
 * each ready server's instructions under its name (naming/capabilities.ts).
 */
import { LEGACY_PROTOCOL_VERSIONS } from '../protocol/modern-meta.js';
import type { Member } from './member.js';
import { mergeCapabilities, mergeInstructions } from './naming/capabilities.js';

/** What {@link initializeResult} answers from. */
export interface InitializeFacts {
  /** The `protocolVersion` the client asked for. */
  asked: unknown;
  /** Every server of the aggregate, in the file's order (the ready ones contribute). */
  members: readonly Member[];
  /** The bridge's version. */
  version: string;
}

/** The `initialize` result; see the module comment. */
export function initializeResult(o: InitializeFacts): Record<string, unknown> {
  const ready = o.members.filter((m) => m.state === 'ready');
  const instructions = mergeInstructions(ready.map((m) => ({ name: m.spec.name, ...(m.instructions ? { instructions: m.instructions } : {}) })));
  return {
    protocolVersion: typeof o.asked === 'string' && LEGACY_PROTOCOL_VERSIONS.includes(o.asked) ? o.asked : LEGACY_PROTOCOL_VERSIONS[0],
    capabilities: mergeCapabilities(ready.map((m) => m.capabilities)),
    serverInfo: { name: 'mcp-auth-bridge', title: `mcp-auth-bridge (${o.members.length} servers)`, version: o.version },
    ...(instructions ? { instructions } : {}),
  };
}
