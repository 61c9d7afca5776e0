/**
 * Taking over a 2025-11-25 session whose instance stopped: the session is opened here again under the same id, for
 * the same user, endpoint and server, and its engine is given the client's recorded `initialize` (and
 * `notifications/initialized`) as if the client had sent them, so its upstream sessions are opened as they were. The
 * client keeps its session id and goes on; what it had in flight on the stopped instance is lost with it, and a
 * client that resumes one of those streams is told so at once (lost-streams.ts: the session keeps the stopped
 * instance's stream tag), so it sends the request again instead of waiting for its time-out. The upstream sees a new
 * session, as after the bridge's own session recovery.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describeError } from '../../errors.js';
import type { FrontContext } from '../front-context.js';
import type { InboundIdentity } from '../inbound-auth/types.js';
import { PostReply } from '../post-reply.js';
import type { ServeSession } from '../session-table.js';
import { startStreamableSession } from '../streamable-session.js';
import { RelayedResponse } from './relayed-response.js';
import type { HeldSession } from './session-holds.js';

/** The id the replayed `initialize` is sent under (never one a client chose: a string of ours). */
const REPLAY_ID = 'mcp-auth-bridge/taken-over';
/** Longest wait for the replayed `initialize` to be answered. */
const REPLAY_MS = 30_000;

/** What {@link adoptSession} opens again. */
export interface AdoptSessionOptions {
  id: string;
  owner: InboundIdentity;
  held: HeldSession & { initialize: JSONRPCMessage };
  /** The instance it is taken from, for the log line. */
  from: string;
}

/** Opens the session again here; see the module comment. Resolves once its upstream answered the `initialize`. */
export async function adoptSession(ctx: FrontContext, o: AdoptSessionOptions): Promise<Extract<ServeSession, { kind: 'streamable' }>> {
  const serial = ctx.sessions.nextSerial();
  const session = await startStreamableSession(ctx, { id: o.id, serial, owner: o.owner, endpoint: o.held.endpoint, target: o.held.target, formerStreamTags: o.held.streamTags });
  ctx.logger.info(`session ${serial} taken over from instance ${o.from}, which stopped`);
  const initialize = { ...(o.held.initialize as object), id: REPLAY_ID } as JSONRPCMessage;
  const answered = new Promise<void>((resolve) => {
    const sink = new RelayedResponse(() => undefined);
    sink.once('close', () => resolve());
    session.channel.receive([initialize], new PostReply({ res: sink.asResponse(), ids: [REPLAY_ID], mode: 'json', headers: {} }));
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), REPLAY_MS)));
  try {
    if ((await Promise.race([answered, late])) === 'late') ctx.logger.warn(`session ${serial}: the upstream did not answer the replayed initialize within ${REPLAY_MS / 1000} s`);
  } catch (error) {
    ctx.logger.warn(`session ${serial}: replaying initialize failed: ${describeError(error)}`);
  } finally {
    clearTimeout(timer);
  }
  session.channel.receive([{ jsonrpc: '2.0', method: 'notifications/initialized' }], undefined);
  await ctx.cluster?.sessions.hold(session, { ...o.held, streamTags: session.channel.streamTags });
  return session;
}
