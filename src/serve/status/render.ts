/**
 * The status page's HTML: for the signed-in user, each server with its state, its token's end and a Connect or
 * Disconnect button. Server-rendered, every value escaped, no script at all (the CSP forbids it), the forms carry
 * the CSRF token. A notice (a failed Connect) may be shown above the list.
 */
import type { ServerStatus } from '../users/user-logins.js';

/**
 * The headers of every status page response: a strict CSP (no script; the stylesheet is our own), no caching, and
 * a referrer policy that keeps the page's address to its own origin (`no-referrer` would make the browser send
 * `Origin: null` on the page's own forms, which the CSRF check refuses).
 */
export const STATUS_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'same-origin',
  'content-security-policy': "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

/** The page's stylesheet, served at `/status.css`. */
export const STATUS_CSS = `body{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.5rem;border-bottom:1px solid #d0d7de}
.state-connected{color:#1a7f37}.state-expired,.state-error,.state-needs-login{color:#cf222e}.notice{background:#fff8c5;padding:.6rem}
form{display:inline}button{font:inherit;padding:.2rem .8rem}small{color:#59636e}`;

const WORDS: Record<ServerStatus['state'], string> = {
  connected: 'connected',
  expired: 'login expired',
  'needs-login': 'needs login',
  'login-in-progress': 'login in progress',
  'no-login-needed': 'no login needed',
  local: 'local server',
  error: 'error',
};

/** `text` safe inside HTML text and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** What the page shows. */
export interface StatusView {
  user: string;
  servers: readonly ServerStatus[];
  csrf: string;
  notice?: string;
  /** Whether the user signed in with a browser session (a Sign out button is shown). */
  signOut?: boolean;
  /** Formats an instant for the reader (tests pass a fixed one). */
  formatTime?: (epochMs: number) => string;
}

/** Renders the page. */
export function renderStatusPage(view: StatusView): string {
  const when = view.formatTime ?? ((ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC');
  const form = (action: string, server: string, label: string) =>
    `<form method="post" action="/status/${action}"><input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}"><input type="hidden" name="server" value="${escapeHtml(server)}"><button type="submit">${label}</button></form>`;
  const rows = view.servers.map((s) => {
    const details = s.state === 'connected' && s.expiresAt !== undefined ? `token until ${when(s.expiresAt)}${s.renews ? ', renews itself' : ''}` : s.reason ?? '';
    const action =
      s.state === 'connected' || s.state === 'expired'
        ? form('disconnect', s.name, 'Disconnect')
        : s.state === 'needs-login' || s.state === 'error' || s.state === 'login-in-progress'
          ? form('connect', s.name, 'Connect')
          : '';
    return `<tr><td>${escapeHtml(s.name)}</td><td class="state-${s.state}">${WORDS[s.state]}</td><td>${escapeHtml(details)}</td><td>${action}</td></tr>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Servers · mcp-auth-bridge</title><link rel="stylesheet" href="/status.css"></head>
<body><h1>Your servers</h1><p>Signed in as <strong>${escapeHtml(view.user)}</strong>.</p>
${view.signOut ? `<form method="post" action="/auth/sign-out"><input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}"><button type="submit">Sign out</button></form>` : ''}
${view.notice ? `<p class="notice">${escapeHtml(view.notice)}</p>` : ''}
<table><thead><tr><th>Server</th><th>State</th><th>Details</th><th></th></tr></thead><tbody>
${rows.join('\n') || '<tr><td colspan="4">No server is available to you.</td></tr>'}
</tbody></table>
<p><small>mcp-auth-bridge</small></p></body></html>`;
}

/**
 * The page after Connect: it sends the browser on to the login link (a meta refresh, and the link itself), since
 * the page's CSP (`form-action 'self'`) rightly stops a form's redirect to another origin.
 */
export function renderContinuePage(server: string, link: string): string {
  const href = escapeHtml(link);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${href}">
<title>Log in to ${escapeHtml(server)} · mcp-auth-bridge</title><link rel="stylesheet" href="/status.css"></head>
<body><h1>Log in to ${escapeHtml(server)}</h1><p><a href="${href}">Continue to the login page</a></p>
<p><small>mcp-auth-bridge</small></p></body></html>`;
}
