/**
 * The front's own pages: `/healthz` (the process answers: 200 `{"status":"ok"}`), `/readyz` (each upstream's state
 * as a fixed word, never a reason or a secret: 200 when every one is ready, else 503; with a shared store, whether
 * it answers, as a word that does not change the status), and `/`, a placeholder until the status page comes, under
 * a strict Content-Security-Policy.
 */
import type { ServerResponse } from 'node:http';
import { answerJson } from './http-answers.js';
import type { Readiness, StoreState } from './types.js';

/** The Content-Security-Policy of every page `serve` renders: nothing but its own styles, no script at all. */
export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** `/healthz`. */
export function answerHealth(res: ServerResponse): void {
  answerJson(res, 200, { status: 'ok' });
}

/** `/readyz`; `store` only with a shared store. */
export function answerReadiness(res: ServerResponse, readiness: Readiness, store?: StoreState): void {
  answerJson(res, readiness.ready ? 200 : 503, { status: readiness.ready ? 'ready' : 'not ready', servers: readiness.servers, ...(store ? { store } : {}) });
}

const PLACEHOLDER = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mcp-auth-bridge serve</title></head>
<body><h1>mcp-auth-bridge serve</h1>
<p>This server carries MCP clients to remote MCP servers. Point your MCP client at <code>/mcp</code>.</p>
<p>The status page (logins and servers per user) is not built yet: it comes with a later version. Meanwhile,
<code>/readyz</code> shows each server's state.</p>
</body></html>
`;

/** `/`: the placeholder page. */
export function answerHome(res: ServerResponse): void {
  res
    .writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': PAGE_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    })
    .end(PLACEHOLDER);
}
