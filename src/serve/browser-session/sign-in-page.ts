/**
 * The sign-in page of serve's status page, for browsers that carry no credentials (static-token and JWT users):
 * a form to paste one's token (POSTed, never put in a URL, never shown back), and/or a link that signs in with the
 * issuer serve trusts. Server-rendered, every value escaped, no script (the status page's CSP and headers).
 */
import { escapeHtml } from '../status/render.js';

/** What the page offers. */
export interface SignInView {
  /** Offer the token form, with this CSRF value. */
  tokenForm?: { csrf: string };
  /** Offer sign-in with the issuer: the issuer's name as shown, and where the link starts it. */
  issuer?: { label: string; href: string };
  /** Where to go once signed in (a path on this server). */
  next: string;
  notice?: string;
}

/** Renders the sign-in page. */
export function renderSignInPage(view: SignInView): string {
  const parts: string[] = [];
  if (view.issuer) {
    parts.push(`<p><a href="${escapeHtml(view.issuer.href)}">Sign in with ${escapeHtml(view.issuer.label)}</a></p>`);
  }
  if (view.tokenForm) {
    parts.push(
      `<form method="post" action="/auth/token"><input type="hidden" name="csrf" value="${escapeHtml(view.tokenForm.csrf)}"><input type="hidden" name="next" value="${escapeHtml(view.next)}">` +
        `<p><label>Your token for this server<br><input type="password" name="token" autocomplete="off" required size="40"></label></p><p><button type="submit">Sign in</button></p></form>`,
    );
  }
  if (parts.length === 0) {
    parts.push('<p>This server offers no way to sign in from a browser. Ask its operator (serve needs static tokens, or --browser-client-id with --jwt-issuer).</p>');
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in · mcp-auth-bridge</title><link rel="stylesheet" href="/status.css"></head>
<body><h1>Sign in</h1>
${view.notice ? `<p class="notice">${escapeHtml(view.notice)}</p>` : ''}
${parts.join('\n')}
<p><small>mcp-auth-bridge</small></p></body></html>`;
}

/**
 * `next` when it is a path on this server (`/…`, not `//…` nor `/\…`, which browsers read as another host), else `/`:
 * where a sign-in returns to is never another site.
 */
export function safeNext(next: string | null | undefined): string {
  if (typeof next !== 'string' || next.length > 4096 || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  try {
    const url = new URL(next, 'http://serve.invalid');
    return url.origin === 'http://serve.invalid' ? `${url.pathname}${url.search}` : '/';
  } catch {
    return '/';
  }
}
