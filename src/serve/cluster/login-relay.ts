/**
 * The receiving side of login-sharing.ts: relays a browser's answer at `/oauth/callback` to the instance where its
 * login waits. False when no live instance holds the `state` (the hub here then answers, as for an unknown login).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError } from '../../errors.js';
import type { ServeCluster } from './types.js';

/** The callback request to relay. */
export interface LoginAnswer {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The user the browser showed, if any. */
  caller: string | undefined;
  cors: Record<string, string>;
}

/** See the module comment. */
export async function relayLogin(cluster: ServeCluster, a: LoginAnswer): Promise<boolean> {
  const state = a.url.searchParams.get('state');
  if (!state) return false;
  try {
    const record = await cluster.find('login', state);
    if (!record || !record.alive || record.instance === cluster.instanceId) return false;
    const identity = { user: a.caller ?? '', method: 'none' as const };
    const request = { kind: 'login' as const, method: 'GET', url: `${a.url.pathname}${a.url.search}`, headers: a.req.headers, body: Buffer.alloc(0), identity, cors: a.cors };
    return (await cluster.relay(record.instance, request, a.res)) === 'relayed';
  } catch (error) {
    a.res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1' }).end(`The instance where this login waits cannot be reached now (${describeError(error)}). Reload this page in a moment.\n`);
    return true;
  }
}
