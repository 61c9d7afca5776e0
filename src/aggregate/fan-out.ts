/**
 * A list request across servers: `tools/list`, `prompts/list`, `resources/list` and `resources/templates/list`
 * go to every ready server that offers the kind, at once, so a list takes as long as the slowest server, bounded:
 * a server that has not answered after `waitMs` is left out of this answer, and its late answer makes the
 * aggregator tell the client the list changed. A failing server is left out too; the others' items still come.
 *
 * Pagination across servers: the cursor the client gets is opaque (naming/cursor.ts) and holds each server's own
 * cursor; the next page asks only the servers that had more.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { BridgeError, ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { Member } from './member.js';
import { decodeCursor, encodeCursor } from './naming/cursor.js';

/** The list methods, with the field their items are in and the capability a server needs. */
export const LIST_METHODS: Readonly<Record<string, { field: string; capability: string }>> = {
  'tools/list': { field: 'tools', capability: 'tools' },
  'prompts/list': { field: 'prompts', capability: 'prompts' },
  'resources/list': { field: 'resources', capability: 'resources' },
  'resources/templates/list': { field: 'resourceTemplates', capability: 'resources' },
};

/** Options for {@link listAcross}. */
export interface ListAcrossOptions {
  method: string;
  /** The client's cursor, if it asked for a next page. */
  cursor: unknown;
  /** The servers, in the file's order. */
  members: readonly Member[];
  /** Bound on waiting for one server. */
  waitMs: number;
  /** Turns one server's page into the items the client sees (names, URIs, filters). */
  expose(member: Member, result: Record<string, unknown>, fresh: boolean): unknown[];
  /** A server answered after it was left out. */
  onLate(member: Member): void;
  logger: Logger;
}

/** Lists across servers; see the module comment. Rejects only for a cursor that is not one of ours. */
export async function listAcross(o: ListAcrossOptions): Promise<Record<string, unknown>> {
  const kind = LIST_METHODS[o.method]!;
  let cursors: Record<string, string> | undefined;
  if (o.cursor !== undefined) {
    cursors = typeof o.cursor === 'string' ? decodeCursor(o.cursor) : undefined;
    if (!cursors) throw new BridgeError(ErrorCode.BadInput, `the cursor of this ${o.method} request is not one mcp-auth-bridge gave`, { hint: 'list from the first page again' });
  }
  const targets = o.members.filter((m) => m.offers(kind.capability) && (!cursors || m.spec.slug in cursors));
  const pages = await Promise.all(targets.map((member) => page(o, member, cursors?.[member.spec.slug])));
  const items: unknown[] = [];
  const next: Record<string, string> = {};
  targets.forEach((member, i) => {
    const result = pages[i];
    if (!result) return;
    items.push(...o.expose(member, result, cursors === undefined));
    if (typeof result.nextCursor === 'string' && result.nextCursor) next[member.spec.slug] = result.nextCursor;
  });
  return { [kind.field]: items, ...(Object.keys(next).length > 0 ? nextPage(next, o) : {}) };
}

/** The cursor of the next page; none when the servers' own cursors are too large to carry (the list ends here). */
function nextPage(next: Record<string, string>, o: ListAcrossOptions): { nextCursor?: string } {
  try {
    return { nextCursor: encodeCursor(next) };
  } catch (error) {
    o.logger.warn(`${o.method}: the servers' cursors are too large to carry in one cursor (${String(error)}); the list ends with this page`);
    return {};
  }
}

async function page(o: ListAcrossOptions, member: Member, cursor: string | undefined): Promise<Record<string, unknown> | undefined> {
  let inTime = true;
  const answer = member.request(o.method, cursor === undefined ? undefined : { cursor }).then(
    (response) => resultOf(response, member, o),
    (error: unknown) => {
      o.logger.warn(`${member.spec.name}: ${o.method} failed: ${String(error)}`);
      return undefined;
    },
  );
  if (o.waitMs <= 0) return answer;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      inTime = false;
      resolve(undefined);
    }, o.waitMs);
  });
  const result = await Promise.race([answer, late]);
  clearTimeout(timer);
  if (!inTime) {
    o.logger.warn(`${member.spec.name}: ${o.method} took longer than ${o.waitMs} ms; listed without it, the client is told when it answers`);
    void answer.then((r) => r && o.onLate(member));
  }
  return result;
}

function resultOf(response: JSONRPCMessage, member: Member, o: ListAcrossOptions): Record<string, unknown> | undefined {
  const result = (response as { result?: unknown }).result;
  if (typeof result === 'object' && result !== null) return result as Record<string, unknown>;
  const error = (response as { error?: { message?: unknown } }).error;
  o.logger.warn(`${member.spec.name}: ${o.method} refused: ${String(error?.message ?? 'no result')}`);
  return undefined;
}
