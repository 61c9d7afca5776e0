/**
 * What `npm run conformance:server` demands of each SERVER scenario, and the known failures with their evidence.
 *
 * The rule: every scenario that passes against the fixture directly passes through `serve` (both targets); and
 * serve's own scenarios — what the HTTP front does itself, whatever the server behind it — pass through serve even
 * where the direct fixture does not. A scenario that fails directly too (the 2025-11-25 fixture fails the 2026-07-28
 * and extension scenarios; the run at 2026-07-28 has a fixture of its own) is reported, not counted. A scenario that
 * cannot apply to a target (SERVER_NOT_APPLICABLE: what it checks is something the server behind that target
 * cannot say) is reported as n/a with why, not counted.
 */
import type { KnownFailure } from './scenarios.js';
import type { SuiteId } from './suites.js';
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

/** A scenario that cannot apply to some targets of a suite's run, and why. */
export interface NotApplicable {
  suites: SuiteId[];
  targets: TargetId[];
  why: string;
}

/** What a local (stdio) server behind `serve --config` cannot give a 2026-07-28 client, whatever serve does. */
const OVER_STDIO = 'a local server speaks 2025-11-25 to serve over stdio (the fixture runs the SDK\'s 2025 shim there)';

export const SERVER_NOT_APPLICABLE: Record<string, NotApplicable> = {
  'input-required-result-basic-elicitation': {
    suites: ['0.2@2026-07-28'],
    targets: ['serve-stdio'],
    why: `wants the server's own key ("user_name") in inputRequests; ${OVER_STDIO}, where a request to the client has an id and no key, so serve names it (through \`serve <url>\` the 2026 server's keys are kept)`,
  },
  'input-required-result-ignore-extra-params': {
    suites: ['0.2@2026-07-28'],
    targets: ['serve-stdio'],
    why: `answers with the server's keys before being asked; ${OVER_STDIO}, which has no keys to match, so serve asks first (a round; the SHOULD is a WARNING)`,
  },
  'input-required-result-multiple-input-requests': {
    suites: ['0.2@2026-07-28'],
    targets: ['serve-stdio'],
    why:
      `wants three input requests in one round; ${OVER_STDIO}, where they are three separate messages: serve asks together those that arrive in ` +
      'one turn of its event loop, which over a pipe depends on timing (it passes on some runs)',
  },
  'server-stateless': {
    suites: ['0.2@2026-07-28'],
    targets: ['serve-stdio'],
    why:
      `two of its checks need what ${OVER_STDIO} cannot say: -32021 (2025-11-25 has no such code: the shim answers the tool with an error result) ` +
      'and a list change made by one request seen on the listen stream of another (serve gives each 2026 engine its own child process, and the fixture keeps its lists per process); the rest passes',
  },
};

/** Whether a scenario cannot apply to one target of one suite's run. */
export function notApplicableFor(scenario: string, suite: string, target: TargetId): NotApplicable | undefined {
  const n = SERVER_NOT_APPLICABLE[scenario];
  return n && n.suites.includes(suite as SuiteId) && n.targets.includes(target) ? n : undefined;
}
