/**
 * Which server a client request is for, and its parameters as that server knows them: a tool or prompt by the
 * name the client sees (catalog.ts), a resource by its URI (naming/uris.ts), a completion by its reference. A name
 * that only a listing can resolve (a shortened one, or a read-only filter that needs annotations) lists that
 * server first.
 */
import { BridgeError, ErrorCode } from '../errors.js';
import type { Catalog, NamedKind } from './catalog.js';
import type { Member } from './member.js';
import { ownerOfUri } from './naming/uris.js';

/** The methods routed to one server. */
export const ROUTED_METHODS = new Set([
  'tools/call',
  'prompts/get',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'completion/complete',
]);

/** A request's server and its parameters for that server. */
export interface Target {
  member: Member;
  params: Record<string, unknown>;
}

/** What {@link findTarget} works with. */
export interface TargetContext {
  members: readonly Member[];
  catalog: Catalog<Member>;
  /** Lists `kind` of `member` (through the catalog), so a name can be resolved. */
  list(kind: NamedKind, member: Member): Promise<void>;
}

/** Finds the server of a routed request; rejects with a `BridgeError` that says what is wrong. */
export async function findTarget(method: string, params: Record<string, unknown>, ctx: TargetContext): Promise<Target> {
  switch (method) {
    case 'tools/call': {
      const { member, name } = await resolveName('tools', params.name, ctx);
      const allowed = ctx.catalog.allows(member, name) ?? (await ctx.list('tools', member), ctx.catalog.allows(member, name));
      if (allowed !== true) {
        throw new BridgeError(ErrorCode.UnknownTarget, `tool ${JSON.stringify(params.name)} is not available: the configuration of server "${member.spec.name}" does not allow it`, {
          hint: 'see its "tools" allow/block lists and "readOnly" in the configuration file',
        });
      }
      return { member, params: { ...params, name } };
    }
    case 'prompts/get': {
      const { member, name } = await resolveName('prompts', params.name, ctx);
      return { member, params: { ...params, name } };
    }
    case 'completion/complete': {
      const ref = params.ref as { type?: unknown; name?: unknown; uri?: unknown } | undefined;
      if (ref?.type === 'ref/prompt') {
        const { member, name } = await resolveName('prompts', ref.name, ctx);
        return { member, params: { ...params, ref: { ...ref, name } } };
      }
      const { member, uri } = resourceOwner(ref?.uri, ctx);
      return { member, params: { ...params, ref: { ...ref, uri } } };
    }
    default: {
      const { member, uri } = resourceOwner(params.uri, ctx);
      return { member, params: { ...params, uri } };
    }
  }
}

async function resolveName(kind: NamedKind, exposed: unknown, ctx: TargetContext): Promise<{ member: Member; name: string }> {
  const what = kind === 'tools' ? 'tool' : 'prompt';
  if (typeof exposed !== 'string') throw new BridgeError(ErrorCode.BadInput, `the request names no ${what}`);
  let found = ctx.catalog.resolve(kind, exposed, ctx.members);
  if (!found) {
    // A shortened name is known only from a listing: list the servers it may be from, then look again.
    const candidates = ctx.members.filter((m) => exposed.startsWith(m.spec.slug) && !ctx.catalog.listed(kind, m) && m.offers(kind));
    await Promise.all(candidates.map((m) => ctx.list(kind, m).catch(() => undefined)));
    found = ctx.catalog.resolve(kind, exposed, ctx.members);
  }
  if (!found) {
    throw new BridgeError(ErrorCode.UnknownTarget, `no server of this configuration has a ${what} named ${JSON.stringify(exposed)}`, {
      hint: `${what}s carry their server's name as a prefix; list them again (the server may have been removed or renamed)`,
    });
  }
  return found;
}

function resourceOwner(exposed: unknown, ctx: TargetContext): { member: Member; uri: string } {
  if (typeof exposed !== 'string') throw new BridgeError(ErrorCode.BadInput, 'the request names no resource URI');
  const owner = ownerOfUri(exposed, (slug) => ctx.members.some((m) => m.spec.slug === slug));
  const member = owner && ctx.members.find((m) => m.spec.slug === owner.slug);
  if (!owner || !member) {
    throw new BridgeError(ErrorCode.UnknownTarget, `no server of this configuration has the resource ${JSON.stringify(exposed)}`, {
      hint: 'resource URIs are <server>+<uri>, as the bridge lists them; list resources again',
    });
  }
  return { member, uri: owner.uri };
}
