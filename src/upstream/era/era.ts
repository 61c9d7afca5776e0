/**
 * The protocol eras a server may speak (MCP 2026-07-28, basic/versioning "Terminology"): legacy (`2025-11-25`, an
 * `initialize` handshake and sessions) and modern (`2026-07-28`, per-request metadata, no sessions), and what the
 * user may choose with `--protocol`. Pure.
 */

/** A server's protocol era, named by the newest revision of it the bridge speaks. */
export type ProtocolEra = '2025-11-25' | '2026-07-28';

/** `--protocol`: detect the era (`auto`), or speak one. */
export type ProtocolChoice = 'auto' | ProtocolEra;

/** The eras, legacy first. */
export const PROTOCOL_ERAS: readonly ProtocolEra[] = ['2025-11-25', '2026-07-28'];

/** The best-known peer's spellings of the eras, accepted as synonyms. */
export const ERA_SYNONYMS: Readonly<Record<string, ProtocolEra>> = { legacy: '2025-11-25', modern: '2026-07-28' };

/** Whether `value` names an era. */
export function isProtocolEra(value: unknown): value is ProtocolEra {
  return typeof value === 'string' && (PROTOCOL_ERAS as readonly string[]).includes(value);
}
