// What a failed connection tells the user (src/net/connect-error.ts), from real failures of the network fetch: a
// refused port, a name DNS does not know, a server whose certificate is self-signed. Decided on error codes.
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { connectError, TLS_CODES } from '../../src/net/connect-error.js';
import { nodeHttpFetch } from '../../src/net/node-http-fetch.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { listenLoopback } from '../helpers/http-util.js';
import { selfSignedCertificate } from '../helpers/tls.js';

useTeardown();

async function failureOf(url: string): Promise<unknown> {
  return nodeHttpFetch(url).then(
    () => {
      throw new Error(`${url} answered`);
    },
    (error: unknown) => error,
  );
}

describe('connectError', () => {
  it('a refused port: CONNECT, the origin and the code, and to check the URL and the server', async () => {
    const closed = await listenLoopback(() => undefined);
    await closed.close();
    const url = new URL(`http://127.0.0.1:${closed.port}/mcp`);
    const error = connectError(url, await failureOf(url.href));
    expect(error.code).toBe(ErrorCode.Connect);
    expect(error.message).toBe(`cannot reach http://127.0.0.1:${closed.port}: ECONNREFUSED`);
    expect(error.hint).toContain('that the server is running');
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('a name that does not resolve: names the host and suggests --use-env-proxy', async () => {
    const url = new URL('https://mcp-auth-bridge-test.invalid/mcp');
    const error = connectError(url, await failureOf(url.href));
    expect(error.code).toBe(ErrorCode.Connect);
    expect(error.hint).toContain('the host name mcp-auth-bridge-test.invalid does not resolve');
    expect(error.hint).toContain('--use-env-proxy');
  });

  it('a self-signed certificate: says it is not trusted and how to trust a private CA', async () => {
    const { key, cert } = selfSignedCertificate();
    const server = createServer({ key, cert }, (_req, res) => res.end('{}'));
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    onTeardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
    const error = connectError(url, await failureOf(url.href));
    expect(error.message).toMatch(TLS_CODES);
    expect(error.hint).toContain('NODE_EXTRA_CA_CERTS');
  });
});
