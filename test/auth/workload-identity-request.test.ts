// The workload identity grant's request itself, against a small real token endpoint (node:http) that records what
// arrives: without --client-id the request carries no client at all (SEP-1933: the assertion identifies the
// workload), with one it carries `client_id` as a public client; `resource` and `scope` go along; the file is read
// again for every request; a refusal is not retried.
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { preRegisteredClient } from '../../src/auth/client.js';
import { runWorkloadIdentity } from '../../src/auth/grants/workload-identity.js';
import { createLogger } from '../../src/log.js';
import { tempDir } from '../helpers/auth-bridge.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';

useTeardown();

interface Seen {
  body: Record<string, string>;
  authorization: string | undefined;
}

async function tokenEndpoint(answer: (seen: Seen) => [number, Record<string, unknown>]) {
  const seen: Seen[] = [];
  const read = (req: IncomingMessage) => new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
  });
  const server = createServer(async (req, res) => {
    const entry = { body: Object.fromEntries(new URLSearchParams(await read(req))), authorization: req.headers.authorization };
    seen.push(entry);
    const [status, body] = answer(entry);
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTeardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { seen, as: { issuer, token_endpoint: `${issuer}/token` } };
}

const jwt = (sub: string) => `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub, exp: 4102444800 })).toString('base64url')}.c2ln`;
const http = { fetch: globalThis.fetch, policy: { allowHttp: false }, timeoutMs: 5_000 };
const logger = createLogger({ level: 'silent' });

describe('the workload identity grant request', () => {
  it('no --client-id: no client_id and no client authentication; the assertion, resource and scope; the file read again each time', async () => {
    const { seen, as } = await tokenEndpoint(() => [200, { access_token: 'at', token_type: 'Bearer', expires_in: 60 }]);
    const file = join(tempDir(), 'token');
    writeFileSync(file, jwt('one'));
    const common = { as, client: undefined, source: { kind: 'file', path: file } as const, scopes: ['mcp:read'], resource: 'https://mcp.example/mcp', http, logger, now: Date.now };
    expect((await runWorkloadIdentity(common)).access_token).toBe('at');
    writeFileSync(file, jwt('two'));
    await runWorkloadIdentity(common);
    expect(seen.map((s) => s.body)).toEqual([
      { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt('one'), scope: 'mcp:read', resource: 'https://mcp.example/mcp' },
      { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt('two'), scope: 'mcp:read', resource: 'https://mcp.example/mcp' },
    ]);
    expect(seen.every((s) => s.authorization === undefined)).toBe(true);
  });

  it('with --client-id: client_id in the body as a public client; a refusal is reported once, not retried', async () => {
    const { seen, as } = await tokenEndpoint(() => [400, { error: 'unauthorized_client', error_description: 'not for workloads' }]);
    const client = await preRegisteredClient(as, 'workload-7');
    const run = runWorkloadIdentity({ as, client, source: { kind: 'env', name: 'MCP_WORKLOAD_TOKEN', value: jwt('w') }, scopes: [], resource: undefined, http, logger, now: Date.now });
    await expect(run).rejects.toThrow(/refused the workload identity token from MCP_WORKLOAD_TOKEN: unauthorized_client/);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.body).toEqual({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt('w'), client_id: 'workload-7' });
  });
});
