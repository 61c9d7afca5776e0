/**
 * The documented messages of `serve --store redis://…`'s browser pages and sessions, as a user behind a load balancer
 * meets them, produced for real: built serve processes on one real Redis behind the test balancer. The sign-in page
 * while Redis is away (503 "Sign-in unavailable"), a session no instance holds (404 "Session not found": its
 * instance was killed and Redis, without persistence, restarted), a login link Redis lost (410 "No login here"), and
 * the sign-in limit counted across instances (429).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { writeConfigFile } from '../aggregate/aggregate-bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { startAuthStack } from '../helpers/oidc/index.js';
import { startStreamableServer } from '../helpers/servers.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { loginLink } from '../helpers/team-member.js';
import { startTeam, storeKey } from '../serve/browser-state/instances.js';
import { HttpBrowser } from '../serve/status/http-browser.js';
import { expectDocumented } from './readme-rows.js';

useTeardown();

const ALICE = 'alice-token-0123456789abcdef0123456789';
const K1 = storeKey('k1', 11);

/** The visible text of an HTML page. */
const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/\s+/g, ' ');

/** A team of instances taking Alice's static token, in front of `servers`. */
async function team(servers: Record<string, unknown>) {
  const t = await startTeam();
  const file = writeConfigFile({ mcpServers: servers, serve: { auth: { tokens: [{ user: 'alice', token: '${ALICE_TOKEN}' }] } } });
  return { ...t, startOne: () => t.start(['--config', file], K1, { ALICE_TOKEN: ALICE }) };
}

async function openTeam() {
  const open = await startStreamableServer();
  return team({ open: { url: open.url, allowHttp: true, auth: 'none' } });
}

/** Alice's MCP client on `base`. */
async function aliceClient(base: string): Promise<Client> {
  const client = new Client({ name: 'alice', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } } });
  onTeardown(() => withTimeout('client close', client.close(), 10_000).catch(() => undefined));
  await withTimeout('connect', client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${ALICE}` } } })), 20_000);
  return client;
}

describe('serve: several instances on one Redis, as a user sees them', () => {
  it('says the sign-in page cannot reach its shared state while Redis is away', { timeout: 90_000 }, async () => {
    const t = await openTeam();
    const serve = await t.startOne();
    t.balancer.to(serve.base);
    await t.redis.stop();
    const answer = await new HttpBrowser(t.balancer.base).signInWithToken(ALICE);
    expect(answer.status).toBe(503);
    const page = textOf(await answer.text());
    expect(page).toContain('Sign-in unavailable');
    expectDocumented(page, 'This server cannot reach its shared sign-in state now.');
    expect(serve.stderr()).toContain('the shared sign-in state in Redis cannot be used');
  });

  it('says a session is not found when no instance holds it any more', { timeout: 120_000 }, async () => {
    const t = await openTeam();
    const [a, b] = [await t.startOne(), await t.startOne()];
    t.balancer.to(a.base);
    const client = await aliceClient(t.balancer.base);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    // The instance holding the session dies, and Redis (no persistence) restarts: the session's record is gone.
    a.child.kill('SIGKILL');
    await a.waitForExit(10_000);
    await t.redis.stop();
    await t.redis.start();
    t.balancer.to(b.base);
    let message = '';
    // While B reconnects to Redis it answers 503 (-32000); then the session's refusal (-32001).
    await waitFor('the session to be refused', async () => {
      const error = await client.listTools(undefined, { timeout: 5_000 }).then(() => undefined, (e: unknown) => e as McpError);
      message = error?.message ?? '';
      return message.includes('"code":-32001');
    }, { timeoutMs: 30_000, intervalMs: 500 });
    expectDocumented(message, 'Session not found');
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
    const raw = await fetch(`${t.balancer.base}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ALICE}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(raw.status).toBe(404);
  });

  it('says a login link Redis lost was never made here', { timeout: 120_000 }, async () => {
    const stack = await startAuthStack();
    const t = await team({ secure: { url: stack.server.url, allowHttp: true, authTimeout: '60s' } });
    const serve = await t.startOne();
    t.balancer.to(serve.base);
    const client = await aliceClient(t.balancer.base);
    const link = await loginLink(client);
    await t.redis.stop();
    await t.redis.start();
    const browser = new HttpBrowser(t.balancer.base);
    let answer: Response | undefined;
    await waitFor('the link to be answered', async () => {
      answer = await browser.request(new URL(link!).pathname);
      return answer.status !== 503 && answer;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    expect(answer!.status).toBe(410);
    const page = textOf(await answer!.text());
    expect(page).toContain('No login here');
    expectDocumented(page, 'This login link has expired or was never made here.');
  });

  it('says too many sign-ins failed from one address, counted across instances', { timeout: 90_000 }, async () => {
    const t = await openTeam();
    const [a, b] = [await t.startOne(), await t.startOne()];
    const browser = new HttpBrowser(t.balancer.base);
    for (let i = 0; i < 10; i++) {
      t.balancer.to(i % 2 === 0 ? a.base : b.base);
      expect((await browser.signInWithToken(`wrong-token-${i}-0123456789abcdef0123456789`)).status).toBe(401);
    }
    t.balancer.to(a.base);
    const answer = await browser.signInWithToken(ALICE);
    expect(answer.status).toBe(429);
    expectDocumented(textOf(await answer.text()), 'Too many failed sign-ins from your address');
  });
});
