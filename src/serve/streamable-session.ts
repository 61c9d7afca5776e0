/**
 * Opening one Streamable HTTP session of `serve`: its own channel and engine (so its own upstream sessions), added to
 * the session table and started — for a client's `initialize` (streamable-endpoint.ts) and for a session taken over
 * from a stopped instance (cluster/session-adoption.ts).
 */
import type { FrontContext } from './front-context.js';
import type { ServeSession } from './session-table.js';
import { StreamableChannel } from './streamable-channel.js';

/** What {@link startStreamableSession} opens. */
export interface NewStreamableSession {
  id: string;
  serial: number;
  owner: ServeSession['owner'];
  endpoint: string;
  target: string | undefined;
  /** A session taken over: the stream tags of the instances that held it (its client may resume their streams). */
  formerStreamTags?: readonly string[] | undefined;
}

/** Opens a Streamable HTTP session under `o.id`: its own channel and engine, added to the table and started. */
export async function startStreamableSession(ctx: FrontContext, o: NewStreamableSession): Promise<Extract<ServeSession, { kind: 'streamable' }>> {
  const logger = ctx.logger.child({ name: `session ${o.serial}` });
  const channel = new StreamableChannel({ logger, formerTags: o.formerStreamTags });
  const engine = ctx.backends.open(o.target, channel, { identity: o.owner, logger });
  const session: Extract<ServeSession, { kind: 'streamable' }> = {
    id: o.id,
    serial: o.serial,
    owner: o.owner,
    kind: 'streamable',
    endpoint: o.endpoint,
    engine,
    channel,
    inFlight: () => channel.inFlight,
    lastSeen: Date.now(),
  };
  ctx.sessions.add(session);
  await engine.start();
  return session;
}
