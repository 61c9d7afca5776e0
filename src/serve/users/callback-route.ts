/**
 * `GET /oauth/callback`: the one redirect URI of every user's upstream logins in `serve` (auth/web-callback/hub.ts
 * routes each response to its login by `state`). The browser that arrives carries no bearer token, so the route is
 * reached without inbound auth; when the front can tell who it is (a trusted identity header), the hub refuses a
 * response for another user's login.
 */
import type { ServerResponse } from 'node:http';
import type { CallbackHub } from '../../auth/web-callback/hub.js';
import { PAGE_HEADERS, renderPage } from '../../auth/pages.js';

/** The path of the shared callback. */
export const CALLBACK_PATH = '/oauth/callback';

/** Answers one hit on the callback: `query` is the request's query, `caller` the user the front established, if any. */
export async function answerCallback(hub: CallbackHub, res: ServerResponse, query: URLSearchParams, caller: string | undefined): Promise<void> {
  const answer = await hub.deliver(query, caller);
  res.writeHead(answer.status, PAGE_HEADERS).end(renderPage(answer.page));
}
