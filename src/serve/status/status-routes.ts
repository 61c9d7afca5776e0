/**
 * The status page's routes, for the user the front has established: `GET /` (the page), `GET /status.css`,
 * `POST /status/connect` (starts the user's login to a server and sends the browser on to its link) and
 * `POST /status/disconnect` (removes the user's login to a server). Forms must carry the user's CSRF token and come
 * from the page's own origin; bodies are small and bounded.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { UserLogins } from '../users/user-logins.js';
import type { CsrfTokens } from './csrf.js';
import { readForm } from './form-body.js';
import { renderContinuePage, renderStatusPage, STATUS_CSS, STATUS_HEADERS } from './render.js';

/** What the routes work with. */
export interface StatusRoutesOptions {
  logins: UserLogins;
  /** The servers `user` may use, in the file's order. */
  serversOf(user: string): readonly string[];
  csrf: CsrfTokens;
  logger: Logger;
  /** Whether `req` is signed in with a browser session (the page then offers Sign out). */
  hasSession?: (req: IncomingMessage) => Promise<boolean>;
}

/** Serves the status page's routes; resolves false when `path` is not one of them. */
export async function handleStatusRoute(o: StatusRoutesOptions, req: IncomingMessage, res: ServerResponse, path: string, user: string): Promise<boolean> {
  if (path === '/status.css' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }).end(STATUS_CSS);
    return true;
  }
  if (path === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
    await page(o, req, res, user, 200);
    return true;
  }
  if (path !== '/status/connect' && path !== '/status/disconnect') return false;
  if (req.method !== 'POST') {
    res.writeHead(405, { ...STATUS_HEADERS, allow: 'POST' }).end();
    return true;
  }
  const form = await readForm(req);
  const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
  if (!form || !o.csrf.accepts(user, form.get('csrf'), origin)) {
    o.logger.warn(`status page: refused a form without this user's token or from another origin (${path})`);
    await page(o, req, res, user, 403, 'That request did not come from this page, so nothing was done. Use the buttons below.');
    return true;
  }
  const server = form.get('server') ?? '';
  if (!o.serversOf(user).includes(server)) {
    await page(o, req, res, user, 404, `There is no server "${server}" for you here.`);
    return true;
  }
  if (path === '/status/disconnect') {
    await o.logins.disconnect(user, server);
    o.logger.info(`status page: ${user} disconnected ${server}`);
    res.writeHead(303, { location: '/', 'cache-control': 'no-store' }).end();
    return true;
  }
  try {
    const link = await o.logins.connect(user, server);
    res.writeHead(200, STATUS_HEADERS).end(renderContinuePage(server, link));
  } catch (error) {
    await page(o, req, res, user, 502, `The login to ${server} could not start: ${describeError(error)}`);
  }
  return true;
}

async function page(o: StatusRoutesOptions, req: IncomingMessage, res: ServerResponse, user: string, status: number, notice?: string): Promise<void> {
  const servers = await o.logins.statuses(user, o.serversOf(user));
  res.writeHead(status, STATUS_HEADERS).end(renderStatusPage({ user, servers, csrf: o.csrf.tokenFor(user), signOut: (await o.hasSession?.(req)) ?? false, ...(notice ? { notice } : {}) }));
}
