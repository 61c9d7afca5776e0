/**
 * Upstream credentials belong to (user, server): two users' sessions of serve's aggregate (UserMembers, as serve
 * builds them; here over in-memory clients) in front of one protected server. Alice logs in through the shared
 * callback; Bob's session never uses her token, her registration or her login in progress — he gets his own link,
 * and a callback hit with Alice's link from Bob is refused. Access rules narrow what each user sees.
 */
import { createServer } from 'node:http';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpError } from '@modelcontextprotocol/sdk/types.js';
import { Aggregator } from '../../../src/aggregate/aggregator.js';
import { CallbackHub } from '../../../src/auth/web-callback/hub.js';
import { renderPage } from '../../../src/auth/pages.js';
import { PASS_ALL } from '../../../src/config/file/tool-filter.js';
import { processRuntime } from '../../../src/config/runtime.js';
import { validateConfig } from '../../../src/config/validate.js';
import { createLogger } from '../../../src/log.js';
import { AccessPolicy } from '../../../src/serve/access/policy.js';
import { UserMembers, userConfigDir } from '../../../src/serve/users/user-members.js';
import { createGroupGuardian } from '../../../src/upstream/stdio/guardian.js';
import { tempDir } from '../../helpers/auth-bridge.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { driveLoginToCallback, startAuthStack } from '../../helpers/oidc/index.js';
import { startStreamableServer } from '../../helpers/servers.js';
import { waitFor } from '../../helpers/wait.js';

useTeardown();

/** serve's callback route, in small: the caller is whoever `x-test-user` names. */
async function callbackRoute(hub: CallbackHub): Promise<string> {
  const server = createServer((req, res) => {
    const caller = req.headers['x-test-user'];
    void hub.deliver(new URL(req.url ?? '/', 'http://x').searchParams, typeof caller === 'string' ? caller : undefined).then((a) => res.writeHead(a.status).end(renderPage(a.page)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTeardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/oauth/callback`;
}

describe('serve: upstream credentials per user', () => {
  it('keeps each user\'s logins, tokens and registrations to that user, and each sees only what the rules allow', async () => {
    const stack = await startAuthStack();
    const open = await startStreamableServer();
    const logger = createLogger({ level: 'silent' });
    const hub = new CallbackHub({ logger });
    const callbackUrl = await callbackRoute(hub);
    const configDir = tempDir();
    const secure = validateConfig({ url: stack.server.url, allowHttp: true, authTimeout: '60s' }, {});
    const plain = validateConfig({ url: open.url, allowHttp: true, auth: 'none' }, {});
    const servers = new Map([
      ['secure', { name: 'secure', kind: 'remote' as const, config: secure.server, filter: PASS_ALL }],
      ['open', { name: 'open', kind: 'remote' as const, config: plain.server, filter: PASS_ALL }],
    ]);
    const specs = [...servers.keys()].map((name) => ({ name, slug: name, filter: PASS_ALL }));
    const access = new AccessPolicy(new Map([['alice', { servers: ['*'], tools: {} }], ['bob', { servers: ['secure'], tools: {} }]]));
    const users = new UserMembers({ servers, specs, access, process: secure.process, runtime: processRuntime(), guardian: createGroupGuardian({ logger }), logger, hub, callbackUrl: () => callbackUrl, configDir });

    const session = async (user: string) => {
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      const aggregator = new Aggregator({ client: serverSide, servers: users.specsFor(user), factory: users.factoryFor(user, logger), separator: '__', logger, version: 'test', loginElicitation: true });
      onTeardown(() => aggregator.close());
      await aggregator.start();
      const client = new Client({ name: user, version: '1.0.0' }, { capabilities: { elicitation: { url: {} } } });
      await client.connect(clientSide);
      return client;
    };
    const loginLink = async (client: Client) => {
      let link: string | undefined;
      await waitFor('a login link', async () => {
        const error = await client.callTool({ name: 'secure__whoami', arguments: {} }, undefined, { timeout: 2_000 }).then(() => undefined, (e: unknown) => e as McpError);
        link = (error?.data as { elicitations?: Array<{ url: string }> } | undefined)?.elicitations?.[0]?.url;
        return link;
      }, { timeoutMs: 15_000, intervalMs: 200 });
      return link!;
    };

    const alice = await session('alice');
    const bob = await session('bob');
    expect((await bob.listTools()).tools.some((t) => t.name.startsWith('open__'))).toBe(false);
    const aliceLink = await loginLink(alice);
    const bobLink = await loginLink(bob);
    expect(bobLink).not.toBe(aliceLink);
    const { callbackUrl: aliceCallback } = await driveLoginToCallback(aliceLink);
    expect((await fetch(aliceCallback, { headers: { 'x-test-user': 'bob' } })).status).toBe(403);
    expect((await fetch(aliceCallback, { headers: { 'x-test-user': 'alice' } })).status).toBe(200);
    await waitFor('alice in', async () => (await alice.callTool({ name: 'secure__whoami', arguments: {} }, undefined, { timeout: 2_000 }).catch(() => undefined)) !== undefined, { timeoutMs: 20_000, intervalMs: 200 });
    const who = await alice.callTool({ name: 'secure__whoami', arguments: {} });
    expect(JSON.stringify(who.content)).toContain('sub');
    // Bob is still not logged in: Alice's token is nowhere his session can reach.
    const bobAgain = await bob.callTool({ name: 'secure__whoami', arguments: {} }, undefined, { timeout: 2_000 }).then(() => undefined, (e: unknown) => e as McpError);
    expect(bobAgain?.code).toBe(-32042);
    const dirs = readdirSync(`${configDir}/users`).sort();
    expect(dirs).toContain(userConfigDir(configDir, 'alice').split('/').at(-1));
    expect(dirs.every((d) => /^[0-9a-f]{32}$/.test(d))).toBe(true);
  });
});
