/**
 * `logging/setLevel` on a server that several sessions share (MCP 2025-11-25, server/utilities/logging): the server
 * has one level, the sessions may each ask for another. The server is set to the most verbose level any sharing
 * session asked for, and each session gets only the `notifications/message` at or above its own level; a session
 * that never asked gets every message the server sends, as it would from a server left at its own default.
 */

/** The syslog severities of MCP logging, least severe first (RFC 5424 §6.2.1 order, reversed). */
const LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;

/** A level's rank, least severe 0; undefined for a word that is not a level. */
function rankOf(level: unknown): number | undefined {
  const rank = LEVELS.indexOf(level as (typeof LEVELS)[number]);
  return rank < 0 ? undefined : rank;
}

/** Whether `level` is a logging level of MCP. */
export function isLogLevel(level: unknown): level is string {
  return rankOf(level) !== undefined;
}

/** The most verbose of `levels` (the one that lets the most through), or undefined when none is given. */
export function mostVerbose(levels: Iterable<string | undefined>): string | undefined {
  let best: number | undefined;
  for (const level of levels) {
    const rank = rankOf(level);
    if (rank !== undefined && (best === undefined || rank < best)) best = rank;
  }
  return best === undefined ? undefined : LEVELS[best];
}

/**
 * Whether a message at `messageLevel` reaches a session that asked for `sessionLevel` (undefined: it never asked,
 * so everything does). A message whose level is not one of MCP's reaches everyone: it is not ours to drop.
 */
export function passes(messageLevel: unknown, sessionLevel: string | undefined): boolean {
  const wanted = rankOf(sessionLevel);
  const rank = rankOf(messageLevel);
  return wanted === undefined || rank === undefined || rank >= wanted;
}
