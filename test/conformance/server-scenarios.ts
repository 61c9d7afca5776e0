/**
 * What `npm run conformance:server` demands of each SERVER scenario, and the known failures with their evidence.
 *
 * The rule: every scenario that passes against the fixture directly passes through `serve` (both targets); and
 * serve's own scenarios — what the HTTP front does itself, whatever the server behind it — pass through serve even
 * where the direct fixture does not. A scenario that fails directly too (the fixture implements the 2025-11-25
 * server: the 2026-07-28 and extension scenarios fail against it) is reported, not counted.
 */
import type { KnownFailure } from './scenarios.js';
import type { TargetId } from './server-targets.js';

/** Scenarios about the HTTP front itself: they must pass through serve whatever the server behind does. */
export const SERVE_OWN = new Set(['dns-rebinding-protection', 'server-sse-polling', 'server-sse-multiple-streams']);

/** A known failure of a server scenario: as the client runner's, plus the targets it applies to (default: all). */
export interface ServerKnownFailure extends KnownFailure {
  targets?: TargetId[];
}

export const SERVER_KNOWN: Record<string, ServerKnownFailure> = {
  // 0.1.16's scenario sends its test POST with `MCP-Protocol-Version: 2025-03-26` (after initializing at 2025-11-25)
  // and then wants the 2025-11-25 priming event on it. Priming events (an `id:` with empty data) are a 2025-11-25
  // feature that older clients cannot parse, so the SDK's own server (the fixture, directly) and serve both leave
  // them out for that version. 0.2 sends 2025-11-25 and passes through serve.
  'server-sse-polling': {
    kind: 'suite defect',
    why: '0.1.16 asks for a priming event on a POST it marks MCP-Protocol-Version 2025-03-26 (priming is 2025-11-25; the SDK server refuses it too)',
    suites: ['0.1'],
  },
};

/** The known failure of a scenario in one suite and target, if any. */
export function serverKnownFor(scenario: string, suite: string, target: TargetId): ServerKnownFailure | undefined {
  const k = SERVER_KNOWN[scenario];
  if (!k) return undefined;
  if (k.suites && !k.suites.includes(suite as never)) return undefined;
  if (k.targets && !k.targets.includes(target)) return undefined;
  return k;
}
