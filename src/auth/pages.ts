/**
 * The pages the loopback callback shows in the user's browser: a success page ("you can close this tab", which
 * server and account) or an error page that says what happened and what to do. Self-contained HTML, every value
 * escaped, served with a CSP that forbids scripts.
 */

/** What a page says. */
export interface PageContent {
  ok: boolean;
  title: string;
  /** Sentences shown under the title; plain text, escaped here. */
  lines: string[];
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Renders a page. */
export function renderPage(page: PageContent): string {
  const colour = page.ok ? '#1a7f37' : '#cf222e';
  const mark = page.ok ? '&#10003;' : '&#10007;';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(page.title)} · mcp-auth-bridge</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem;color:${colour}}p{margin:.6rem 0}small{color:#59636e}</style></head>
<body><h1>${mark} ${escapeHtml(page.title)}</h1>
${page.lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n')}
<p><small>mcp-auth-bridge</small></p></body></html>`;
}

/** Headers for every page: no caching, no referrer, no scripts. */
export const PAGE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
};
